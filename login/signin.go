package login

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/password"
)

// maxUsername bounds the username the login form accepts; longer input is
// answered like any wrong credentials, before any lookup.
const maxUsername = 256

// Messages of the login page. A wrong username and a wrong password read
// the same, so the page tells nobody which usernames exist.
const (
	msgBadCredentials = "Invalid username or password."
	msgMissing        = "Enter your username and password."
	msgUnavailable    = "The sign-in service is unavailable. Please try again in a moment."
	msgExpired        = "Your session has ended. Please sign in again."
)

// showLogin renders the login page for a validated request; req is
// carried in a hidden field and validated again on submission.
func (p *Pages) showLogin(w http.ResponseWriter, r *http.Request, a *grant.Authorization, req grant.AuthorizeRequest, status int, username, msg string) {
	p.render(w, status, "login", &page{
		Title:    "Sign in to " + a.Client.Name,
		Action:   p.base + PathLogin,
		Client:   a.Client.Name,
		Scopes:   scopeViews(a.Scopes),
		Request:  p.encodePending(req),
		CSRF:     p.csrfToken(w, r),
		Username: username,
		Error:    msg,
		Lang:     a.UILocale,
	}, a.RedirectURI)
}

// login handles the login form. Wrong credentials re-render the page with
// status 200 and one generic message (a 401 would need a
// WWW-Authenticate challenge no browser form can answer, RFC 9110
// §15.5.2); throttling answers 429 with Retry-After.
func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	form, ok := p.pageForm(w, r)
	if !ok {
		return
	}
	req, a, ok := p.pending(w, r, form)
	if !ok {
		return
	}
	username, pw := form.Get("username"), form.Get("password")
	switch {
	case username == "" || pw == "":
		p.showLogin(w, r, a, req, http.StatusOK, username, msgMissing)
		return
	case len(username) > maxUsername || len(pw) > password.MaxLength:
		p.showLogin(w, r, a, req, http.StatusOK, "", msgBadCredentials)
		return
	}
	u, err := p.cfg.Engine.AuthenticateUser(r.Context(), grant.SignIn{
		Username: username, Password: pw, IP: httpapi.ClientIP(r, p.cfg.TrustedProxies), ClientID: a.Client.ID})
	if err != nil {
		p.loginFailed(w, r, a, req, username, err)
		return
	}
	if p.hintMismatch(a, u.ID) {
		// No session is started: the client asked for another user.
		p.log.InfoContext(r.Context(), "sign-in as another user than id_token_hint or the claims parameter names", "user_id", u.ID, "client_id", a.Client.ID)
		p.redirectError(w, r, a, oauth.NewError(oauth.LoginRequired, "the user signed in is not the one id_token_hint or the claims parameter names"))
		return
	}
	sess, err := p.startSession(r.Context(), w, u.ID)
	if err != nil {
		p.redirectError(w, r, a, err)
		return
	}
	p.log.InfoContext(r.Context(), "user signed in", "user_id", u.ID, "client_id", a.Client.ID)
	p.complete(w, r, a, req, sess, false)
}

// loginFailed re-renders the login page after a refused sign-in.
func (p *Pages) loginFailed(w http.ResponseWriter, r *http.Request, a *grant.Authorization, req grant.AuthorizeRequest, username string, err error) {
	var te *grant.ThrottledError
	ip := httpapi.ClientIP(r, p.cfg.TrustedProxies)
	switch {
	case errors.Is(err, grant.ErrBadCredentials):
		// The username is not logged: people type passwords into it.
		p.log.InfoContext(r.Context(), "sign-in failed", "client_id", a.Client.ID, "ip", ip)
		p.showLogin(w, r, a, req, http.StatusOK, username, msgBadCredentials)
	case errors.As(err, &te):
		secs := max(1, int(math.Ceil(te.RetryAfter.Seconds())))
		p.log.WarnContext(r.Context(), "sign-in throttled", "client_id", a.Client.ID, "ip", ip, "retry_after_s", secs)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		p.showLogin(w, r, a, req, http.StatusTooManyRequests, username,
			fmt.Sprintf("Too many failed attempts; try again in %d seconds.", secs))
	default:
		oe := httpapi.AsOAuthError(r, p.log, err) // logs the cause
		status := oe.HTTPStatus()
		if status < 500 {
			status = http.StatusInternalServerError
		}
		p.showLogin(w, r, a, req, status, username, msgUnavailable)
	}
}
