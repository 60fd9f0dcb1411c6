package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// Cookie names, prefixed __Host- over https (RFC 6265bis §4.1.3.2). They
// differ from the login pages' (tokenmint_session, tokenmint_csrf): the
// admin and public listeners usually share a host, and cookies ignore
// ports.
const (
	cookieConsole = "tokenmint_console"
	cookieApps    = "tokenmint_apps"
	suffixSignIn  = "_signin" // the sign-in in progress: state and where to go after
)

// Labels of the HMACs under CookieKey.
const (
	labelCSRF = "tokenmint console csrf v1"
	labelPKCE = "tokenmint console pkce v1"
)

// maxCookie bounds a cookie value read; a session's is an opaque access
// token, far shorter.
const maxCookie = 1024

// signInTTL is how long a sign-in may take, login page included.
const signInTTL = 15 * time.Minute

// viewer is the signed-in user of a request, and their session.
type viewer struct {
	User  tokenmint.User
	token string // the session cookie: an access token of ClientID
	csrf  string // the CSRF token of this session's forms
}

func (s *site) cookie(name string) string {
	if name == "" {
		name = cookieConsole
		if !s.operator {
			name = cookieApps
		}
	}
	if s.secure {
		return "__Host-" + name
	}
	return name
}

func (s *site) sessionCookie() string { return s.cookie("") }
func (s *site) signInCookie() string  { return s.cookie("") + suffixSignIn }

// setCookie sets a first-party cookie: HttpOnly, SameSite=Lax (sent on
// the top-level navigation back from the login page, never on a
// cross-site post), Secure over https; maxAge < 0 deletes it.
func (s *site) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
	switch {
	case maxAge < 0:
		ck.MaxAge, ck.Value = -1, ""
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, ck)
}

func readCookie(r *http.Request, name string) string {
	ck, err := r.Cookie(name)
	if err != nil || len(ck.Value) > maxCookie {
		return ""
	}
	return ck.Value
}

// mac is HMAC-SHA256 under CookieKey of label and parts, each
// length-prefixed.
func (c *Console) mac(label string, parts ...string) []byte {
	m := hmac.New(sha256.New, c.cfg.CookieKey)
	m.Write([]byte(label))
	for _, p := range parts {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(p))))
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// csrfToken is the CSRF token of a session's forms: an HMAC of the
// session's token, which a cross-site page can neither read nor compute.
func (c *Console) csrfToken(s *site, session string) string {
	return base64.RawURLEncoding.EncodeToString(c.mac(labelCSRF, s.base, session))
}

// checkCSRF verifies a form's token in constant time, in the one
// encoding csrfToken writes.
func (c *Console) checkCSRF(s *site, session, got string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(got)
	return err == nil && session != "" && hmac.Equal(b, c.mac(labelCSRF, s.base, session))
}

// verifier is the PKCE code verifier of a sign-in (RFC 7636 §4.1): 43
// characters derived from its state, so that no instance needs to keep
// it and any instance can finish the sign-in.
func (c *Console) verifier(state string) string {
	return base64.RawURLEncoding.EncodeToString(c.mac(labelPKCE, state))
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// siteURL is the site's URL as the browser reaches it: the configured
// one, or, for a request to a loopback address, that address (RFC 8252
// §7.3: the console client's loopback redirect URIs match any port).
func (c *Console) siteURL(s *site, r *http.Request) (string, bool) {
	if s.fixed != "" {
		return s.fixed, true
	}
	host := r.Host
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = strings.Trim(host, "[]")
	}
	if h != "127.0.0.1" && h != "::1" && h != "localhost" {
		return "", false
	}
	return "http://" + host + s.base, true
}

// safeNext accepts a path of the site to return to after sign-in, and
// nothing that could leave it.
func safeNext(s *site, next string) string {
	if !strings.HasPrefix(next, s.base+"/") || strings.ContainsAny(next, "\\\x00\r\n") ||
		strings.Contains(next, "//") || len(next) > 512 {
		return s.base + "/"
	}
	return next
}

// signIn starts the authorization code flow with PKCE at this server's
// authorization endpoint (RFC 6749 §4.1.1, RFC 7636 §4.3).
func (c *Console) signIn(w http.ResponseWriter, r *http.Request, s *site) {
	base, ok := c.siteURL(s, r)
	if !ok {
		c.message(w, r, s, http.StatusBadRequest, "Console address unknown",
			"This console was reached at "+r.Host+", which is not a loopback address, and no console URL is configured. "+
				"Set --console-url to the address browsers use (for example https://admin.example.com/console/).")
		return
	}
	if err := c.ensureClient(r); err != nil {
		c.failed(w, r, s, err)
		return
	}
	state := rand.Text()
	next := safeNext(s, r.URL.Query().Get("next"))
	s.setCookie(w, s.signInCookie(), state+"."+base64.RawURLEncoding.EncodeToString([]byte(next)), signInTTL)
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {ClientID},
		"redirect_uri":          {base + "/callback"},
		"scope":                 {"openid"},
		"state":                 {state},
		"code_challenge":        {challenge(c.verifier(state))},
		"code_challenge_method": {"S256"},
	}
	http.Redirect(w, r, strings.TrimSuffix(c.cfg.Engine.Issuer(), "/")+httpapi.PathAuthorize+"?"+q.Encode(), http.StatusSeeOther)
}

