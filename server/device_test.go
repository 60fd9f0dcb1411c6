package server_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

// deviceFixture is a server with a public device client (refresh tokens,
// openid) and a user.
type deviceFixture struct {
	in     *servertest.Instance
	client servertest.Client
	user   tokenmint.User
}

func newDeviceFixture(t *testing.T) *deviceFixture {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{Name: "Living room TV", Public: true,
		GrantTypes: []string{deviceGrant, tokenmint.GrantRefreshToken}, Scopes: []string{"openid", "profile", "api:read"}})
	u := in.CreateUser(t, "grace", "correct horse battery")
	return &deviceFixture{in: in, client: c, user: u}
}

func (f *deviceFixture) authorize(t *testing.T, clientID string) map[string]any {
	t.Helper()
	status, h, body := post(t, f.in.URL+"/oauth2/device_authorization", url.Values{"client_id": {clientID}, "scope": {"openid api:read"}}, "", "")
	if status != 200 || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("device authorization: %d %v (Cache-Control %q)", status, body, h.Get("Cache-Control"))
	}
	return body
}

func (f *deviceFixture) poll(t *testing.T, clientID, deviceCode string) (int, http.Header, map[string]any) {
	t.Helper()
	return post(t, f.in.URL+"/oauth2/token", url.Values{"grant_type": {deviceGrant}, "client_id": {clientID}, "device_code": {deviceCode}}, "", "")
}

// devicePage is a person's browser on the verification page.
type devicePage struct {
	t      *testing.T
	client *http.Client
	base   string
	hidden url.Values // the hidden fields of the last page
	body   string
	status int
}

func newDevicePage(t *testing.T, base string) *devicePage {
	return &devicePage{t: t, client: browserClient(t), base: base}
}

func (p *devicePage) read(resp *http.Response, err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p.body, p.status = string(b), resp.StatusCode
	csrf := p.hidden.Get("csrf_token") // a message page has none: the cookie's stays valid
	p.hidden = url.Values{"csrf_token": {csrf}}
	for _, m := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		p.hidden.Set(m[1], html.UnescapeString(m[2]))
	}
}

func (p *devicePage) get(u string) { p.t.Helper(); p.read(p.client.Get(u)) }

func (p *devicePage) post(path string, form url.Values) {
	p.t.Helper()
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", p.hidden.Get("csrf_token"))
	}
	p.read(p.client.PostForm(p.base+path, form))
}

func (p *devicePage) want(status int, text string) {
	p.t.Helper()
	if p.status != status || !strings.Contains(p.body, text) {
		p.t.Fatalf("page: %d, want %d with %q:\n%s", p.status, status, text, p.body)
	}
}

// signIn opens uri (verification_uri or _complete) and signs in.
func (p *devicePage) signIn(uri, username, pw string) {
	p.t.Helper()
	p.get(uri)
	p.want(200, `action="/device/login"`)
	form := url.Values{"username": {username}, "password": {pw}}
	if uc := p.hidden.Get("user_code"); uc != "" {
		form.Set("user_code", uc)
	}
	p.post("/device/login", form)
	p.want(200, `id="user_code"`)
}

// enter submits a user code and expects the consent page.
func (p *devicePage) enter(code string) {
	p.t.Helper()
	p.post("/device", url.Values{"user_code": {code}})
	p.want(200, `action="/device/consent"`)
}

func (p *devicePage) decide(decision string) {
	p.t.Helper()
	p.post("/device/consent", url.Values{"user_code": {p.hidden.Get("user_code")}, "decision": {decision}})
}

