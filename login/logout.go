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
// client_id or id_token_hint names a client that registered that exact
// URI among its redirect URIs; otherwise it shows a signed-out page. An
// id_token_hint that is not this server's ID token for the client is
// refused with an error page, the session kept (grant.Engine.LogoutClient).
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
	// The client the request comes from: client_id, or the audience of
	// id_token_hint, which must be this server's ID token for it. A
	// request that fails that was not sent by the client: nothing is
	// done and nobody is redirected.
	clientID, err := p.cfg.Engine.LogoutClient(params.Get("client_id"), params.Get("id_token_hint"))
	if err != nil {
		oe := httpapi.AsOAuthError(r, p.log, err)
		p.errorPage(w, oe.HTTPStatus(), "Invalid sign-out request",
			"The application sent an invalid sign-out request ("+oe.Code+": "+oe.Description+"). You are still signed in.")
		return
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
	target := p.postLogoutRedirect(r.Context(), clientID, params.Get("post_logout_redirect_uri"))
	if target == "" {
		p.render(w, http.StatusOK, "message", &page{Title: "Signed out", Message: "You have been signed out. You can close this page."}, "")
		return
	}
	if state := params.Get("state"); state != "" {
		target = responseURI(target, "query", url.Values{"state": {state}})
	}
	p.redirect(w, r, target)
}

// postLogoutRedirect returns the post_logout_redirect_uri uri when it is
// one of the redirect URIs of the client (client_id or the audience of
// id_token_hint), compared exactly as for authorization (RFC 9700
// §4.1.3), or "".
func (p *Pages) postLogoutRedirect(ctx context.Context, clientID, uri string) string {
	if uri == "" {
		return ""
	}
	if clientID == "" {
		p.log.InfoContext(ctx, "logout: post_logout_redirect_uri ignored without client_id or id_token_hint")
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