// ensureClient makes the console's client before this instance's first
// sign-in (EnsureClient), as the system.
func (c *Console) ensureClient(r *http.Request) error {
	if c.ensured.Load() {
		return nil
	}
	uris := RedirectURIs(c.cfg.Engine.Issuer(), c.cfg.ConsoleURL, c.cfg.SelfService)
	ctx := registry.WithActor(r.Context(), tokenmint.ActorSystem, "")
	if err := EnsureClient(ctx, c.cfg.Registry, uris, c.cfg.Session); err != nil {
		return err
	}
	c.ensured.Store(true)
	c.cfg.Invalidate()
	return nil
}

// callback finishes a sign-in: the state must be this browser's, then the
// code is exchanged in process with the verifier, and the access token
// becomes the session cookie.
func (c *Console) callback(w http.ResponseWriter, r *http.Request, s *site) {
	state, next, ok := c.pendingSignIn(r, s)
	q := r.URL.Query()
	switch {
	case !ok:
		c.restart(w, r, s, "The sign-in expired or was started in another browser.")
		return
	case !hmac.Equal([]byte(q.Get("state")), []byte(state)):
		c.restart(w, r, s, "The sign-in's answer does not match the sign-in this browser started.")
		return
	case q.Get("error") != "":
		s.setCookie(w, s.signInCookie(), "", -1)
		c.restart(w, r, s, "Sign-in did not complete ("+clip(q.Get("error"))+": "+clip(q.Get("error_description"))+").")
		return
	}
	base, ok := c.siteURL(s, r)
	if !ok {
		c.restart(w, r, s, "This console was reached at an address it cannot sign in on: set --console-url.")
		return
	}
	resp, err := c.cfg.Engine.Token(r.Context(), grant.TokenRequest{
		GrantType:    tokenmint.GrantAuthorizationCode,
		Client:       grant.Credentials{ID: ClientID, Method: grant.AuthNone},
		Code:         q.Get("code"),
		RedirectURI:  base + "/callback",
		CodeVerifier: c.verifier(state),
		ClientIP:     httpapi.ClientIP(r, c.cfg.TrustedProxies),
	})
	if err != nil {
		c.log.InfoContext(r.Context(), "console sign-in: code exchange refused", "err", err)
		c.restart(w, r, s, "The sign-in could not be completed; please try again.")
		return
	}
	s.setCookie(w, s.signInCookie(), "", -1)
	s.setCookie(w, s.sessionCookie(), resp.AccessToken, resp.ExpiresIn)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// pendingSignIn reads the sign-in cookie: its state and return path.
func (c *Console) pendingSignIn(r *http.Request, s *site) (state, next string, ok bool) {
	v := readCookie(r, s.signInCookie())
	state, enc, found := strings.Cut(v, ".")
	if !found || len(state) != 26 {
		return "", "", false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return "", "", false
	}
	return state, safeNext(s, string(b)), true
}

func (c *Console) restart(w http.ResponseWriter, r *http.Request, s *site, msg string) {
	c.render(w, r, http.StatusBadRequest, "message", &view{site: s, Title: "Sign-in failed", Error: msg,
		Link: &link{Href: s.base + "/signin", Text: "Sign in again"}})
}

// signOut revokes the session's token (RFC 7009), clears the cookie and
// sends the browser to the login pages' sign-out, which ends the login
// session too (OpenID Connect RP-Initiated Logout).
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *site) {
	if !c.parseForm(w, r, s) {
		return
	}
	raw := readCookie(r, s.sessionCookie())
	if raw != "" {
		if !c.checkCSRF(s, raw, r.PostForm.Get("csrf_token")) {
			c.csrfFailed(w, r, s)
			return
		}
		err := c.cfg.Engine.Revoke(r.Context(), grant.RevokeRequest{Client: grant.Credentials{ID: ClientID, Method: grant.AuthNone},
			Token: raw, ClientIP: httpapi.ClientIP(r, c.cfg.TrustedProxies)})
		if err != nil {
			c.log.WarnContext(r.Context(), "console sign-out: revoke the session's token", "err", err)
		}
	}
	s.setCookie(w, s.sessionCookie(), "", -1)
	http.Redirect(w, r, strings.TrimSuffix(c.cfg.Engine.Issuer(), "/")+httpapi.PathLogout, http.StatusSeeOther)
}

// errNoSession is a request without a live session.
var errNoSession = errors.New("no session")

// authenticate returns the request's signed-in user: the session
// cookie's token must be a live access token of ClientID (checked as any
// bearer token, so revocation and the user's sign-outs apply), for a user
// that exists and is enabled. errNoSession otherwise; any other error is
// the store's.
func (c *Console) authenticate(r *http.Request, s *site) (*viewer, error) {
	raw := readCookie(r, s.sessionCookie())
	if raw == "" {
		return nil, errNoSession
	}
	info, err := c.cfg.Engine.ValidateBearer(r.Context(), raw)
	if oe, ok := oauth.As(err); ok && oe.Code == oauth.InvalidToken {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	if info.ClientID != ClientID || info.Subject == "" {
		return nil, errNoSession
	}
	u, err := c.store.GetUser(r.Context(), info.Subject)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled() {
		return nil, errNoSession
	}
	return &viewer{User: u, token: raw, csrf: c.csrfToken(s, raw)}, nil
}

// handler is a page's handler, given the signed-in user.
type handler func(w http.ResponseWriter, r *http.Request, v *viewer)

// page serves h to a signed-in user allowed on the site: others are sent
// to sign in (GET) or told their session ended; a user without the admin
// role gets a 403 page on the operator site.
func (c *Console) page(s *site, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := c.viewer(w, r, s)
		if !ok {
			return
		}
		h(w, r.WithContext(c.actor(r, v)), v)
	})
}

// form is page for a POST: the form is read (bounded) and its CSRF token
// checked before h runs; a cross-origin post is refused first.
func (c *Console) form(s *site, h handler) http.Handler {
	return c.crossOrigin(s, func(w http.ResponseWriter, r *http.Request) {
		if !c.parseForm(w, r, s) {
			return
		}
		v, ok := c.viewer(w, r, s)
		if !ok {
			return
		}
		if !c.checkCSRF(s, v.token, r.PostForm.Get("csrf_token")) {
			c.csrfFailed(w, r, s)
			return
		}
		h(w, r.WithContext(c.actor(r, v)), v)
	})
}

// viewer authenticates the request for page and form, answering it when
// there is no one allowed.
func (c *Console) viewer(w http.ResponseWriter, r *http.Request, s *site) (*viewer, bool) {
	v, err := c.authenticate(r, s)
	switch {
	case errors.Is(err, errNoSession) && r.Method == http.MethodGet:
		http.Redirect(w, r, s.base+"/signin?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
		return nil, false
	case errors.Is(err, errNoSession):
		c.render(w, r, http.StatusUnauthorized, "message", &view{site: s, Title: "Signed out",
			Error: "Your session has ended, so nothing was changed. Sign in again and repeat the change.",
			Link:  &link{Href: s.base + "/signin", Text: "Sign in"}})
		return nil, false
	case err != nil:
		c.failed(w, r, s, err)
		return nil, false
	case s.operator && !v.User.HasRole(tokenmint.RoleAdmin):
		vw := &view{site: s, viewer: v, Title: "Not an administrator",
			Error: "You are signed in as " + v.User.Username + ", who does not have the admin role: the console is for administrators."}
		if c.cfg.SelfService {
			vw.Link = &link{Href: c.apps.fixed + "/", Text: "Manage your own apps"}
		}
		c.render(w, r, http.StatusForbidden, "message", vw)
		return nil, false
	}
	return v, true
}

// actor is the request's context with the signed-in user as the actor of
// every change (their audit events) and the caller's address.
func (c *Console) actor(r *http.Request, v *viewer) context.Context {
	ctx := registry.WithActor(r.Context(), tokenmint.ActorUser, v.User.ID)
	return tokenmint.WithCallerIP(ctx, httpapi.ClientIP(r, c.cfg.TrustedProxies))
}

// crossOrigin refuses cross-site posts (Fetch metadata, Origin) before
// anything is read.
func (c *Console) crossOrigin(s *site, h http.HandlerFunc) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.csrfFailed(w, r, s) }))
	return cop.Handler(h)
}

func (c *Console) csrfFailed(w http.ResponseWriter, r *http.Request, s *site) {
	c.render(w, r, http.StatusForbidden, "message", &view{site: s, Title: "Request refused",
		Error: "This form did not come from this page (or the page is too old), so nothing was changed. Go back, reload the page and try again."})
}

// parseForm reads a urlencoded form body of at most MaxBodyBytes.
func (c *Console) parseForm(w http.ResponseWriter, r *http.Request, s *site) bool {
	r.Body = http.MaxBytesReader(w, r.Body, c.cfg.MaxBodyBytes)
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		c.render(w, r, http.StatusRequestEntityTooLarge, "message", &view{site: s, Title: "Form too large",
			Error: "The form is larger than the server accepts, so nothing was changed. Shorten the longest fields and try again."})
		return false
	case err != nil:
		c.render(w, r, http.StatusBadRequest, "message", &view{site: s, Title: "Invalid form", Error: "The form could not be read, so nothing was changed."})
		return false
	}
	return true
}

// clip bounds text from a request echoed on a page.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
