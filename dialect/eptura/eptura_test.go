package eptura_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/eptura"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

const (
	redirectURI = "https://workplace-app.example.com/oauth/callback"
	scope       = "email" // "For now, you can set it to email or any other string."
	username    = "fmccloud"
	password    = "arwing-barrel-roll"
)

type fixture struct {
	in     *servertest.Instance
	public servertest.Client // a JavaScript app: client ID, no secret
	user   tokenmint.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	in := dialecttest.Start(t)
	return &fixture{in: in, public: app(t, in, true), user: in.CreateUser(t, username, password)}
}

// app registers a Workplace app with the eptura profile: the
// authorization code grant with refresh tokens, a redirect URI, the scope
// it sends, and the password grant that the header flow (/auth) needs.
// public: "The client secret may not be required unless you are building
// a web server application".
func app(t *testing.T, in *servertest.Instance, public bool) servertest.Client {
	t.Helper()
	return in.CreateClient(t, appSpec(t, public))
}

func appSpec(t *testing.T, public bool) registry.ClientSpec {
	t.Helper()
	// AllowNoPKCE: the article's browser flow has no PKCE; the opt-out is
	// the client's, and pkce_test.go shows what happens without it.
	spec := registry.ClientSpec{Name: "Workplace app", Profile: eptura.Name, Public: public, AllowNoPKCE: public,
		GrantTypes:   []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantPassword},
		RedirectURIs: []string{redirectURI}, Scopes: []string{scope}, TokenFormat: tokenmint.FormatOpaque}
	if err := spec.ApplyProfile(dialects.Profile, registry.Explicit(registry.FieldPublic)); err != nil {
		t.Fatal(err)
	}
	return spec
}

func (f *fixture) post(t *testing.T, path string, headers ...string) dialecttest.Response {
	t.Helper()
	return dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, f.in.URL+path, "", headers...))
}

// authCode runs "POST: <ioffice_site>/external/api/oauth2/auth" with the
// article's headers and returns the code.
func (f *fixture) authCode(t *testing.T, c servertest.Client) string {
	t.Helper()
	r := f.post(t, eptura.PathAuth,
		"Content-Type", "application/json",
		"x-auth-username", username,
		"x-auth-password", password,
		"x-client-id", c.ID,
		"x-redirect-uri", redirectURI,
		"x-scope", scope)
	if r.Status != http.StatusOK {
		t.Fatalf("auth: %d %s", r.Status, r.Raw)
	}
	dialecttest.Members(t, "auth response", r.JSON, "code") // "code": string;
	return dialecttest.String(t, r.JSON, "code")
}

// exchange runs the article's authorization_code token request.
func (f *fixture) exchange(t *testing.T, c servertest.Client, code string, extra ...string) dialecttest.Response {
	t.Helper()
	return f.post(t, eptura.PathToken, append([]string{
		"Content-Type", "application/json",
		"x-grant-type", "authorization_code",
		"x-redirect-uri", redirectURI,
		"x-client-id", c.ID,
		"x-scope", scope,
		"x-auth-code", code,
	}, extra...)...)
}

// refresh runs the article's refresh_token request.
func (f *fixture) refresh(t *testing.T, c servertest.Client, rt string, extra ...string) dialecttest.Response {
	t.Helper()
	return f.post(t, eptura.PathToken, append([]string{
		"Content-type", "application/json",
		"x-grant-type", "refresh_token",
		"x-redirect-uri", redirectURI,
		"x-client-id", c.ID,
		"x-scope", scope,
		"x-refresh-token", rt,
	}, extra...)...)
}

// me runs curl -X GET -H "Authorization: Bearer [ACCESS_TOKEN]" [site]/external/api/rest/v2/users/me.
func (f *fixture) me(t *testing.T, access string) dialecttest.Response {
	t.Helper()
	return dialecttest.Do(t, dialecttest.Request(t, http.MethodGet, f.in.URL+"/external/api/rest/v2/users/me", "", "Authorization", "Bearer "+access))
}

