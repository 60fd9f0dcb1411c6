package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/httpapi"
)

// logout ends the browser session (OpenID Connect RP-Initiated Logout 1.0
// §2, §3). The parameters come from the query of a GET or the form of a
// POST. It returns to post_logout_redirect_uri, with state, only when
// client_id names a client that registered that exact URI among its
// redirect URIs; otherwise it shows a signed-out page.
//
// Logout takes no CSRF token: a client signs its user out by sending the
// browser here, and the worst a forged request can do is sign someone
// out.
func (p *Pages) Logout(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		form, ok := p.parseForm(w, r)
		if !ok {
			return
		}
		params = form
	}
	if err := p.endSession(r.Context(), w, r); err != nil {
		oe := httpapi.AsOAuthError(r, p.log, err)
		p.errorPage(w, max(oe.HTTPStatus(), http.StatusInternalServerError), "Sign-out failed",
			"You could not be signed out. Please try again in a moment.")
		return
	}
	if p.cfg.SignedOut != nil {
		p.cfg.SignedOut()
	}
	target := p.postLogoutRedirect(r.Context(), params)
	if target == "" {
		p.render(w, http.StatusOK, "message", &page{Title: "Signed out", Message: "You have been signed out. You can close this page."}, "")
		return
	}
	if state := params.Get("state"); state != "" {
		target = responseURI(target, "query", url.Values{"state": {state}})
	}
	p.redirect(w, r, target)
}

// postLogoutRedirect returns the post_logout_redirect_uri when it is one
// of the redirect URIs of the client_id given, compared exactly as for
// authorization (RFC 9700 §4.1.3), or "".
func (p *Pages) postLogoutRedirect(ctx context.Context, params url.Values) string {
	uri, clientID := params.Get("post_logout_redirect_uri"), params.Get("client_id")
	if uri == "" {
		return ""
	}
	if clientID == "" {
		p.log.InfoContext(ctx, "logout: post_logout_redirect_uri ignored without client_id")
		return ""
	}
	c, err := p.cfg.Store.GetClient(ctx, clientID)
	if err != nil {
		if !errors.Is(err, tokenmint.ErrNotFound) {
			p.log.WarnContext(ctx, "logout: get client", "client_id", clientID, "err", err)
		}
		return ""
	}
	if !c.HasRedirectURI(uri) {
		p.log.InfoContext(ctx, "logout: post_logout_redirect_uri is not registered", "client_id", clientID)
		return ""
	}
	return uri
}
