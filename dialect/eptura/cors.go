package eptura

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenmint/tokenmint"
)

// The article's apps are JavaScript pages ("Client-side (JavaScript)
// applications ... Your JavaScript application needs to read the
// authorization code and exchange it for an access token"), served from
// their own origin: they call the token, revoke and users/me endpoints
// cross-origin, with the article's x- headers, so the browser asks first
// (a CORS preflight, Fetch Standard §4.8). tokenmint answers it, and then
// lets the page read an answer only when the page's origin is the origin
// of one of the client's registered redirect URIs: the page the code was
// sent to. The headless /auth (a person's password) gets no CORS answer at
// all, so no other site's page can post a password to it.

// corsRequestHeaders are the request headers a page may send: the
// article's, iOFFICE's client's and PKCE's.
var corsRequestHeaders = strings.Join([]string{
	"Authorization", "Content-Type", hClientID, hClientSecret, hRedirectURI, hScope, hGrantType,
	hAuthCode, hRefreshToken, hCodeVerifier, hToken, hAccessToken,
}, ", ")

// preflight answers a CORS preflight of the endpoints pages call. It
// grants no credentials (cookies): the article's calls carry their
// tokens in headers.
func preflight(methods string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); origin != "" {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", methods)
			h.Set("Access-Control-Allow-Headers", corsRequestHeaders)
			h.Set("Access-Control-Max-Age", "600")
		}
		h.Set("Allow", methods+", OPTIONS")
		w.WriteHeader(http.StatusNoContent)
	}
}

// allowOrigin lets the calling page read the answer when its origin is
// the origin of one of the client's registered redirect URIs.
func allowOrigin(w http.ResponseWriter, r *http.Request, c *tokenmint.Client) {
	w.Header().Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || c == nil {
		return
	}
	for _, uri := range c.RedirectURIs {
		if u, err := url.Parse(uri); err == nil && u.Scheme+"://"+u.Host == origin {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			return
		}
	}
}

// allowClientOrigin is allowOrigin for the client a request names.
func (h *handler) allowClientOrigin(w http.ResponseWriter, r *http.Request, clientID string) {
	if r.Header.Get("Origin") == "" || clientID == "" {
		return
	}
	if c, err := h.d.Engine.Client(r.Context(), clientID); err == nil {
		allowOrigin(w, r, &c)
	}
}