// wantTokens checks the documented answer {token_type, access_token,
// expires_in ("in milliseconds"), refresh_token}.
func wantTokens(t *testing.T, r dialecttest.Response) (access, refresh string) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("token: %d %s", r.Status, r.Raw)
	}
	dialecttest.Members(t, "token response", r.JSON, "token_type", "access_token", "expires_in", "refresh_token")
	if r.JSON["token_type"] != "Bearer" {
		t.Errorf("token_type = %v", r.JSON["token_type"])
	}
	if ms := dialecttest.Number(t, r.JSON, "expires_in"); ms != time.Hour.Milliseconds() {
		t.Errorf("expires_in = %d, want %d: the default hour in milliseconds", ms, time.Hour.Milliseconds())
	}
	return dialecttest.String(t, r.JSON, "access_token"), dialecttest.String(t, r.JSON, "refresh_token")
}

// wantMe checks users/me answers the signed-in user.
func (f *fixture) wantMe(t *testing.T, access string) {
	t.Helper()
	r := f.me(t, access)
	if r.Status != http.StatusOK {
		t.Fatalf("users/me: %d %s", r.Status, r.Raw)
	}
	dialecttest.Members(t, "users/me", r.JSON, "id", "name", "userName", "email", "dateCreated", "dateUpdated")
	if r.JSON["id"] != f.user.ID || r.JSON["userName"] != username || r.JSON["email"] != f.user.Email || r.JSON["name"] != f.user.Name {
		t.Errorf("users/me = %s, want user %s (%s)", r.Raw, f.user.ID, username)
	}
	if dialecttest.Number(t, r.JSON, "dateCreated") != f.user.CreatedAt.UnixMilli() {
		t.Errorf("dateCreated = %v, want %d (milliseconds, as iOFFICE writes dates)", r.JSON["dateCreated"], f.user.CreatedAt.UnixMilli())
	}
}

// wantUnauthorized: users/me refuses the token with 401 and an RFC 6750
// Bearer challenge.
func (f *fixture) wantUnauthorized(t *testing.T, r dialecttest.Response, withError bool) {
	t.Helper()
	ch := r.Header.Get("WWW-Authenticate")
	if r.Status != http.StatusUnauthorized || !strings.HasPrefix(ch, "Bearer ") {
		t.Fatalf("%d %q %s, want 401 with a Bearer challenge", r.Status, ch, r.Raw)
	}
	if got := strings.Contains(ch, `error="invalid_token"`); got != withError {
		t.Errorf("challenge %q: error attribute present = %v, want %v", ch, got, withError)
	}
}

// TestDocumentExamples replays the article's requests in order: the
// authorization code by headers, the token request, users/me, the
// refresh, and revocation.
func TestDocumentExamples(t *testing.T) {
	f := newFixture(t)
	access, rt := wantTokens(t, f.exchange(t, f.public, f.authCode(t, f.public)))
	f.wantMe(t, access)

	// "This will return a brand new token and another refresh token."
	access2, rt2 := wantTokens(t, f.refresh(t, f.public, rt))
	if access2 == access || rt2 == rt {
		t.Fatal("the refresh returned the same tokens")
	}
	f.wantMe(t, access2)

	// "To invalidate a token, use the endpoint /external/api/oauth2/revoke."
	r := f.post(t, eptura.PathRevoke, "x-token", access2)
	if r.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	f.wantUnauthorized(t, f.me(t, access2), true)
	f.wantMe(t, access) // only that token was revoked
}

// TestRefreshRotation: a spent refresh token presented again revokes the
// whole authorization (RFC 9700 §4.14.2 reuse detection).
func TestRefreshRotation(t *testing.T) {
	f := newFixture(t)
	access, rt := wantTokens(t, f.exchange(t, f.public, f.authCode(t, f.public)))
	access2, rt2 := wantTokens(t, f.refresh(t, f.public, rt))
	r := f.refresh(t, f.public, rt)
	if r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_grant" || r.JSON["errorDescription"] != r.JSON["error_description"] {
		t.Fatalf("replayed refresh token: %d %s, want 400 invalid_grant with errorDescription", r.Status, r.Raw)
	}
	f.wantUnauthorized(t, f.me(t, access), true)
	f.wantUnauthorized(t, f.me(t, access2), true)
	if r := f.refresh(t, f.public, rt2); r.Status != http.StatusBadRequest {
		t.Fatalf("the newest refresh token survived the replay: %d %s", r.Status, r.Raw)
	}
}

