package login_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/login"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/ratelimit"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/store"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

// Registered redirect URIs of the test clients.
const (
	webCallback   = "https://client.test/cb"
	queryCallback = "https://client.test/cb2?tenant=a"
	testPassword  = "correct horse battery staple"
	testUsername  = "alice"
)

var cheapPasswords = password.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// fixture is the login pages and the standard API over a real grant
// engine and a real SQLite store, served by httptest with a settable
// clock. The issuer is the server's own URL.
type fixture struct {
	st     tokenmint.Store
	engine *grant.Engine
	reg    *registry.Registry
	srv    *httptest.Server
	issuer string
	user   tokenmint.User

	mu  sync.Mutex
	now time.Time
}

type fixtureOptions struct {
	tls      bool
	throttle ratelimit.Limit // zero: no sign-in throttling
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func newFixture(t testing.TB, opts fixtureOptions) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "login.db"), sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	mux := http.NewServeMux()
	if opts.tls {
		f.srv = httptest.NewTLSServer(mux)
	} else {
		f.srv = httptest.NewServer(mux)
	}
	t.Cleanup(f.srv.Close)
	f.issuer = f.srv.URL

	mk := token.GenerateMasterKey()
	f.engine = f.newEngine(t, st, mk, opts.throttle)
	pages := login.New(login.Config{
		Engine:     f.engine,
		Store:      st,
		Sessions:   token.NewHasher(mk.Derive(token.PurposeTokenHash)),
		CSRFKey:    mk.Derive(token.PurposeCookie),
		SessionTTL: time.Hour,
		Now:        f.clock,
	})
	api := httpapi.New(httpapi.Config{Engine: f.engine})
	// The routes of the server's table that the pages' flows use.
	mux.HandleFunc("GET "+httpapi.PathAuthorize, pages.AuthorizeGET)
	mux.HandleFunc("POST "+httpapi.PathAuthorize, pages.AuthorizePOST)
	mux.Handle("POST "+login.PathLogin, pages.LoginForm())
	mux.Handle("POST "+login.PathConsent, pages.ConsentForm())
	mux.HandleFunc("GET "+httpapi.PathLogout, pages.Logout)
	mux.HandleFunc("POST "+httpapi.PathLogout, pages.Logout)
	mux.HandleFunc("GET "+login.PathStylesheet, login.Stylesheet)
	mux.HandleFunc("POST "+httpapi.PathToken, api.Token)
	mux.HandleFunc("POST "+httpapi.PathIntrospect, api.Introspect)
	mux.HandleFunc("POST "+httpapi.PathRevoke, api.Revoke)
	mux.HandleFunc(httpapi.PathUserInfo, api.UserInfo)
	mux.HandleFunc("GET "+httpapi.PathJWKS, api.JWKS)
	mux.HandleFunc("GET "+httpapi.PathOIDCMetadata, api.OIDCMetadata)
	f.user = f.createUser(t, testUsername, testPassword)
	return f
}

func (f *fixture) newEngine(t testing.TB, st tokenmint.Store, mk token.MasterKey, limit ratelimit.Limit) *grant.Engine {
	t.Helper()
	keys := token.NewKeyset(st, mk.Derive(token.PurposeKeyEncryption), token.KeysetOptions{Now: f.clock})
	if err := keys.Load(context.Background(), tokenmint.KnownAlgs...); err != nil {
		t.Fatal(err)
	}
	secrets := token.NewHasher(mk.Derive(token.PurposeSecretHash))
	pw := password.NewHasher(cheapPasswords)
	cfg := grant.Config{Issuer: f.issuer, Store: st, Keys: keys, Secrets: secrets,
		Tokens: token.NewHasher(mk.Derive(token.PurposeTokenHash)), Passwords: pw, Now: f.clock}
	if !limit.IsZero() {
		cfg.Throttle = throttle{ratelimit.Throttle{Limiter: ratelimit.NewMemory(f.clock), Limit: limit}}
	}
	e, err := grant.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.reg = &registry.Registry{Store: st, Secrets: secrets, Passwords: pw, Now: f.clock}
	return e
}

// throttle adapts ratelimit.Throttle to grant.Throttle as the server does.
type throttle struct{ t ratelimit.Throttle }

func (t throttle) Allow(ctx context.Context, username, ip string) (time.Duration, error) {
	d, err := t.t.Check(ctx, "user:"+username, "ip:"+ip)
	if err != nil || d.Allowed {
		return 0, err
	}
	return max(d.RetryAfter, time.Second), nil
}

func (t throttle) Failed(ctx context.Context, username, ip string) {
	t.t.Fail(ctx, "user:"+username, "ip:"+ip)
}

func (t throttle) Succeeded(ctx context.Context, username, _ string) {
	t.t.Succeed(ctx, "user:"+username)
}

