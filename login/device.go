package login

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/password"
)

// Paths of the device flow's verification page (RFC 8628 §3.3): the
// verification_uri the device shows, its sign-in and its decision.
const (
	PathDevice        = "/device"
	PathDeviceLogin   = "/device/login"
	PathDeviceConsent = "/device/consent"
)

// DeviceThrottle limits wrong user codes (RFC 8628 §5.1: "the
// authorization server SHOULD ... rate-limit" guessing), per client
// address and over all addresses. Allow answers retryAfter > 0 when no
// more guesses may be made now.
type DeviceThrottle interface {
	Allow(ctx context.Context, ip string) (retryAfter time.Duration, err error)
	Failed(ctx context.Context, ip string)
}

// Messages of the device pages.
const (
	msgDeviceMalformed = "That is not a code: it has eight letters, like BCDF-GHJK."
	msgDeviceUnknown   = "That code is unknown, has expired or was already used. Check the code on your device, or start again there."
)

// DeviceGET serves the verification page (RFC 8628 §3.3): the sign-in
// form when the browser has no session, else the form to enter the user
// code, prefilled from ?user_code= (verification_uri_complete, §3.3.1).
// Nothing is looked up here: the code is checked once the person
// submits it, so that every lookup passes the guessing limit.
func (p *Pages) DeviceGET(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.RawQuery) > 2*tokenmint.MaxUserCodeInput {
		p.errorPage(w, http.StatusBadRequest, "Invalid request", "The link is too long to be one of ours.")
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || len(q["user_code"]) > 1 {
		p.errorPage(w, http.StatusBadRequest, "Invalid request", "The link is malformed.")
		return
	}
	prefill := q.Get("user_code")
	if code, ok := tokenmint.NormalizeUserCode(prefill); ok {
		prefill = tokenmint.FormatUserCode(code)
	} else {
		prefill = ""
	}
	sess, live, err := p.session(r.Context(), r)
	switch {
	case err != nil:
		p.deviceUnavailable(w, r, err)
	case !live:
		p.showDeviceLogin(w, r, http.StatusOK, prefill, "", "")
	default:
		p.showDeviceEntry(w, r, http.StatusOK, sess, prefill, "")
	}
}

// DeviceForm takes the entered user code: the consent page for a pending
// authorization, else the form again with why.
func (p *Pages) DeviceForm() http.Handler { return p.crossOrigin(p.deviceEntry) }

// DeviceLoginForm signs the person in on the verification page.
func (p *Pages) DeviceLoginForm() http.Handler { return p.crossOrigin(p.deviceLogin) }

// DeviceConsentForm records the person's answer to a device's request.
func (p *Pages) DeviceConsentForm() http.Handler { return p.crossOrigin(p.deviceConsent) }

func (p *Pages) showDeviceLogin(w http.ResponseWriter, r *http.Request, status int, userCode, username, msg string) {
	p.render(w, status, "login", &page{
		Title:    "Sign in to connect a device",
		Action:   p.base + PathDeviceLogin,
		Client:   "your device",
		CSRF:     p.csrfToken(w, r),
		Username: username,
		Error:    msg,
		UserCode: userCode,
	}, "")
}

func (p *Pages) showDeviceEntry(w http.ResponseWriter, r *http.Request, status int, sess tokenmint.LoginSession, userCode, msg string) {
	p.render(w, status, "device", &page{
		Title:    "Connect a device",
		Action:   p.base + PathDevice,
		CSRF:     p.csrfToken(w, r),
		Username: p.username(r.Context(), sess.UserID),
		UserCode: userCode,
		Error:    msg,
	}, "")
}