// TestDeviceFlowOAuth2 runs the whole grant with golang.org/x/oauth2 as
// the device (Config.DeviceAuth, then DeviceAccessToken polling) and a
// person approving through the verification page's forms, with the
// prefilled link: tokens as for a code (refresh token, ID token),
// refreshed with rotation, and the device code good once: a second
// redemption is invalid_grant and revokes what the first produced.
func TestDeviceFlowOAuth2(t *testing.T) {
	f := newDeviceFixture(t)
	ctx := context.Background()
	cfg := oauth2.Config{ClientID: f.client.ID, Scopes: []string{"openid", "api:read"},
		Endpoint: oauth2.Endpoint{DeviceAuthURL: f.in.URL + "/oauth2/device_authorization", TokenURL: f.in.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if da.VerificationURI != f.in.URL+"/device" || !strings.HasPrefix(da.VerificationURIComplete, da.VerificationURI+"?user_code=") ||
		len(da.UserCode) != 9 || da.UserCode[4] != '-' || da.Interval != 5 || time.Until(da.Expiry) < 9*time.Minute {
		t.Fatalf("device authorization response: %+v", da)
	}
	if _, ok := tokenmint.NormalizeUserCode(da.UserCode); !ok {
		t.Fatalf("user code %q is not of RFC 8628 §6.1's alphabet", da.UserCode)
	}
	status, h, body := f.poll(t, f.client.ID, da.DeviceCode)
	wantError(t, status, h, body, 400, "authorization_pending")

	page := newDevicePage(t, f.in.URL)
	page.signIn(da.VerificationURIComplete, "grace", "correct horse battery")
	if !strings.Contains(page.body, `value="`+da.UserCode+`"`) {
		t.Fatalf("the code form is not prefilled with %s:\n%s", da.UserCode, page.body)
	}
	page.enter(strings.ToLower(strings.ReplaceAll(da.UserCode, "-", ""))) // case and dash do not matter
	page.want(200, "Living room TV")
	page.decide("allow")
	page.want(200, "Device connected")

	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.Extra("id_token") == nil {
		t.Fatalf("token: %+v (id_token %v)", tok, tok.Extra("id_token"))
	}
	if info := userInfo(t, f.in, tok.AccessToken); info["sub"] != f.user.ID {
		t.Fatalf("userinfo with the device's token: %v", info)
	}
	// Refresh with rotation, through x/oauth2's TokenSource.
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	next, err := cfg.TokenSource(ctx, &expired).Token()
	if err != nil || next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v %+v", err, next)
	}
	// The device code again: invalid_grant, and the family is revoked.
	status, h, body = f.poll(t, f.client.ID, da.DeviceCode)
	wantError(t, status, h, body, 400, "invalid_grant")
	if info := userInfo(t, f.in, next.AccessToken); info["sub"] != nil {
		t.Fatalf("a replayed device code left its tokens active: %v", info)
	}
}

// userInfo calls the UserInfo endpoint with an access token.
func userInfo(t *testing.T, in *servertest.Instance, tok string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, in.URL+"/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	_, _, body := do(t, req)
	return body
}

// TestDevicePollingErrors: slow_down when polled faster than the interval
// (which then grows by 5 s, remembered in the store), access_denied,
// expired_token, and refusals of a device code that is another client's,
// unknown, missing or oversized.
func TestDevicePollingErrors(t *testing.T) {
	f := newDeviceFixture(t)
	da := f.authorize(t, f.client.ID)
	code := da["device_code"].(string)
	steps := []struct {
		advance time.Duration
		want    string
	}{
		{0, "authorization_pending"},                // the first poll
		{2 * time.Second, "slow_down"},              // 2 s < 5 s: the interval becomes 10 s
		{6 * time.Second, "slow_down"},              // 6 s < 10 s: 15 s
		{15 * time.Second, "authorization_pending"}, // waited the interval
	}
	for i, s := range steps {
		f.in.Clock.Advance(s.advance)
		status, h, body := f.poll(t, f.client.ID, code)
		wantError(t, status, h, body, 400, s.want)
		if i == 2 && !strings.Contains(body["error_description"].(string), "15 seconds") {
			t.Errorf("slow_down does not say the new interval: %v", body)
		}
	}

	other := f.in.CreateClient(t, registry.ClientSpec{Name: "other", Public: true, GrantTypes: []string{deviceGrant}, Scopes: []string{"openid", "api:read"}})
	status, h, body := f.poll(t, other.ID, code)
	wantError(t, status, h, body, 400, "invalid_grant")
	for name, dc := range map[string]string{"unknown": "tmdc_nope", "oversized": strings.Repeat("A", 300)} {
		status, h, body := f.poll(t, f.client.ID, dc)
		if status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%s device code: %d %v", name, status, body)
		}
		_ = h
	}
	status, h, body = post(t, f.in.URL+"/oauth2/token", url.Values{"grant_type": {deviceGrant}, "client_id": {f.client.ID}}, "", "")
	wantError(t, status, h, body, 400, "invalid_request")

	// Denied.
	denied := f.authorize(t, f.client.ID)
	page := newDevicePage(t, f.in.URL)
	page.signIn(f.in.URL+"/device", "grace", "correct horse battery")
	page.enter(denied["user_code"].(string))
	page.decide("deny")
	page.want(200, "Request denied")
	status, h, body = f.poll(t, f.client.ID, denied["device_code"].(string))
	wantError(t, status, h, body, 400, "access_denied")
	// A code answered once cannot be answered again.
	page.post("/device/consent", url.Values{"user_code": {denied["user_code"].(string)}, "decision": {"allow"}})
	page.want(200, "unknown, has expired or was already used")

	// Expired: ten minutes later.
	f.in.Clock.Advance(10*time.Minute + time.Second)
	status, h, body = f.poll(t, f.client.ID, code)
	wantError(t, status, h, body, 400, "expired_token")
	page.post("/device", url.Values{"user_code": {da["user_code"].(string)}})
	page.want(200, "unknown, has expired or was already used")
}