// TestCodeLifetime: "The authorization code expires after 5 minutes", and
// is good once.
func TestCodeLifetime(t *testing.T) {
	f := newFixture(t)
	code := f.authCode(t, f.public)
	f.in.Clock.Advance(4*time.Minute + 59*time.Second)
	wantTokens(t, f.exchange(t, f.public, code))
	if r := f.exchange(t, f.public, code); r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_grant" {
		t.Fatalf("a code used twice: %d %s", r.Status, r.Raw)
	}
	late := f.authCode(t, f.public)
	f.in.Clock.Advance(5 * time.Minute)
	if r := f.exchange(t, f.public, late); r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_grant" {
		t.Fatalf("a code after 5 minutes: %d %s", r.Status, r.Raw)
	}
}

// TestUsersMeRefusals: 401 with WWW-Authenticate for a missing, expired
// or revoked token, and for a token of no user.
func TestUsersMeRefusals(t *testing.T) {
	f := newFixture(t)
	access, rt := wantTokens(t, f.exchange(t, f.public, f.authCode(t, f.public)))

	f.wantUnauthorized(t, dialecttest.Do(t, dialecttest.Request(t, http.MethodGet, f.in.URL+eptura.PathMe, "")), false)
	f.wantUnauthorized(t, f.me(t, "tmat_not-a-token"), true)
	// iOFFICE's own client sends x-access-token: accepted as well.
	if r := dialecttest.Do(t, dialecttest.Request(t, http.MethodGet, f.in.URL+eptura.PathMe, "", "x-access-token", access)); r.Status != http.StatusOK {
		t.Fatalf("x-access-token: %d %s", r.Status, r.Raw)
	}
	if r := dialecttest.Do(t, dialecttest.Request(t, http.MethodGet, f.in.URL+eptura.PathMe, "", "x-access-token", access, "Authorization", "Bearer other")); r.Status != http.StatusBadRequest {
		t.Fatalf("two different tokens: %d %s", r.Status, r.Raw)
	}
	f.in.Clock.Advance(time.Hour)
	f.wantUnauthorized(t, f.me(t, access), true) // expired
	access2, _ := wantTokens(t, f.refresh(t, f.public, rt))
	f.wantMe(t, access2)
	if r := f.post(t, eptura.PathRevoke, "x-refresh-token", rt); r.Status != http.StatusOK {
		t.Fatalf("revoke a spent refresh token: %d %s", r.Status, r.Raw)
	}

	// A client_credentials token names no signed-in user.
	cc := f.in.CreateClient(t, registry.ClientSpec{Name: "service"})
	tok := dialecttest.String(t, dialecttest.StandardToken(t, f.in, cc, url.Values{"grant_type": {"client_credentials"}}), "access_token")
	f.wantUnauthorized(t, f.me(t, tok), true)
}

// TestRevokeHeaders: the token is taken from x-token (iOFFICE's client),
// x-access-token, x-refresh-token or Authorization: Bearer, by GET (as
// iOFFICE's client sends it) or POST; a refresh token ends its whole
// authorization.
func TestRevokeHeaders(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name, method, header string
		refresh              bool
	}{
		{"x-token", http.MethodPost, "x-token", false},
		{"x-token by GET", http.MethodGet, "x-token", false},
		{"x-access-token", http.MethodPost, "x-access-token", false},
		{"bearer", http.MethodPost, "Authorization", false},
		{"x-refresh-token", http.MethodPost, "x-refresh-token", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			access, rt := wantTokens(t, f.exchange(t, f.public, f.authCode(t, f.public)))
			tok := access
			if tt.refresh {
				tok = rt
			}
			if tt.header == "Authorization" {
				tok = "Bearer " + tok
			}
			r := dialecttest.Do(t, dialecttest.Request(t, tt.method, f.in.URL+eptura.PathRevoke, "", tt.header, tok))
			if r.Status != http.StatusOK {
				t.Fatalf("revoke: %d %s", r.Status, r.Raw)
			}
			f.wantUnauthorized(t, f.me(t, access), true)
		})
	}
	if r := f.post(t, eptura.PathRevoke); r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_request" {
		t.Errorf("revoke without a token: %d %s", r.Status, r.Raw)
	}
	if r := f.post(t, eptura.PathRevoke, "x-token", "tmat_unknown"); r.Status != http.StatusOK {
		t.Errorf("revoke an unknown token: %d %s, want 200 (RFC 7009 §2.2)", r.Status, r.Raw)
	}
}