// deviceLogin handles the sign-in form of the verification page, as
// the login page does (the same throttled AuthenticateUser), then shows
// the code form, still prefilled: the person confirms the code their
// device shows (RFC 8628 §5.4).
func (p *Pages) deviceLogin(w http.ResponseWriter, r *http.Request) {
	form, ok := p.pageForm(w, r)
	if !ok {
		return
	}
	userCode := form.Get("user_code")
	if c, ok := tokenmint.NormalizeUserCode(userCode); ok {
		userCode = tokenmint.FormatUserCode(c)
	} else {
		userCode = ""
	}
	username, pw := form.Get("username"), form.Get("password")
	switch {
	case username == "" || pw == "":
		p.showDeviceLogin(w, r, http.StatusOK, userCode, username, msgMissing)
		return
	case len(username) > maxUsername || len(pw) > password.MaxLength:
		p.showDeviceLogin(w, r, http.StatusOK, userCode, "", msgBadCredentials)
		return
	}
	ip := httpapi.ClientIP(r, p.cfg.TrustedProxies)
	u, err := p.cfg.Engine.AuthenticateUser(r.Context(), grant.SignIn{Username: username, Password: pw, IP: ip})
	if err != nil {
		p.deviceLoginFailed(w, r, userCode, username, err)
		return
	}
	sess, err := p.startSession(r.Context(), w, u.ID)
	if err != nil {
		p.deviceUnavailable(w, r, err)
		return
	}
	p.log.InfoContext(r.Context(), "user signed in on the device page", "user_id", u.ID)
	p.showDeviceEntry(w, r, http.StatusOK, sess, userCode, "")
}

func (p *Pages) deviceLoginFailed(w http.ResponseWriter, r *http.Request, userCode, username string, err error) {
	var te *grant.ThrottledError
	switch {
	case errors.Is(err, grant.ErrBadCredentials):
		p.showDeviceLogin(w, r, http.StatusOK, userCode, username, msgBadCredentials)
	case errors.As(err, &te):
		secs := retrySeconds(te.RetryAfter)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		p.showDeviceLogin(w, r, http.StatusTooManyRequests, userCode, username,
			fmt.Sprintf("Too many failed attempts; try again in %d seconds.", secs))
	default:
		p.deviceUnavailable(w, r, err)
	}
}

// deviceSession returns the live session a device form needs, or shows
// the sign-in form (the session ended meanwhile) and returns false.
func (p *Pages) deviceSession(w http.ResponseWriter, r *http.Request, userCode string) (tokenmint.LoginSession, bool) {
	sess, live, err := p.session(r.Context(), r)
	switch {
	case err != nil:
		p.deviceUnavailable(w, r, err)
		return sess, false
	case !live:
		if c, ok := tokenmint.NormalizeUserCode(userCode); ok {
			userCode = tokenmint.FormatUserCode(c)
		} else {
			userCode = ""
		}
		p.showDeviceLogin(w, r, http.StatusOK, userCode, "", msgExpired)
		return sess, false
	}
	return sess, true
}

// deviceEntry looks the entered code up, within the guessing limit.
func (p *Pages) deviceEntry(w http.ResponseWriter, r *http.Request) {
	form, ok := p.pageForm(w, r)
	if !ok {
		return
	}
	input := form.Get("user_code")
	sess, ok := p.deviceSession(w, r, input)
	if !ok {
		return
	}
	ip := httpapi.ClientIP(r, p.cfg.TrustedProxies)
	if !p.deviceAllowed(w, r, sess, ip) {
		return
	}
	req, err := p.cfg.Engine.DeviceRequest(r.Context(), input)
	if err != nil {
		p.deviceCodeFailed(w, r, sess, ip, err)
		return
	}
	p.render(w, http.StatusOK, "device_consent", &page{
		Title:    "Allow " + req.Client.Name + "?",
		Action:   p.base + PathDeviceConsent,
		Client:   req.Client.Name,
		Scopes:   scopeViews(req.Scopes),
		CSRF:     p.csrfToken(w, r),
		Username: p.username(r.Context(), sess.UserID),
		UserCode: tokenmint.FormatUserCode(req.UserCode),
	}, "")
}