func (f *fixture) createUser(t testing.TB, name, pw string) tokenmint.User {
	t.Helper()
	u, err := f.reg.CreateUser(context.Background(), registry.UserSpec{Username: name, Email: name + "@example.test"}, pw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// client registers a client; the zero spec fields get an authorization
// code client of webCallback and queryCallback with openid profile email.
func (f *fixture) client(t testing.TB, spec registry.ClientSpec) (tokenmint.Client, string) {
	t.Helper()
	if spec.Name == "" {
		spec.Name = "Example App"
	}
	if spec.GrantTypes == nil {
		spec.GrantTypes = []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken}
	}
	if spec.Scopes == nil {
		spec.Scopes = []string{"openid", "profile", "email"}
	}
	if spec.RedirectURIs == nil {
		spec.RedirectURIs = []string{webCallback, queryCallback}
	}
	c, creds, err := f.reg.CreateClient(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return c, creds.ClientSecret.Reveal()
}

// exchange redeems a code at the engine as the confidential client.
func (f *fixture) exchange(t testing.TB, clientID, secret, code, redirectURI, verifier string) *grant.TokenResponse {
	t.Helper()
	resp, err := f.engine.Token(context.Background(), grant.TokenRequest{
		GrantType:    tokenmint.GrantAuthorizationCode,
		Client:       grant.Credentials{ID: clientID, Secret: secret, Method: grant.AuthBasic},
		Code:         code,
		RedirectURI:  redirectURI,
		CodeVerifier: verifier,
	})
	if err != nil {
		t.Fatalf("exchange code: %v", err)
	}
	return resp
}

// authRequest is the query of an authorization request; verifier is the
// PKCE verifier of its challenge.
type authRequest struct {
	q        url.Values
	verifier string
}

func newAuthRequest(clientID string) authRequest {
	v := oauth2.GenerateVerifier()
	return authRequest{verifier: v, q: url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {webCallback},
		"scope":                 {"openid profile"},
		"state":                 {"st-" + clientID[:6]},
		"nonce":                 {"n-0S6_WzA2Mj"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(v)},
		"code_challenge_method": {"S256"},
	}}
}

func (a authRequest) with(kv ...string) authRequest {
	q := url.Values{}
	for k, v := range a.q {
		q[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return authRequest{q: q, verifier: a.verifier}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each test sees every hop.
type browser struct {
	t testing.TB
	f *fixture
	c *http.Client
}

func (f *fixture) browser(t testing.TB) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *f.srv.Client() // a copy: Client returns one shared value
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, f: f, c: &c}
}

// response is an answer with its body read.
type response struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) *response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &response{Response: resp, body: string(body)}
}

func (b *browser) get(pathAndQuery string) *response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.f.srv.URL+pathAndQuery, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) authorize(a authRequest) *response {
	b.t.Helper()
	return b.get(httpapi.PathAuthorize + "?" + a.q.Encode())
}

func (b *browser) post(path string, form url.Values) *response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.f.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn submits the login page in r with the given credentials.
func (b *browser) signIn(r *response, username, pw string) *response {
	b.t.Helper()
	form := hiddenFields(b.t, r)
	form.Set("username", username)
	form.Set("password", pw)
	return b.post(login.PathLogin, form)
}

// decide submits the consent page in r.
func (b *browser) decide(r *response, decision string) *response {
	b.t.Helper()
	form := hiddenFields(b.t, r)
	form.Set("decision", decision)
	return b.post(login.PathConsent, form)
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// hiddenFields extracts the hidden inputs of a page's form.
func hiddenFields(t testing.TB, r *response) url.Values {
	t.Helper()
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(r.body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("csrf_token") == "" || form.Get("request") == "" {
		t.Fatalf("no form with csrf_token and request in page (status %d):\n%s", r.StatusCode, r.body)
	}
	return form
}

// redirectParams checks r is a redirect to want (a registered redirect
// URI) and returns the parameters it carries in mode.
func redirectParams(t testing.TB, r *response, wantStatus int, want, mode string) url.Values {
	t.Helper()
	if r.StatusCode != wantStatus {
		t.Fatalf("status = %d, want %d; body:\n%s", r.StatusCode, wantStatus, r.body)
	}
	loc := r.Header.Get("Location")
	sep := "?"
	if mode == "fragment" {
		sep = "#"
	} else if strings.Contains(want, "?") {
		sep = "&"
	}
	if !strings.HasPrefix(loc, want+sep) {
		t.Fatalf("Location = %q, want %s%s...", loc, want, sep)
	}
	params, err := url.ParseQuery(loc[len(want+sep):])
	if err != nil {
		t.Fatalf("Location %q: %v", loc, err)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("redirect Cache-Control = %q, want no-store", r.Header.Get("Cache-Control"))
	}
	return params
}

// checkPage asserts the security headers every HTML page must carry and
// that the page runs no script and has no inline style.
func checkPage(t testing.TB, r *response, wantStatus int) {
	t.Helper()
	if r.StatusCode != wantStatus {
		t.Fatalf("status = %d, want %d; body:\n%s", r.StatusCode, wantStatus, r.body)
	}
	if r.Header.Get("Location") != "" {
		t.Errorf("a page must not redirect; Location = %q", r.Header.Get("Location"))
	}
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	for _, bad := range []string{"script-src", "unsafe-inline", "unsafe-eval"} {
		if strings.Contains(csp, bad) {
			t.Errorf("Content-Security-Policy %q contains %q", csp, bad)
		}
	}
	for h, want := range map[string]string{
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-store",
		"Referrer-Policy":        "no-referrer",
		"X-Content-Type-Options": "nosniff",
		"Content-Type":           "text/html; charset=utf-8",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	for _, bad := range []string{"<script", " style=", "<style", "javascript:"} {
		if strings.Contains(strings.ToLower(r.body), bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

// cookie returns the cookie name set by r, or nil.
func setCookie(r *response, name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func nopBody(s string) (io.ReadCloser, int64) {
	return io.NopCloser(strings.NewReader(s)), int64(len(s))
}
