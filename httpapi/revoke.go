package httpapi

import (
	"net/http"

	"github.com/tokenmint/tokenmint/grant"
)

// Revoke serves RFC 7009 §2: 200 with an empty body on success, also for
// unknown tokens (§2.2).
func (a *API) Revoke(w http.ResponseWriter, r *http.Request) {
	f, err := DecodeTokenForm(w, r, a.cfg.MaxBodyBytes)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	if err := a.cfg.Engine.Revoke(r.Context(), grant.RevokeRequest{
		Client: f.Client, Token: f.Token, TokenTypeHint: f.Hint, ClientIP: ClientIP(r, a.cfg.TrustedProxies)}); err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