// deviceConsent records Allow or Deny for the code the consent page
// carried. The code is looked up again, within the same limit, so that
// posting here directly is no way around it.
func (p *Pages) deviceConsent(w http.ResponseWriter, r *http.Request) {
	form, ok := p.pageForm(w, r)
	if !ok {
		return
	}
	input := form.Get("user_code")
	sess, ok := p.deviceSession(w, r, input)
	if !ok {
		return
	}
	decision := form.Get("decision")
	if decision != "allow" && decision != "deny" {
		p.errorPage(w, http.StatusBadRequest, "Invalid request", "Choose Allow or Deny.")
		return
	}
	ip := httpapi.ClientIP(r, p.cfg.TrustedProxies)
	if !p.deviceAllowed(w, r, sess, ip) {
		return
	}
	if _, err := p.cfg.Engine.DecideDevice(r.Context(), input, sess, decision == "allow", ip); err != nil {
		p.deviceCodeFailed(w, r, sess, ip, err)
		return
	}
	if decision == "deny" {
		p.render(w, http.StatusOK, "message", &page{Title: "Request denied",
			Message: "The device was not given access. You can close this page."}, "")
		return
	}
	p.render(w, http.StatusOK, "message", &page{Title: "Device connected",
		Message: "You can close this page and return to your device."}, "")
}

// deviceAllowed applies the guessing limit before a lookup: when the
// address or the server as a whole has made too many wrong guesses, a
// 429 page with Retry-After.
func (p *Pages) deviceAllowed(w http.ResponseWriter, r *http.Request, sess tokenmint.LoginSession, ip string) bool {
	if p.cfg.DeviceThrottle == nil {
		return true
	}
	wait, err := p.cfg.DeviceThrottle.Allow(r.Context(), ip)
	if err != nil {
		p.deviceUnavailable(w, r, err)
		return false
	}
	if wait <= 0 {
		return true
	}
	secs := retrySeconds(wait)
	p.log.WarnContext(r.Context(), "user code guessing limit reached", "ip", ip, "user_id", sess.UserID, "retry_after_s", secs)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	p.showDeviceEntry(w, r, http.StatusTooManyRequests, sess, "",
		fmt.Sprintf("Too many wrong codes. For your security, try again in %d seconds.", secs))
	return false
}

// deviceCodeFailed answers a code that was refused: a malformed one is
// not a guess; an unknown, expired or answered one counts as a wrong
// guess.
func (p *Pages) deviceCodeFailed(w http.ResponseWriter, r *http.Request, sess tokenmint.LoginSession, ip string, err error) {
	switch {
	case errors.Is(err, grant.ErrUserCodeMalformed):
		p.showDeviceEntry(w, r, http.StatusOK, sess, "", msgDeviceMalformed)
	case errors.Is(err, grant.ErrUserCode):
		if p.cfg.DeviceThrottle != nil {
			p.cfg.DeviceThrottle.Failed(r.Context(), ip)
		}
		p.log.InfoContext(r.Context(), "wrong user code", "ip", ip, "user_id", sess.UserID)
		p.showDeviceEntry(w, r, http.StatusOK, sess, "", msgDeviceUnknown)
	default:
		p.deviceUnavailable(w, r, err)
	}
}

// deviceUnavailable answers a failure of the store or the limiter; its
// cause is logged, never shown. An OAuth error (a user disabled since
// signing in: access_denied) is shown as what it is.
func (p *Pages) deviceUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	oe := httpapi.AsOAuthError(r, p.log, err)
	if oe.HTTPStatus() < 500 {
		p.errorPage(w, oe.HTTPStatus(), "Request refused", oe.Description)
		return
	}
	p.errorPage(w, oe.HTTPStatus(), "Service unavailable", msgUnavailable)
}

// retrySeconds rounds a wait up to whole seconds, at least one.
func retrySeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }
