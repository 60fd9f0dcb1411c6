package eptura_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/eptura"
	"github.com/tokenmint/tokenmint/login"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// webApp is a confidential Workplace app ("unless you are building a web
// server application"), which can introspect its own tokens.
func webApp(t *testing.T, in *servertest.Instance) servertest.Client {
	t.Helper()
	spec := registry.ClientSpec{Name: "Workplace web app", Profile: eptura.Name,
		GrantTypes:   []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantPassword},
		RedirectURIs: []string{redirectURI}, Scopes: []string{"email", "openid"}, DefaultScopes: []string{"email"}, TokenFormat: tokenmint.FormatOpaque}
	// --public=false, given explicitly over the profile's default.
	if err := spec.ApplyProfile(dialects.Profile, registry.Explicit(registry.FieldPublic)); err != nil {
		t.Fatal(err)
	}
	return in.CreateClient(t, spec)
}

// redirectOf returns the status and Location of a request not followed.
func redirectOf(t *testing.T, hc *http.Client, req *http.Request) (int, *url.URL) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, loc
}

// TestLoginPageAnswers: after the person signs in at /login.html "the
// browser will redirect to the URL provided in redirect_uri with the code
// provided in the hash parameter", with the state "intended to preserve
// some state object set by the client" as it was sent, nothing in the
// query; scope may be "email or any other string", and the code grants
// the allowed part of it. "response_type: This must be set to code":
// another is an error sent back to the app; a client_id that names no
// application is an error page, never a redirect.
func TestLoginPageAnswers(t *testing.T) {
	f := newFixture(t)
	web := webApp(t, f.in)
	b := newBrowser(t, f, web)
	const state = `{"page":"/rooms?floor=3","nonce":"a b&c=d"}`
	verifier := oauth2.GenerateVerifier()
	q := url.Values{"response_type": {"code"}, "client_id": {web.ID}, "redirect_uri": {redirectURI}, "scope": {"openid whatever email"},
		"state": {state}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	resp, err := b.http.Get(f.in.URL + eptura.PathLogin + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `name="password"`) {
		t.Fatalf("login.html: %d %.300s, want the sign-in form", resp.StatusCode, page)
	}
	form := url.Values{"username": {username}, "password": {password}}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	resp, err = b.http.PostForm(f.in.URL+login.PathLogin, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	status := resp.StatusCode
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	frag, _ := url.ParseQuery(loc.EscapedFragment())
	if status/100 != 3 || loc.Scheme+"://"+loc.Host+loc.Path != redirectURI || loc.RawQuery != "" || frag.Get("code") == "" || frag.Get("state") != state {
		t.Fatalf("%d to %s: want the redirect URI with code and the state verbatim in the fragment only", status, loc)
	}
	access, _ := wantTokens(t, f.exchange(t, web, frag.Get("code"), "x-client-secret", web.Secret, "x-code-verifier", verifier))
	if r := dialecttest.Introspect(t, f.in, web, access); r.JSON["scope"] != "openid email" {
		t.Errorf("scope %v, want the allowed part of the request, \"openid email\"", r.JSON["scope"])
	}

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	bad := url.Values{}
	for k, v := range q {
		bad[k] = v
	}
	bad.Set("response_type", "token")
	req, _ := http.NewRequest(http.MethodGet, f.in.URL+eptura.PathLogin+"?"+bad.Encode(), nil)
	status, loc = redirectOf(t, noRedirect, req)
	if frag, _ := url.ParseQuery(loc.EscapedFragment()); status/100 != 3 || frag.Get("error") != "unsupported_response_type" || frag.Get("state") != state {
		t.Errorf("response_type=token: %d to %s, want unsupported_response_type and the state in the fragment", status, loc)
	}
	bad.Set("response_type", "code")
	bad.Set("client_id", "no-such-app")
	req, _ = http.NewRequest(http.MethodGet, f.in.URL+eptura.PathLogin+"?"+bad.Encode(), nil)
	if status, loc := redirectOf(t, noRedirect, req); status != http.StatusBadRequest || loc.String() != "" {
		t.Errorf("unknown client_id: %d to %q, want 400 and no redirect", status, loc)
	}
}

// TestTokenRequestHeaders: the authorization_code request's x-redirect-uri
// is "the redirect_uri" the code was issued for (RFC 6749 §4.1.3: missing
// or another is invalid_grant); x-scope, "the same scope used to get the
// auth-code", changes nothing at the exchange: the code's scope is
// granted. At a refresh x-redirect-uri is accepted unchecked. The
// headless /auth without x-scope grants the client's default scope, and
// answers only POST.
func TestTokenRequestHeaders(t *testing.T) {
	f := newFixture(t)
	web := webApp(t, f.in)
	code := func(scope string) string {
		hd := []string{"x-auth-username", username, "x-auth-password", password, "x-client-id", web.ID, "x-redirect-uri", redirectURI}
		if scope != "" {
			hd = append(hd, "x-scope", scope)
		}
		r := f.post(t, eptura.PathAuth, hd...)
		if r.Status != http.StatusOK {
			t.Fatalf("auth: %d %s", r.Status, r.Raw)
		}
		return dialecttest.String(t, r.JSON, "code")
	}
	exchange := func(code string, hd ...string) dialecttest.Response {
		return f.post(t, eptura.PathToken, append([]string{"x-grant-type", "authorization_code", "x-client-id", web.ID,
			"x-client-secret", web.Secret, "x-auth-code", code}, hd...)...)
	}
	for name, hd := range map[string][]string{
		"without x-redirect-uri":  nil,
		"another x-redirect-uri":  {"x-redirect-uri", "https://workplace-app.example.com/other"},
		"an unregistered one too": {"x-redirect-uri", "https://evil.example/cb"},
	} {
		if r := exchange(code("email"), hd...); r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_grant" {
			t.Errorf("%s: %d %s, want 400 invalid_grant", name, r.Status, r.Raw)
		}
	}
	access, _ := wantTokens(t, exchange(code("openid"), "x-redirect-uri", redirectURI, "x-scope", "email"))
	if r := dialecttest.Introspect(t, f.in, web, access); r.JSON["scope"] != "openid" {
		t.Errorf("x-scope email at the exchange of an openid code: scope %v, want the code's", r.JSON["scope"])
	}
	// At a refresh, x-redirect-uri is not checked (RFC 6749 §6 has none).
	_, rt := wantTokens(t, exchange(code("email"), "x-redirect-uri", redirectURI))
	wantTokens(t, f.post(t, eptura.PathToken, "x-grant-type", "refresh_token", "x-client-id", web.ID, "x-client-secret", web.Secret,
		"x-refresh-token", rt, "x-redirect-uri", "https://workplace-app.example.com/other"))
	access, _ = wantTokens(t, exchange(code(""), "x-redirect-uri", redirectURI))
	if r := dialecttest.Introspect(t, f.in, web, access); r.JSON["scope"] != "email" {
		t.Errorf("a code asked without x-scope: scope %v, want the client's default, email", r.JSON["scope"])
	}
	if r := dialecttest.Do(t, dialecttest.Request(t, http.MethodGet, f.in.URL+eptura.PathAuth, "")); r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" {
		t.Errorf("GET auth: %d %v %s, want 405 with Allow: POST", r.Status, r.Header, r.Raw)
	}
}

