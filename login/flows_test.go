package login_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/login"
	"github.com/tokenmint/tokenmint/ratelimit"
	"github.com/tokenmint/tokenmint/registry"
)

// TestLoginFlow drives the whole browser flow over HTTP, over plain HTTP
// and over TLS (where cookies become Secure and __Host- prefixed).
func TestLoginFlow(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tls    bool
		prefix string
	}{
		{name: "http", tls: false, prefix: ""},
		{name: "https", tls: true, prefix: "__Host-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{tls: tc.tls})
			c, secret := f.client(t, registry.ClientSpec{})
			b := f.browser(t)
			req := newAuthRequest(c.ID)

			page := b.authorize(req)
			checkPage(t, page, http.StatusOK)
			for _, want := range []string{"Example App", `name="username"`, `name="password"`, "openid", "profile"} {
				if !strings.Contains(page.body, want) {
					t.Errorf("login page lacks %q", want)
				}
			}
			checkCookie(t, setCookie(page, tc.prefix+login.CSRFCookie), tc.tls, 0)

			done := b.signIn(page, testUsername, testPassword)
			params := redirectParams(t, done, http.StatusSeeOther, webCallback, "query")
			if params.Get("state") != req.q.Get("state") || params.Get("iss") != f.issuer || params.Get("code") == "" {
				t.Fatalf("redirect params = %v", params)
			}
			sc := setCookie(done, tc.prefix+login.SessionCookie)
			checkCookie(t, sc, tc.tls, time.Hour)
			if !strings.HasPrefix(sc.Value, "tmss_") {
				t.Errorf("session cookie value %q lacks the tmss_ prefix", sc.Value)
			}
			tok := f.exchange(t, c.ID, secret, params.Get("code"), webCallback, req.verifier)
			if tok.AccessToken == "" || tok.IDToken == "" {
				t.Errorf("token response = %+v, want an access and an ID token", tok)
			}

			again := b.authorize(newAuthRequest(c.ID))
			p2 := redirectParams(t, again, http.StatusFound, webCallback, "query")
			if p2.Get("code") == "" || p2.Get("code") == params.Get("code") {
				t.Fatalf("second authorize should skip the login with a new code; params = %v", p2)
			}
		})
	}
}

func checkCookie(t *testing.T, c *http.Cookie, secure bool, maxAge time.Duration) {
	t.Helper()
	if c == nil {
		t.Fatal("cookie not set")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != secure || c.Domain != "" {
		t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Path=%q Secure=%v Domain=%q; want HttpOnly, Lax, /, Secure=%v, no Domain",
			c.Name, c.HttpOnly, c.SameSite, c.Path, c.Secure, c.Domain, secure)
	}
	if got := time.Duration(c.MaxAge) * time.Second; got != maxAge {
		t.Errorf("cookie %s Max-Age = %v, want %v", c.Name, got, maxAge)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	web, _ := f.client(t, registry.ClientSpec{})
	spa, _ := f.client(t, registry.ClientSpec{Public: true})
	m2m, _ := f.client(t, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantClientCredentials}, RedirectURIs: []string{}})
	base := newAuthRequest(web.ID).q

	// raw builds a query from base with changes: "k=" deletes k, "k=v"
	// sets it, "+k=v" adds a repetition.
	raw := func(changes ...string) string {
		q := url.Values{}
		for k, v := range base {
			q[k] = append([]string(nil), v...)
		}
		for _, ch := range changes {
			k, v, _ := strings.Cut(ch, "=")
			switch {
			case strings.HasPrefix(k, "+"):
				q.Add(k[1:], v)
			case v == "":
				q.Del(k)
			default:
				q.Set(k, v)
			}
		}
		return q.Encode()
	}
	for _, tc := range []struct {
		name     string
		query    string
		page     int    // status of an error page; 0 when a redirect is expected
		pageText string // on the page
		err      string // error code of the redirect
		state    bool   // the redirect carries the request's state
		redirect string // where the redirect goes (default webCallback)
		mode     string // response mode of the redirect (default query)
	}{
		{name: "missing client_id", query: raw("client_id="), page: 400, pageText: "missing client_id"},
		{name: "unknown client", query: raw("client_id=nobody"), page: 400, pageText: "unknown client_id"},
		{name: "unregistered redirect_uri", query: raw("redirect_uri=https://evil.test/cb"), page: 400, pageText: "not registered"},
		{name: "redirect_uri differing in case", query: raw("redirect_uri=https://CLIENT.test/cb"), page: 400, pageText: "not registered"},
		{name: "redirect_uri with extra query", query: raw("redirect_uri=" + webCallback + "?x=1"), page: 400, pageText: "not registered"},
		{name: "omitted redirect_uri with two registered", query: raw("redirect_uri="), page: 400, pageText: "missing redirect_uri"},
		{name: "client without redirect URIs", query: raw("client_id=" + m2m.ID), page: 400, pageText: "redirect_uri"},
		{name: "repeated client_id", query: raw("+client_id=" + web.ID), page: 400, pageText: "repeated"},
		{name: "repeated redirect_uri", query: raw("+redirect_uri=" + webCallback), page: 400, pageText: "repeated"},
		{name: "malformed query", query: raw() + "&x=%zz", page: 400, pageText: "not a valid URL query"},
		{name: "repeated scope", query: raw("+scope=email"), err: "invalid_request", state: true},
		{name: "repeated state", query: raw("+state=other"), err: "invalid_request", state: false},
		{name: "missing response_type", query: raw("response_type="), err: "invalid_request", state: true},
		{name: "implicit grant", query: raw("response_type=token"), err: "unsupported_response_type", state: true},
		{name: "scope not allowed", query: raw("scope=openid admin"), err: "invalid_scope", state: true},
		{name: "scope with bad characters", query: raw(`scope=open"id`), err: "invalid_scope", state: true},
		{name: "plain PKCE refused", query: raw("code_challenge_method=plain"), err: "invalid_request", state: true},
		{name: "unknown PKCE method", query: raw("code_challenge_method=S512"), err: "invalid_request", state: true},
		{name: "public client without PKCE", query: raw("client_id="+spa.ID, "code_challenge=", "code_challenge_method="), err: "invalid_request", state: true},
		{name: "unknown response_mode", query: raw("response_mode=web_message"), err: "invalid_request", state: true},
		{name: "unknown prompt", query: raw("prompt=create"), err: "invalid_request", state: true},
		{name: "prompt none with another value", query: raw("prompt=none login"), err: "invalid_request", state: true},
		{name: "negative max_age", query: raw("max_age=-1"), err: "invalid_request", state: true},
		{name: "fractional max_age", query: raw("max_age=1.5"), err: "invalid_request", state: true},
		{name: "signed max_age", query: raw("max_age=+60"), err: "invalid_request", state: true},
		{name: "repeated max_age", query: raw("max_age=60", "+max_age=0"), err: "invalid_request", state: true},
		{name: "id_token_hint not an ID token", query: raw("id_token_hint=eyJhbGciOiJub25lIn0.e30."), err: "invalid_request", state: true},
		// Until a request object verifies, its redirect_uri is not the
		// client's word: its errors are shown, never redirected.
		{name: "request object signed with none", query: raw("request=eyJhbGciOiJub25lIn0.e30."), page: 400, pageText: "invalid_request_object"},
		{name: "request_uri by reference", query: raw("request_uri=https://client.test/r"), page: 400, pageText: "request_uri_not_supported"},
		{name: "request_uri unknown", query: raw("request_uri=urn:ietf:params:oauth:request_uri:nope"), page: 400, pageText: "invalid_request_uri"},
		{name: "request and request_uri", query: raw("request=x", "request_uri=urn:ietf:params:oauth:request_uri:nope"), page: 400, pageText: "not both"},
		{name: "prompt none without session", query: raw("prompt=none"), err: "login_required", state: true},
		{name: "error in fragment", query: raw("response_mode=fragment", "scope=admin"), err: "invalid_scope", state: true, mode: "fragment"},
		{name: "registered query kept", query: raw("redirect_uri="+queryCallback, "scope=admin"), err: "invalid_scope", state: true, redirect: queryCallback},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.browser(t).get(httpapi.PathAuthorize + "?" + tc.query)
			if tc.page != 0 {
				checkPage(t, r, tc.page)
				if !strings.Contains(r.body, tc.pageText) {
					t.Errorf("error page lacks %q:\n%s", tc.pageText, r.body)
				}
				return
			}
			redirect, mode := tc.redirect, tc.mode
			if redirect == "" {
				redirect = webCallback
			}
			params := redirectParams(t, r, http.StatusFound, redirect, mode)
			if params.Get("error") != tc.err || params.Get("iss") != f.issuer || params.Has("code") {
				t.Errorf("redirect params = %v, want error %s with iss and no code", params, tc.err)
			}
			if got, want := params.Has("state"), tc.state; got != want {
				t.Errorf("state present = %v, want %v (params %v)", got, want, params)
			}
			if tc.state && params.Get("state") != base.Get("state") {
				t.Errorf("state = %q, want %q", params.Get("state"), base.Get("state"))
			}
		})
	}
}

// TestUnauthorizedClient: a client with a registered redirect URI but
// without the authorization_code grant gets unauthorized_client back.
func TestUnauthorizedClient(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantClientCredentials}})
	r := f.browser(t).authorize(newAuthRequest(c.ID))
	if p := redirectParams(t, r, http.StatusFound, webCallback, "query"); p.Get("error") != "unauthorized_client" {
		t.Errorf("params = %v, want unauthorized_client", p)
	}
}

func TestWrongCredentials(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	for _, tc := range []struct{ name, username, password, message string }{
		{name: "wrong password", username: testUsername, password: "wrong", message: "Invalid username or password."},
		{name: "unknown user", username: "mallory", password: testPassword, message: "Invalid username or password."},
		{name: "username too long", username: strings.Repeat("a", 300), password: testPassword, message: "Invalid username or password."},
		{name: "empty password", username: testUsername, password: "", message: "Enter your username and password."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := f.browser(t)
			r := b.signIn(b.authorize(newAuthRequest(c.ID)), tc.username, tc.password)
			checkPage(t, r, http.StatusOK)
			if !strings.Contains(r.body, tc.message) {
				t.Errorf("page lacks %q:\n%s", tc.message, r.body)
			}
			if setCookie(r, login.SessionCookie) != nil {
				t.Error("a failed sign-in set a session cookie")
			}
			// The page can be submitted again, now with the right password.
			done := b.signIn(r, testUsername, testPassword)
			redirectParams(t, done, http.StatusSeeOther, webCallback, "query")
		})
	}
}

// TestWrongPasswordSamePage: an unknown user and a wrong password produce
// the same page but for the echoed username.
func TestWrongPasswordSamePage(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	b := f.browser(t)
	page := b.authorize(newAuthRequest(c.ID))
	wrong := b.signIn(page, "bob", "wrong")
	f.createUser(t, "bob", testPassword)
	known := b.signIn(page, "bob", "wrong")
	strip := func(s string) string { return hiddenRE.ReplaceAllString(s, "") }
	if strip(wrong.body) != strip(known.body) || wrong.StatusCode != known.StatusCode {
		t.Errorf("unknown-user and wrong-password pages differ:\n%s\n---\n%s", wrong.body, known.body)
	}
}

func TestThrottling(t *testing.T) {
	f := newFixture(t, fixtureOptions{throttle: ratelimit.Limit{Count: 3, Per: 15 * time.Minute}})
	c, _ := f.client(t, registry.ClientSpec{})
	b := f.browser(t)
	page := b.authorize(newAuthRequest(c.ID))
	for i := range 3 {
		if r := b.signIn(page, testUsername, "wrong"); r.StatusCode != http.StatusOK {
			t.Fatalf("failure %d: status %d, want 200", i+1, r.StatusCode)
		}
	}
	r := b.signIn(page, testUsername, testPassword)
	checkPage(t, r, http.StatusTooManyRequests)
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q, want a positive number of seconds", r.Header.Get("Retry-After"))
	}
	if want := "Too many failed attempts; try again in " + strconv.Itoa(secs) + " seconds."; !strings.Contains(r.body, want) {
		t.Errorf("page lacks %q:\n%s", want, r.body)
	}
	if setCookie(r, login.SessionCookie) != nil {
		t.Error("a throttled sign-in set a session cookie")
	}
	f.advance(time.Duration(secs) * time.Second)
	redirectParams(t, b.signIn(page, testUsername, testPassword), http.StatusSeeOther, webCallback, "query")
}

func TestCSRF(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	other := f.browser(t)
	otherToken := hiddenFields(t, other.authorize(newAuthRequest(c.ID))).Get("csrf_token")
	for _, tc := range []struct {
		name   string
		tamper func(b *browser, form url.Values, req *http.Request)
	}{
		{name: "missing token", tamper: func(_ *browser, form url.Values, _ *http.Request) { form.Del("csrf_token") }},
		{name: "wrong token", tamper: func(_ *browser, form url.Values, _ *http.Request) { form.Set("csrf_token", "AAAA") }},
		{name: "token of another browser", tamper: func(_ *browser, form url.Values, _ *http.Request) { form.Set("csrf_token", otherToken) }},
		{name: "no csrf cookie", tamper: func(b *browser, _ url.Values, _ *http.Request) { clearJar(t, b) }},
		{name: "cross-site post", tamper: func(_ *browser, _ url.Values, req *http.Request) { req.Header.Set("Sec-Fetch-Site", "cross-site") }},
		{name: "foreign origin", tamper: func(_ *browser, _ url.Values, req *http.Request) { req.Header.Set("Origin", "https://evil.test") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := f.browser(t)
			form := hiddenFields(t, b.authorize(newAuthRequest(c.ID)))
			form.Set("username", testUsername)
			form.Set("password", testPassword)
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+login.PathLogin, nil)
			tc.tamper(b, form, req)
			req.Body, req.ContentLength = nopBody(form.Encode())
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r := b.do(req)
			checkPage(t, r, http.StatusForbidden)
			if setCookie(r, login.SessionCookie) != nil {
				t.Error("a forged sign-in set a session cookie")
			}
		})
	}
}

func clearJar(t *testing.T, b *browser) {
	t.Helper()
	fresh := b.f.browser(t)
	b.c.Jar = fresh.c.Jar
}

// TestTamperedRequest: the hidden request is signed; a browser cannot
// swap in another redirect URI or switch PKCE off.
func TestTamperedRequest(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	b := f.browser(t)
	form := hiddenFields(t, b.authorize(newAuthRequest(c.ID)))
	form.Set("request", strings.Replace(form.Get("request"), "client.test", "evil.test", 1))
	form.Set("username", testUsername)
	form.Set("password", testPassword)
	r := b.post(login.PathLogin, form)
	checkPage(t, r, http.StatusBadRequest)
}