// TestConfidentialClient: a web server application authenticates with
// x-client-secret; a wrong one is invalid_client.
func TestConfidentialClient(t *testing.T) {
	f := newFixture(t)
	web := app(t, f.in, false)
	if r := f.exchange(t, web, f.authCode(t, web)); r.Status != http.StatusUnauthorized || r.JSON["error"] != "invalid_client" {
		t.Fatalf("without x-client-secret: %d %s", r.Status, r.Raw)
	}
	if r := f.exchange(t, web, f.authCode(t, web), "x-client-secret", "wrong"); r.Status != http.StatusUnauthorized || r.JSON["error"] != "invalid_client" {
		t.Fatalf("wrong x-client-secret: %d %s", r.Status, r.Raw)
	}
	access, rt := wantTokens(t, f.exchange(t, web, f.authCode(t, web), "x-client-secret", web.Secret))
	f.wantMe(t, access)
	wantTokens(t, f.refresh(t, web, rt, "x-client-secret", web.Secret))
}

// TestAuthErrors: the header-based authorization request fails clearly.
func TestAuthErrors(t *testing.T) {
	f := newFixture(t)
	good := map[string]string{"x-auth-username": username, "x-auth-password": password, "x-client-id": f.public.ID, "x-redirect-uri": redirectURI, "x-scope": scope}
	tests := []struct {
		name       string
		set        map[string]string // "" deletes
		wantStatus int
		wantError  string
		wantInDesc string
	}{
		{"wrong password", map[string]string{"x-auth-password": "nope"}, 401, "access_denied", "invalid username or password"},
		{"unknown user", map[string]string{"x-auth-username": "nobody"}, 401, "access_denied", "invalid username or password"},
		{"missing password and client", map[string]string{"x-auth-password": "", "x-client-id": ""}, 400, "invalid_request", "x-auth-password, x-client-id"},
		{"unknown client", map[string]string{"x-client-id": "nope"}, 401, "invalid_client", "client"},
		{"unregistered redirect URI", map[string]string{"x-redirect-uri": "https://evil.example/cb"}, 400, "invalid_request", "redirect_uri"},
		{"scope with a forbidden character", map[string]string{"x-scope": "email\\"}, 400, "invalid_scope", "scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hd []string
			for k, v := range good {
				if nv, ok := tt.set[k]; ok {
					v = nv
				}
				if v != "" {
					hd = append(hd, k, v)
				}
			}
			r := f.post(t, eptura.PathAuth, hd...)
			if r.Status != tt.wantStatus || r.JSON["error"] != tt.wantError || !strings.Contains(r.JSON["error_description"].(string), tt.wantInDesc) {
				t.Fatalf("%d %s, want %d %s mentioning %q", r.Status, r.Raw, tt.wantStatus, tt.wantError, tt.wantInDesc)
			}
		})
	}
	if r := f.post(t, eptura.PathToken, "x-grant-type", "password", "x-client-id", f.public.ID); r.Status != http.StatusBadRequest || r.JSON["error"] != "unsupported_grant_type" {
		t.Errorf("x-grant-type password: %d %s", r.Status, r.Raw)
	}
	for grant, header := range map[string]string{"authorization_code": "x-auth-code", "refresh_token": "x-refresh-token"} {
		r := f.post(t, eptura.PathToken, "x-grant-type", grant, "x-client-id", f.public.ID)
		if r.Status != http.StatusBadRequest || r.JSON["error_description"] != "missing header "+header {
			t.Errorf("%s without %s: %d %s", grant, header, r.Status, r.Raw)
		}
	}
	if r := f.post(t, eptura.PathToken, "x-grant-type", "authorization_code", "x-client-id", f.public.ID, "x-client-id", "other"); r.Status != http.StatusBadRequest {
		t.Errorf("repeated x-client-id: %d %s", r.Status, r.Raw)
	}
}

