package httpapi

import "net/http"

// JWKS serves the public signing keys (RFC 7517 §5). Resource servers
// cache it; a short max-age lets a rotation reach them quickly.
func (a *API) JWKS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Cache-Control", "public, max-age=60")
	w.Write(a.cfg.Engine.Keys().JWKS())
}
