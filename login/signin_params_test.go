package login_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/token"
)

// signedIn returns a browser signed in as username, and the authorization
// request it used.
func signedIn(t *testing.T, f *fixture, clientID, username, pw string) *browser {
	t.Helper()
	b := f.browser(t)
	redirectParams(t, b.signIn(b.authorize(newAuthRequest(clientID)), username, pw), http.StatusSeeOther, webCallback, "query")
	return b
}

// idTokenClaims verifies an ID token with the fixture's keys.
func (f *fixture) idTokenClaims(t *testing.T, raw string) *token.Claims {
	t.Helper()
	c, err := f.engine.Keys().Verify(raw, token.TypeJWT)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	return c
}

// isLoginPage reports whether r is the login page.
func isLoginPage(t *testing.T, r *response) bool {
	t.Helper()
	return r.StatusCode == http.StatusOK && strings.Contains(r.body, `name="password"`)
}

// TestMaxAge: OIDC Core §3.1.2.1. A session older than max_age must sign
// in again before a code is issued, max_age=0 always; the ID token then
// carries the new sign-in's auth_time.
func TestMaxAge(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, secret := f.client(t, registry.ClientSpec{})
	signInAt := f.clock()
	b := signedIn(t, f, c.ID, testUsername, testPassword)
	f.advance(10 * time.Minute)

	t.Run("larger than the session's age", func(t *testing.T) {
		req := newAuthRequest(c.ID).with("max_age", "3600")
		p := redirectParams(t, b.authorize(req), http.StatusFound, webCallback, "query")
		tok := f.exchange(t, c.ID, secret, p.Get("code"), webCallback, req.verifier)
		if got := f.idTokenClaims(t, tok.IDToken).AuthTime; !got.Equal(signInAt.Truncate(time.Second)) {
			t.Errorf("auth_time = %v, want the session's %v", got, signInAt)
		}
	})
	t.Run("smaller than the session's age", func(t *testing.T) {
		req := newAuthRequest(c.ID).with("max_age", "300")
		page := b.authorize(req)
		if !isLoginPage(t, page) {
			t.Fatalf("max_age=300 on a 10-minute-old session: status %d, want the login page", page.StatusCode)
		}
		p := redirectParams(t, b.signIn(page, testUsername, testPassword), http.StatusSeeOther, webCallback, "query")
		tok := f.exchange(t, c.ID, secret, p.Get("code"), webCallback, req.verifier)
		if got := f.idTokenClaims(t, tok.IDToken).AuthTime; !got.Equal(f.clock().Truncate(time.Second)) {
			t.Errorf("auth_time = %v, want the new sign-in's %v", got, f.clock())
		}
	})
	t.Run("zero always signs in", func(t *testing.T) {
		// The session is brand new (the subtest above), still it asks.
		if page := b.authorize(newAuthRequest(c.ID).with("max_age", "0")); !isLoginPage(t, page) {
			t.Fatalf("max_age=0: status %d, want the login page", page.StatusCode)
		}
	})
	t.Run("with prompt none", func(t *testing.T) {
		p := redirectParams(t, b.authorize(newAuthRequest(c.ID).with("max_age", "0", "prompt", "none")), http.StatusFound, webCallback, "query")
		if p.Get("error") != "login_required" || p.Has("code") {
			t.Errorf("params = %v, want login_required", p)
		}
	})
	t.Run("huge", func(t *testing.T) {
		redirectParams(t, b.authorize(newAuthRequest(c.ID).with("max_age", "99999999999999999999999")), http.StatusFound, webCallback, "query")
	})
}