// TestAuthThrottled: after five failed sign-ins the header-based
// authorization request refuses even the right password with 429
// temporarily_unavailable and Retry-After (RFC 6749 has no throttle code;
// slow_down belongs to the device flow).
func TestAuthThrottled(t *testing.T) {
	f := newFixture(t)
	auth := func(pw string) dialecttest.Response {
		return f.post(t, eptura.PathAuth, "x-auth-username", username, "x-auth-password", pw,
			"x-client-id", f.public.ID, "x-redirect-uri", redirectURI, "x-scope", scope)
	}
	for i := range 5 {
		if r := auth("nope"); r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	r := auth(password)
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.Status != http.StatusTooManyRequests || r.JSON["error"] != "temporarily_unavailable" || err != nil || retry < 1 || retry > 900 {
		t.Fatalf("throttled: %d %s Retry-After=%q, want 429 temporarily_unavailable with Retry-After", r.Status, r.Raw, r.Header.Get("Retry-After"))
	}
}

// TestAuthorizationPage: the login.html page "will not work correctly if
// you do not provide the 5 query parameters": each missing one is named
// on an error page; with all five it shows the login form.
func TestAuthorizationPage(t *testing.T) {
	f := newFixture(t)
	full := url.Values{"response_type": {"code"}, "client_id": {f.public.ID}, "redirect_uri": {redirectURI}, "scope": {scope}, "state": {"xyz"}}
	get := func(q url.Values) dialecttest.Response {
		return dialecttest.Do(t, dialecttest.Request(t, http.MethodGet, f.in.URL+"/login.html?"+q.Encode(), ""))
	}
	r := get(full)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Raw), `name="password"`) {
		t.Fatalf("login.html with the five parameters: %d %.300s", r.Status, r.Raw)
	}
	for _, name := range []string{"response_type", "client_id", "redirect_uri", "scope", "state"} {
		t.Run("without "+name, func(t *testing.T) {
			q := url.Values{}
			for k, v := range full {
				if k != name {
					q[k] = v
				}
			}
			r := get(q)
			body := string(r.Raw)
			if r.Status != http.StatusBadRequest || !strings.Contains(body, "<code>"+name+"</code>") || strings.Contains(body, `name="password"`) {
				t.Fatalf("%d %s, want 400 naming %s", r.Status, body, name)
			}
			if r.Header.Get("Location") != "" || !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("headers %v", r.Header)
			}
		})
	}
	q := url.Values{"state": {"a", "b"}}
	for k, v := range full {
		if k != "state" {
			q[k] = v
		}
	}
	if r := get(q); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Raw), "repeats") {
		t.Errorf("repeated state: %d %s", r.Status, r.Raw)
	}
	// response_type other than code, and an unregistered redirect URI, are
	// the engine's to refuse: never a redirect to an unregistered URI.
	bad := url.Values{}
	for k, v := range full {
		bad[k] = v
	}
	bad.Set("redirect_uri", "https://evil.example/cb")
	if r := get(bad); r.Status != http.StatusBadRequest || r.Header.Get("Location") != "" {
		t.Errorf("unregistered redirect_uri: %d %v", r.Status, r.Header)
	}
}

// TestCrossDialect: Eptura tokens introspect and revoke through the
// standard endpoints; a token of the standard endpoint works at users/me
// and Eptura's revoke.
func TestCrossDialect(t *testing.T) {
	f := newFixture(t)
	web := app(t, f.in, false)
	access, rt := wantTokens(t, f.exchange(t, web, f.authCode(t, web), "x-client-secret", web.Secret))
	r := dialecttest.Introspect(t, f.in, web, access)
	if !dialecttest.Active(t, r) || r.JSON["sub"] != f.user.ID || r.JSON["client_id"] != web.ID {
		t.Fatalf("standard introspection of an Eptura token: %s", r.Raw)
	}
	if r := dialecttest.Revoke(t, f.in, web, rt); r.Status != http.StatusOK {
		t.Fatalf("standard revocation: %d %s", r.Status, r.Raw)
	}
	f.wantUnauthorized(t, f.me(t, access), true)

	// The standard endpoint's authorization_code exchange of a code from
	// the header flow, then users/me and Eptura's revoke.
	std := dialecttest.StandardToken(t, f.in, web, url.Values{"grant_type": {"authorization_code"}, "code": {f.authCode(t, web)}, "redirect_uri": {redirectURI}})
	stdAccess := dialecttest.String(t, std, "access_token")
	f.wantMe(t, stdAccess)
	if r := f.post(t, eptura.PathRevoke, "x-token", stdAccess); r.Status != http.StatusOK {
		t.Fatalf("Eptura revoke of a standard token: %d %s", r.Status, r.Raw)
	}
	if dialecttest.Active(t, dialecttest.Introspect(t, f.in, web, stdAccess)) {
		t.Error("the standard token is still active after Eptura's revoke")
	}
}