// TestClientChangedMeanwhile: the pending request is validated again on
// submission, so a redirect URI removed while the page was open is
// refused with a page.
func TestClientChangedMeanwhile(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	b := f.browser(t)
	page := b.authorize(newAuthRequest(c.ID))
	if _, err := f.st.UpdateClient(context.Background(), c.ID, func(c *tokenmint.Client) error {
		c.RedirectURIs = []string{queryCallback}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	checkPage(t, b.signIn(page, testUsername, testPassword), http.StatusBadRequest)
}

func TestFragmentMode(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, secret := f.client(t, registry.ClientSpec{})
	b := f.browser(t)
	req := newAuthRequest(c.ID).with("response_mode", "fragment")
	params := redirectParams(t, b.signIn(b.authorize(req), testUsername, testPassword), http.StatusSeeOther, webCallback, "fragment")
	if params.Get("state") != req.q.Get("state") || params.Get("iss") != f.issuer {
		t.Fatalf("params = %v", params)
	}
	f.exchange(t, c.ID, secret, params.Get("code"), webCallback, req.verifier)
	// With the session, the code comes straight back in the fragment.
	redirectParams(t, b.authorize(req), http.StatusFound, webCallback, "fragment")
}

// TestRegisteredQueryKept: parameters are added to a redirect URI's own
// query (RFC 6749 §3.1.2), and the code is bound to the full URI.
func TestRegisteredQueryKept(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, secret := f.client(t, registry.ClientSpec{})
	b := f.browser(t)
	req := newAuthRequest(c.ID).with("redirect_uri", queryCallback)
	params := redirectParams(t, b.signIn(b.authorize(req), testUsername, testPassword), http.StatusSeeOther, queryCallback, "query")
	f.exchange(t, c.ID, secret, params.Get("code"), queryCallback, req.verifier)
}

func TestPrompt(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	b := f.browser(t)
	b.signIn(b.authorize(newAuthRequest(c.ID)), testUsername, testPassword)

	t.Run("none with session", func(t *testing.T) {
		p := redirectParams(t, b.authorize(newAuthRequest(c.ID).with("prompt", "none")), http.StatusFound, webCallback, "query")
		if p.Get("code") == "" {
			t.Errorf("params = %v, want a code", p)
		}
	})
	t.Run("login forces the page", func(t *testing.T) {
		page := b.authorize(newAuthRequest(c.ID).with("prompt", "login"))
		checkPage(t, page, http.StatusOK)
		redirectParams(t, b.signIn(page, testUsername, testPassword), http.StatusSeeOther, webCallback, "query")
	})
	t.Run("session expired", func(t *testing.T) {
		f.advance(2 * time.Hour)
		checkPage(t, b.authorize(newAuthRequest(c.ID)), http.StatusOK)
		p := redirectParams(t, b.authorize(newAuthRequest(c.ID).with("prompt", "none")), http.StatusFound, webCallback, "query")
		if p.Get("error") != "login_required" {
			t.Errorf("params = %v, want login_required", p)
		}
	})
}

func TestConsent(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, secret := f.client(t, registry.ClientSpec{RequireConsent: true})
	b := f.browser(t)
	req := newAuthRequest(c.ID)

	consent := b.signIn(b.authorize(req), testUsername, testPassword)
	checkPage(t, consent, http.StatusOK)
	for _, want := range []string{"Allow", "Deny", testUsername, "openid", "profile", "Example App"} {
		if !strings.Contains(consent.body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if setCookie(consent, login.SessionCookie) == nil {
		t.Error("sign-in before consent set no session cookie")
	}

	p := redirectParams(t, b.decide(consent, "deny"), http.StatusSeeOther, webCallback, "query")
	if p.Get("error") != "access_denied" || p.Get("state") != req.q.Get("state") || p.Has("code") {
		t.Fatalf("deny: params = %v, want access_denied with state", p)
	}

	consent = b.authorize(req) // signed in: straight to the consent page
	checkPage(t, consent, http.StatusOK)
	allowed := b.decide(consent, "allow")
	remembered := setCookie(allowed, login.ConsentCookie)
	if remembered == nil {
		t.Fatal("allow set no consent cookie")
	}
	p = redirectParams(t, allowed, http.StatusSeeOther, webCallback, "query")
	f.exchange(t, c.ID, secret, p.Get("code"), webCallback, req.verifier)

	t.Run("remembered for the same scopes", func(t *testing.T) {
		redirectParams(t, b.authorize(newAuthRequest(c.ID).with("scope", "profile openid")), http.StatusFound, webCallback, "query")
	})
	t.Run("asked again for other scopes", func(t *testing.T) {
		checkPage(t, b.authorize(newAuthRequest(c.ID).with("scope", "openid email")), http.StatusOK)
		p := redirectParams(t, b.authorize(newAuthRequest(c.ID).with("scope", "openid email", "prompt", "none")), http.StatusFound, webCallback, "query")
		if p.Get("error") != "consent_required" {
			t.Errorf("params = %v, want consent_required", p)
		}
	})
	t.Run("prompt consent asks again", func(t *testing.T) {
		page := b.authorize(req.with("prompt", "consent"))
		checkPage(t, page, http.StatusOK)
		if !strings.Contains(page.body, `value="allow"`) {
			t.Error("prompt=consent did not show the consent page")
		}
	})
	t.Run("not remembered across sessions", func(t *testing.T) {
		b.get(httpapi.PathLogout)
		page := b.authorize(req)
		// Even with the old consent cookie back, the new session asks.
		u, _ := url.Parse(f.srv.URL)
		b.c.Jar.SetCookies(u, []*http.Cookie{{Name: remembered.Name, Value: remembered.Value, Path: "/"}})
		page = b.signIn(page, testUsername, testPassword)
		if !strings.Contains(page.body, `value="allow"`) {
			t.Errorf("a new session reused an old consent; status %d", page.StatusCode)
		}
	})
	t.Run("bad decision", func(t *testing.T) {
		checkPage(t, b.decide(b.authorize(req), "maybe"), http.StatusBadRequest)
	})
}

// TestLogout: RP-Initiated Logout 1.0 §2. The client comes from
// client_id or from the audience of id_token_hint (an expired one too),
// and post_logout_redirect_uri must be one of its redirect URIs; a hint
// that is not this server's ID token for client_id (another client's, a
// forged one, an access token) is refused with a 400 page, the session
// kept.
func TestLogout(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, secret := f.client(t, registry.ClientSpec{})
	other, otherSecret := f.client(t, registry.ClientSpec{})
	signedIn := func(t *testing.T, clientID, secret string) (*browser, *grant.TokenResponse) {
		b := f.browser(t)
		req := newAuthRequest(clientID)
		p := redirectParams(t, b.signIn(b.authorize(req), testUsername, testPassword), http.StatusSeeOther, webCallback, "query")
		return b, f.exchange(t, clientID, secret, p.Get("code"), webCallback, req.verifier)
	}
	_, tokens := signedIn(t, c.ID, secret)
	_, otherTokens := signedIn(t, other.ID, otherSecret)
	idToken := tokens.IDToken
	// The hints expire before they are used, as at most sign-outs: they
	// are accepted all the same (§2).
	f.advance(2 * time.Hour)
	forged := idToken[:len(idToken)-4] + "AAAA"
	if forged == idToken {
		forged = idToken[:len(idToken)-4] + "BBBB"
	}
	for _, tc := range []struct {
		name     string
		post     bool
		params   url.Values
		redirect string // "" means the signed-out page
		refused  bool   // a 400 page, still signed in
	}{
		{name: "get, no redirect", params: url.Values{}},
		{name: "post, no redirect", post: true, params: url.Values{}},
		{name: "registered redirect", params: url.Values{"client_id": {c.ID}, "post_logout_redirect_uri": {webCallback}, "state": {"bye"}}, redirect: webCallback + "?state=bye"},
		{name: "registered redirect by post", post: true, params: url.Values{"client_id": {c.ID}, "post_logout_redirect_uri": {queryCallback}}, redirect: queryCallback},
		{name: "unregistered redirect", params: url.Values{"client_id": {c.ID}, "post_logout_redirect_uri": {"https://evil.test/"}}},
		{name: "redirect without client_id", params: url.Values{"post_logout_redirect_uri": {webCallback}}},
		{name: "unknown client", params: url.Values{"client_id": {"nobody"}, "post_logout_redirect_uri": {webCallback}}},
		{name: "id_token_hint names the client", params: url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {webCallback}, "state": {"bye"}}, redirect: webCallback + "?state=bye"},
		{name: "id_token_hint and client_id", post: true, params: url.Values{"id_token_hint": {idToken}, "client_id": {c.ID}, "post_logout_redirect_uri": {webCallback}}, redirect: webCallback},
		{name: "id_token_hint without a redirect", params: url.Values{"id_token_hint": {idToken}}},
		{name: "id_token_hint of another client", params: url.Values{"id_token_hint": {otherTokens.IDToken}, "client_id": {c.ID}, "post_logout_redirect_uri": {webCallback}}, refused: true},
		{name: "forged id_token_hint", params: url.Values{"id_token_hint": {forged}, "post_logout_redirect_uri": {webCallback}}, refused: true},
		{name: "an access token as id_token_hint", params: url.Values{"id_token_hint": {tokens.AccessToken}, "client_id": {c.ID}}, refused: true},
		{name: "garbage id_token_hint", params: url.Values{"id_token_hint": {"x.y.z"}}, refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := signedIn(t, c.ID, secret)
			var r *response
			if tc.post {
				r = b.post(httpapi.PathLogout, tc.params)
			} else {
				r = b.get(httpapi.PathLogout + "?" + tc.params.Encode())
			}
			if tc.refused {
				checkPage(t, r, http.StatusBadRequest)
				if !strings.Contains(r.body, "invalid_request") || r.Header.Get("Location") != "" {
					t.Errorf("want a page saying invalid_request, no redirect:\n%s", r.body)
				}
				// Still signed in: authorize goes straight back to the client.
				redirectParams(t, b.authorize(newAuthRequest(c.ID)), http.StatusFound, webCallback, "query")
				return
			}
			if tc.redirect == "" {
				checkPage(t, r, http.StatusOK)
				if !strings.Contains(r.body, "signed out") {
					t.Errorf("page does not say signed out:\n%s", r.body)
				}
			} else if r.Header.Get("Location") != tc.redirect || r.StatusCode/100 != 3 {
				t.Errorf("status %d Location %q, want a redirect to %q", r.StatusCode, r.Header.Get("Location"), tc.redirect)
			}
			if sc := setCookie(r, login.SessionCookie); sc == nil || sc.MaxAge >= 0 {
				t.Errorf("session cookie not deleted: %+v", sc)
			}
			// The session is gone: authorize shows the login page again.
			checkPage(t, b.authorize(newAuthRequest(c.ID)), http.StatusOK)
		})
	}
}

// TestLogoutDeletesRecord: a stolen copy of the cookie is worthless after
// logout, because the server-side record is gone.
func TestLogoutDeletesRecord(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	b := f.browser(t)
	done := b.signIn(b.authorize(newAuthRequest(c.ID)), testUsername, testPassword)
	stolen := setCookie(done, login.SessionCookie)
	b.get(httpapi.PathLogout)

	thief := f.browser(t)
	u, _ := url.Parse(f.srv.URL)
	thief.c.Jar.SetCookies(u, []*http.Cookie{{Name: stolen.Name, Value: stolen.Value, Path: "/"}})
	checkPage(t, thief.authorize(newAuthRequest(c.ID)), http.StatusOK)
}

// TestDeletedUser: deleting a user ends their sessions.
func TestDeletedUser(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	b := f.browser(t)
	b.signIn(b.authorize(newAuthRequest(c.ID)), testUsername, testPassword)
	if err := f.st.DeleteUser(context.Background(), f.user.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.GetUser(context.Background(), f.user.ID); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Fatalf("user still there: %v", err)
	}
	checkPage(t, b.authorize(newAuthRequest(c.ID)), http.StatusOK)
}

func TestAuthorizePOST(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	b := f.browser(t)
	req := newAuthRequest(c.ID)
	page := b.post(httpapi.PathAuthorize, req.q)
	checkPage(t, page, http.StatusOK)
	redirectParams(t, b.signIn(page, testUsername, testPassword), http.StatusSeeOther, webCallback, "query")
	// Signed in: a POSTed request answers 303 with the code.
	redirectParams(t, b.post(httpapi.PathAuthorize, req.q), http.StatusSeeOther, webCallback, "query")
}

func TestBadForms(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	for _, tc := range []struct {
		name        string
		contentType string
		body        func(form url.Values) string
		status      int
	}{
		{name: "json body", contentType: "application/json", body: func(url.Values) string { return "{}" }, status: http.StatusUnsupportedMediaType},
		{name: "too large", contentType: "application/x-www-form-urlencoded", body: func(form url.Values) string {
			return form.Encode() + "&pad=" + strings.Repeat("x", 70<<10)
		}, status: http.StatusRequestEntityTooLarge},
		{name: "repeated field", contentType: "application/x-www-form-urlencoded", body: func(form url.Values) string {
			return form.Encode() + "&username=other"
		}, status: http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := f.browser(t)
			form := hiddenFields(t, b.authorize(newAuthRequest(c.ID)))
			form.Set("username", testUsername)
			form.Set("password", testPassword)
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+login.PathLogin, nil)
			req.Body, req.ContentLength = nopBody(tc.body(form))
			req.Header.Set("Content-Type", tc.contentType)
			checkPage(t, b.do(req), tc.status)
		})
	}
}

func TestStylesheet(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	r := f.browser(t).get(login.PathStylesheet)
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") || !strings.Contains(r.body, ".card") {
		t.Errorf("stylesheet: status %d, type %q", r.StatusCode, r.Header.Get("Content-Type"))
	}
}

// TestCSPAllowsRedirectOrigin: Chromium applies form-action to the
// redirect after a form post, so the login page allows the origin of the
// redirect URI, and only that.
func TestCSPAllowsRedirectOrigin(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{RedirectURIs: []string{"https://app.example.test:8443/cb", "com.example.app:/oauth"}})
	for _, tc := range []struct{ redirect, want string }{
		{"https://app.example.test:8443/cb", "form-action 'self' https://app.example.test:8443;"},
		{"com.example.app:/oauth", "form-action 'self' com.example.app:;"},
	} {
		t.Run(tc.redirect, func(t *testing.T) {
			r := f.browser(t).authorize(newAuthRequest(c.ID).with("redirect_uri", tc.redirect))
			checkPage(t, r, http.StatusOK)
			if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, tc.want) {
				t.Errorf("CSP = %q, want %q", csp, tc.want)
			}
		})
	}
}