// TestPromptList: prompt is a space-delimited list (OIDC Core §3.1.2.1).
func TestPromptList(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, secret := f.client(t, registry.ClientSpec{})
	b := signedIn(t, f, c.ID, testUsername, testPassword)

	t.Run("login consent shows both", func(t *testing.T) {
		req := newAuthRequest(c.ID).with("prompt", "login consent")
		page := b.authorize(req)
		if !isLoginPage(t, page) {
			t.Fatalf("prompt=login consent: status %d, want the login page:\n%s", page.StatusCode, page.body)
		}
		consent := b.signIn(page, testUsername, testPassword)
		checkPage(t, consent, http.StatusOK)
		if !strings.Contains(consent.body, `value="allow"`) {
			t.Fatal("no consent page after the sign-in")
		}
		p := redirectParams(t, b.decide(consent, "allow"), http.StatusSeeOther, webCallback, "query")
		f.exchange(t, c.ID, secret, p.Get("code"), webCallback, req.verifier)
	})
	t.Run("select_account with a session", func(t *testing.T) {
		redirectParams(t, b.authorize(newAuthRequest(c.ID).with("prompt", "select_account")), http.StatusFound, webCallback, "query")
	})
	t.Run("select_account without a session", func(t *testing.T) {
		if page := f.browser(t).authorize(newAuthRequest(c.ID).with("prompt", "select_account")); !isLoginPage(t, page) {
			t.Fatalf("status %d, want the login page", page.StatusCode)
		}
	})
	for _, prompt := range []string{"none login", "consent none", "Login", "login bogus", "login\tconsent"} {
		t.Run("refused "+prompt, func(t *testing.T) {
			p := redirectParams(t, b.authorize(newAuthRequest(c.ID).with("prompt", prompt)), http.StatusFound, webCallback, "query")
			if p.Get("error") != "invalid_request" || p.Has("code") {
				t.Errorf("params = %v, want invalid_request", p)
			}
		})
	}
}

// TestIDTokenHint: an id_token_hint names the user the client expects
// (OIDC Core §3.1.2.1): another user's session is not enough.
func TestIDTokenHint(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, secret := f.client(t, registry.ClientSpec{})
	other, otherSecret := f.client(t, registry.ClientSpec{})
	f.createUser(t, "bob", testPassword)
	alice := signedIn(t, f, c.ID, testUsername, testPassword)
	bob := signedIn(t, f, c.ID, "bob", testPassword)

	req := newAuthRequest(c.ID)
	p := redirectParams(t, alice.authorize(req), http.StatusFound, webCallback, "query")
	tok := f.exchange(t, c.ID, secret, p.Get("code"), webCallback, req.verifier)
	hint := tok.IDToken

	otherReq := newAuthRequest(other.ID)
	op := redirectParams(t, alice.authorize(otherReq), http.StatusFound, webCallback, "query")
	otherTok := f.exchange(t, other.ID, otherSecret, op.Get("code"), webCallback, otherReq.verifier)
	foreign := newFixture(t, fixtureOptions{})
	fc, fsecret := foreign.client(t, registry.ClientSpec{})
	freq := newAuthRequest(fc.ID)
	fb := foreign.browser(t)
	fp := redirectParams(t, fb.signIn(fb.authorize(freq), testUsername, testPassword), http.StatusSeeOther, webCallback, "query")
	foreignTok := foreign.exchange(t, fc.ID, fsecret, fp.Get("code"), webCallback, freq.verifier)
	expectError := func(t *testing.T, b *browser, want string, kv ...string) {
		t.Helper()
		p := redirectParams(t, b.authorize(newAuthRequest(c.ID).with(kv...)), http.StatusFound, webCallback, "query")
		if p.Get("error") != want || p.Has("code") {
			t.Errorf("params = %v, want %s", p, want)
		}
	}
	t.Run("same user", func(t *testing.T) {
		redirectParams(t, alice.authorize(newAuthRequest(c.ID).with("id_token_hint", hint, "prompt", "none")), http.StatusFound, webCallback, "query")
	})
	t.Run("another user with prompt none", func(t *testing.T) {
		expectError(t, bob, "login_required", "id_token_hint", hint, "prompt", "none")
	})
	t.Run("another user signs in as the hinted one", func(t *testing.T) {
		page := bob.authorize(newAuthRequest(c.ID).with("id_token_hint", hint))
		if !isLoginPage(t, page) || !strings.Contains(page.body, `value="`+testUsername+`"`) {
			t.Fatalf("status %d, want the login page with %s filled in:\n%s", page.StatusCode, testUsername, page.body)
		}
		wrong := redirectParams(t, bob.signIn(page, "bob", testPassword), http.StatusSeeOther, webCallback, "query")
		if wrong.Get("error") != "login_required" || wrong.Has("code") {
			t.Errorf("signed in as bob: params = %v, want login_required", wrong)
		}
		redirectParams(t, bob.signIn(page, testUsername, testPassword), http.StatusSeeOther, webCallback, "query")
	})
	t.Run("expired hint", func(t *testing.T) {
		// ID tokens live as long as access tokens; a hint about a past
		// session is still a hint.
		f.advance(3 * time.Hour)
		b := signedIn(t, f, c.ID, testUsername, testPassword)
		redirectParams(t, b.authorize(newAuthRequest(c.ID).with("id_token_hint", hint, "prompt", "none")), http.StatusFound, webCallback, "query")
	})

	for _, tc := range []struct{ name, hint string }{
		{"tampered", hint[:len(hint)-4] + "AAAA"},
		{"not a JWT", "hint"},
		{"an access token", tok.AccessToken},
		{"issued to another client", otherTok.IDToken},
		{"issued by another server", foreignTok.IDToken},
	} {
		t.Run("refused "+tc.name, func(t *testing.T) {
			expectError(t, alice, "invalid_request", "id_token_hint", tc.hint)
		})
	}
}