// TestPredefinedExpiry: "Each access token has a predefined expiration
// time": the client's access token lifetime, in expires_in as
// milliseconds; the token answers users/me until then and not after.
func TestPredefinedExpiry(t *testing.T) {
	f := newFixture(t)
	spec := appSpec(t, true)
	spec.AccessTTL = 10 * time.Minute
	c := f.in.CreateClient(t, spec)
	r := f.exchange(t, c, f.authCode(t, c))
	if r.Status != http.StatusOK || dialecttest.Number(t, r.JSON, "expires_in") != 600_000 {
		t.Fatalf("%d %s, want expires_in 600000 (10 minutes in milliseconds)", r.Status, r.Raw)
	}
	access := dialecttest.String(t, r.JSON, "access_token")
	f.in.Clock.Advance(10*time.Minute - time.Second)
	f.wantMe(t, access)
	f.in.Clock.Advance(time.Second)
	f.wantUnauthorized(t, f.me(t, access), true)
}

// TestUsersMeIsAUse: a call of the REST API with the token counts as a use
// of it: a token with an idle lifetime (--idle-ttl) lives on while
// users/me is called within it, and expires when not.
func TestUsersMeIsAUse(t *testing.T) {
	f := newFixture(t)
	spec := appSpec(t, true)
	spec.IdleTTL = 15 * time.Minute
	c := f.in.CreateClient(t, spec)
	used, _ := wantTokens(t, f.exchange(t, c, f.authCode(t, c)))
	idle, _ := wantTokens(t, f.exchange(t, c, f.authCode(t, c)))
	for range 3 {
		f.in.Clock.Advance(14 * time.Minute)
		f.wantMe(t, used)
	}
	f.wantUnauthorized(t, f.me(t, idle), true)
}