// TestDeviceUserCodeGuessing: wrong user codes are limited per address
// (the sign-in failure limit, 5 by default): the sixth attempt is a 429
// page with Retry-After, and while the limit holds even the right code is
// refused. Malformed input is not a guess.
func TestDeviceUserCodeGuessing(t *testing.T) {
	f := newDeviceFixture(t)
	da := f.authorize(t, f.client.ID)
	page := newDevicePage(t, f.in.URL)
	page.signIn(f.in.URL+"/device", "grace", "correct horse battery")
	for range 3 {
		page.post("/device", url.Values{"user_code": {"not a code!"}})
		page.want(200, "That is not a code")
	}
	for i := range 5 {
		page.post("/device", url.Values{"user_code": {"BCDF-GHJ" + string("KLMNP"[i])}})
		page.want(200, "unknown, has expired or was already used")
	}
	page.post("/device", url.Values{"user_code": {da["user_code"].(string)}})
	page.want(http.StatusTooManyRequests, "Too many wrong codes")
	// Posting the decision directly is no way around the limit.
	page.post("/device/consent", url.Values{"user_code": {da["user_code"].(string)}, "decision": {"allow"}})
	page.want(http.StatusTooManyRequests, "Too many wrong codes")
	status, h, body := f.poll(t, f.client.ID, da["device_code"].(string))
	wantError(t, status, h, body, 400, "authorization_pending")
	// The window passes: the right code works.
	f.in.Clock.Advance(16 * time.Minute)
	da = f.authorize(t, f.client.ID)
	page.enter(da["user_code"].(string))
}

// TestDeviceRevokedWithUser: an approval is the user's grant: a password
// change before the device redeems it ends it (invalid_grant), as it ends
// their other grants.
func TestDeviceRevokedWithUser(t *testing.T) {
	f := newDeviceFixture(t)
	da := f.authorize(t, f.client.ID)
	page := newDevicePage(t, f.in.URL)
	page.signIn(da["verification_uri_complete"].(string), "grace", "correct horse battery")
	page.enter(da["user_code"].(string))
	page.decide("allow")
	page.want(200, "Device connected")
	if err := f.in.Registry.SetPassword(context.Background(), f.user.ID, "another long password"); err != nil {
		t.Fatal(err)
	}
	status, h, body := f.poll(t, f.client.ID, da["device_code"].(string))
	wantError(t, status, h, body, 400, "invalid_grant")
}