// TestClaimsSubject: the claims parameter asking the ID token's sub to
// have a value (OIDC Core §5.5.1) is answered positively only for that
// user: their session, or their signing in; another user's session or
// sign-in is login_required, and the unverified value never fills in the
// login page. A sub value that is not a string is invalid_request.
func TestClaimsSubject(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	c, _ := f.client(t, registry.ClientSpec{})
	f.createUser(t, "bob", testPassword)
	alice := signedIn(t, f, c.ID, testUsername, testPassword)
	bob := signedIn(t, f, c.ID, "bob", testPassword)
	u, err := f.st.GetUserByUsername(t.Context(), testUsername)
	if err != nil {
		t.Fatal(err)
	}
	wantAlice := `{"id_token":{"sub":{"value":"` + f.engine.ClientSubject(&c, u.ID) + `"}}}`
	expectError := func(t *testing.T, b *browser, want string, kv ...string) {
		t.Helper()
		p := redirectParams(t, b.authorize(newAuthRequest(c.ID).with(kv...)), http.StatusFound, webCallback, "query")
		if p.Get("error") != want || p.Has("code") {
			t.Errorf("params = %v, want %s", p, want)
		}
	}
	t.Run("that user's session", func(t *testing.T) {
		p := redirectParams(t, alice.authorize(newAuthRequest(c.ID).with("claims", wantAlice, "prompt", "none")), http.StatusFound, webCallback, "query")
		if p.Get("code") == "" {
			t.Errorf("params = %v, want a code", p)
		}
	})
	t.Run("another user's session with prompt none", func(t *testing.T) {
		expectError(t, bob, "login_required", "claims", wantAlice, "prompt", "none")
	})
	t.Run("another user signs in", func(t *testing.T) {
		page := bob.authorize(newAuthRequest(c.ID).with("claims", wantAlice))
		if !isLoginPage(t, page) || strings.Contains(page.body, `value="`+testUsername+`"`) {
			t.Fatalf("status %d, want the login page, not filled in with the user the request names:\n%s", page.StatusCode, page.body)
		}
		wrong := redirectParams(t, bob.signIn(page, "bob", testPassword), http.StatusSeeOther, webCallback, "query")
		if wrong.Get("error") != "login_required" || wrong.Has("code") {
			t.Errorf("signed in as bob: params = %v, want login_required", wrong)
		}
		redirectParams(t, bob.signIn(page, testUsername, testPassword), http.StatusSeeOther, webCallback, "query")
	})
	for _, claims := range []string{`{"id_token":{"sub":{"value":42}}}`, `{"id_token":{"sub":{"value":""}}}`} {
		t.Run("refused "+claims, func(t *testing.T) {
			expectError(t, alice, "invalid_request", "claims", claims)
		})
	}
	t.Run("sub by values alone", func(t *testing.T) {
		p := redirectParams(t, bob.authorize(newAuthRequest(c.ID).with("claims", `{"id_token":{"sub":{"values":["x"]}}}`, "prompt", "none")), http.StatusFound, webCallback, "query")
		if p.Get("code") == "" {
			t.Errorf("params = %v, want a code (values alone ask for nothing of the user)", p)
		}
	})
}
