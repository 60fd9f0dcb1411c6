package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// showConsent renders the consent page: the client, the scopes it asks
// for, Allow and Deny.
func (p *Pages) showConsent(w http.ResponseWriter, r *http.Request, a *grant.Authorization, req grant.AuthorizeRequest, sess tokenmint.LoginSession) {
	p.render(w, http.StatusOK, "consent", &page{
		Title:    "Allow " + a.Client.Name + "?",
		Action:   p.base + PathConsent,
		Client:   a.Client.Name,
		Scopes:   scopeViews(a.Scopes),
		Request:  p.encodePending(req),
		CSRF:     p.csrfToken(w, r),
		Username: p.username(r.Context(), sess.UserID),
		// Where Allow sends the person, and a way out for someone who is
		// not the account shown (a shared browser).
		RedirectHost: redirectHost(a.RedirectURI),
		SwitchUser:   p.switchUserURL(req),
	}, a.RedirectURI)
}

// redirectHost is the host (with its port) of a redirect URI, or its
// scheme for a private-use scheme (RFC 8252 §7.1), for the consent page.
func redirectHost(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	if u.Host != "" {
		return u.Host
	}
	return u.Scheme + ":"
}

// switchUserURL is the link of the consent page's "Not you?": the same
// authorization request at the standard endpoint with prompt=login (OIDC
// Core §3.1.2.1), which shows the login page whoever is signed in, and
// without id_token_hint, which names the account being left. A dialect's
// request has no standard form to go back to: "" (no link).
func (p *Pages) switchUserURL(req grant.AuthorizeRequest) string {
	if req.Dialect != "" || req.Headless {
		return ""
	}
	q := url.Values{}
	for _, ap := range authorizeParams {
		if v := *ap.field(&req); v != "" && ap.name != "prompt" && ap.name != "id_token_hint" {
			q.Set(ap.name, v)
		}
	}
	for _, res := range req.Resources {
		q.Add(paramResource, res)
	}
	q.Set("prompt", "login")
	return p.base + httpapi.PathAuthorize + "?" + q.Encode()
}

// username is shown on the consent page so the person knows which account
// they are granting from; the ID stands in if the lookup fails.
func (p *Pages) username(ctx context.Context, userID string) string {
	u, err := p.cfg.Store.GetUser(ctx, userID)
	if err != nil {
		if !errors.Is(err, tokenmint.ErrNotFound) {
			p.log.WarnContext(ctx, "consent page: get user", "user_id", userID, "err", err)
		}
		return userID
	}
	return u.Username
}

// consent handles the consent form. Deny is access_denied (RFC 6749
// §4.1.2.1); Allow is remembered for the session when the client
// requires consent, then the code is issued.
func (p *Pages) consent(w http.ResponseWriter, r *http.Request) {
	form, ok := p.pageForm(w, r)
	if !ok {
		return
	}
	req, a, ok := p.pending(w, r, form)
	if !ok {
		return
	}
	sess, live, err := p.session(r.Context(), r)
	switch {
	case err != nil:
		p.redirectError(w, r, a, err)
		return
	case !live:
		p.showLogin(w, r, a, req, http.StatusOK, p.hintUsername(r.Context(), a), msgExpired)
		return
	case p.hintMismatch(a, sess.UserID):
		// Another user signed in in this browser since the page was shown.
		p.redirectError(w, r, a, oauth.NewError(oauth.LoginRequired, "the signed-in user is not the one id_token_hint or the claims parameter names"))
		return
	}
	switch form.Get("decision") {
	case "allow":
		if a.Client.RequireConsent {
			p.rememberConsent(w, r, p.consentMark(sess.ID, a.Client.ID, a.Scopes))
		}
		p.complete(w, r, a, req, sess, true)
	case "deny":
		p.log.InfoContext(r.Context(), "user denied consent", "client_id", a.Client.ID, "user_id", sess.UserID)
		p.redirectError(w, r, a, oauth.NewError(oauth.AccessDenied, "the user denied the request"))
	default:
		p.errorPage(w, http.StatusBadRequest, "Invalid request", "Choose Allow or Deny.")
	}
}