// TestDeviceAuthorizationHostile: the device authorization endpoint
// authenticates clients as the token endpoint does and refuses what the
// client may not ask for, with RFC 6749 §5.2 errors; malformed and
// oversized requests are refused before anything is stored.
func TestDeviceAuthorizationHostile(t *testing.T) {
	f := newDeviceFixture(t)
	conf := f.in.CreateClient(t, registry.ClientSpec{Name: "conf", GrantTypes: []string{deviceGrant}, Scopes: []string{"api:read"}})
	noGrant := f.in.CreateClient(t, registry.ClientSpec{Name: "web", Public: true, GrantTypes: []string{tokenmint.GrantAuthorizationCode}, RedirectURIs: []string{"https://app.example/cb"}, Scopes: []string{"openid"}})
	ep := f.in.URL + "/oauth2/device_authorization"
	cases := []struct {
		name       string
		form       url.Values
		user, pass string
		status     int
		code       string
	}{
		{"no client", url.Values{"scope": {"api:read"}}, "", "", 401, "invalid_client"},
		{"unknown client", url.Values{"client_id": {"nope"}}, "", "", 401, "invalid_client"},
		{"confidential without secret", url.Values{"client_id": {conf.ID}}, "", "", 401, "invalid_client"},
		{"confidential wrong secret", url.Values{}, conf.ID, "wrong", 401, "invalid_client"},
		{"public with a secret", url.Values{"client_id": {f.client.ID}, "client_secret": {"x"}}, "", "", 401, "invalid_client"},
		{"grant not allowed", url.Values{"client_id": {noGrant.ID}}, "", "", 400, "unauthorized_client"},
		{"scope not allowed", url.Values{"client_id": {f.client.ID}, "scope": {"admin"}}, "", "", 400, "invalid_scope"},
		{"scope malformed", url.Values{"client_id": {f.client.ID}, "scope": {"a\"b"}}, "", "", 400, "invalid_scope"},
		{"resource not allowed", url.Values{"client_id": {f.client.ID}, "resource": {"https://api.example/"}}, "", "", 400, "invalid_target"},
		{"resource relative", url.Values{"client_id": {f.client.ID}, "resource": {"/api"}}, "", "", 400, "invalid_target"},
		{"repeated parameter", url.Values{"client_id": {f.client.ID}, "scope": {"openid", "api:read"}}, "", "", 400, "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, h, body := post(t, ep, c.form, c.user, c.pass)
			wantError(t, status, h, body, c.status, c.code)
		})
	}
	// The confidential client with its secret succeeds.
	if status, _, body := post(t, ep, url.Values{"scope": {"api:read"}}, conf.ID, conf.Secret); status != 200 || body["device_code"] == nil {
		t.Fatalf("confidential client: %d %v", status, body)
	}
	// Wrong method, query string, content type, oversized body.
	if status, _, _ := get(t, ep); status != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", status)
	}
	status, _, body := post(t, ep+"?client_id="+f.client.ID, url.Values{}, "", "")
	if status != 400 || body["error"] != "invalid_request" {
		t.Errorf("query string: %d %v", status, body)
	}
	req, _ := http.NewRequest(http.MethodPost, ep, strings.NewReader(`{"client_id":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	if status, _, _ := do(t, req); status != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %d, want 415", status)
	}
	big := url.Values{"client_id": {f.client.ID}, "scope": {strings.Repeat("a", 70<<10)}}
	if status, _, _ := post(t, ep, big, "", ""); status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", status)
	}
}

// TestDeviceDiscovery: both metadata documents advertise the endpoint and
// the grant type, and the endpoint they name answers.
func TestDeviceDiscovery(t *testing.T) {
	f := newDeviceFixture(t)
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		_, _, md := get(t, f.in.URL+path)
		if md["device_authorization_endpoint"] != f.in.URL+"/oauth2/device_authorization" {
			t.Errorf("%s: device_authorization_endpoint = %v", path, md["device_authorization_endpoint"])
		}
		grants, _ := md["grant_types_supported"].([]any)
		if !slices.Contains(grants, any(deviceGrant)) {
			t.Errorf("%s: grant_types_supported = %v", path, grants)
		}
	}
	f.authorize(t, f.client.ID)
}

// TestDevicePageHostile: the verification page's forms need the CSRF
// token and a session, and its link refuses malformed or oversized
// codes without looking anything up.
func TestDevicePageHostile(t *testing.T) {
	f := newDeviceFixture(t)
	page := newDevicePage(t, f.in.URL)
	page.get(f.in.URL + "/device?user_code=" + strings.Repeat("B", 500))
	page.want(400, "too long")
	page.get(f.in.URL + "/device?user_code=%zz")
	page.want(400, "malformed")
	page.get(f.in.URL + "/device?user_code=<script>")
	page.want(200, `action="/device/login"`)
	if strings.Contains(page.body, "<script>") {
		t.Fatal("the page echoes markup")
	}
	// No CSRF token.
	page.read(page.client.PostForm(f.in.URL+"/device", url.Values{"user_code": {"BCDF-GHJK"}}))
	page.want(403, "Form expired")
	// Signed out: the code form asks to sign in first.
	page.get(f.in.URL + "/device")
	page.post("/device", url.Values{"user_code": {"BCDF-GHJK"}})
	page.want(200, `action="/device/login"`)
	// Wrong password.
	page.post("/device/login", url.Values{"username": {"grace"}, "password": {"wrong"}})
	page.want(200, "Invalid username or password")
	// Signed in: an invalid decision.
	page.signIn(f.in.URL+"/device", "grace", "correct horse battery")
	page.post("/device/consent", url.Values{"user_code": {"BCDF-GHJK"}, "decision": {"maybe"}})
	page.want(400, "Choose Allow or Deny")
}
