package eptura_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/eptura"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// A valid RFC 7636 S256 pair (Appendix B).
const (
	verifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	challenge = "E9Melhoa2OwvFrEMTJguCHaoeK8dUHkTGk3ydVX-t00"
)

// loginPage requests /login.html with the article's five parameters and
// extra ones, without following a redirect: the answer is either the
// login form (200) or a redirect to the app with an error in the fragment.
func loginPage(t *testing.T, in *servertest.Instance, c servertest.Client, extra url.Values) (int, url.Values) {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirectURI}, "scope": {scope}, "state": {"xyz"}}
	for k, v := range extra {
		q[k] = v
	}
	req, err := http.NewRequest(http.MethodGet, in.URL+eptura.PathLogin+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	frag, _ := url.ParseQuery(loc.Fragment)
	return resp.StatusCode, frag
}

// TestLegacyFlowsAreOptIn: the Eptura dialect's flows that are weaker
// than RFC 9700 asks (a browser flow without PKCE, a code for a username
// and password) serve only clients that opted in, one by one; enabling
// the dialect on the server opts in no client (issue 13 item 1).
func TestLegacyFlowsAreOptIn(t *testing.T) {
	in := dialecttest.Start(t)
	in.CreateUser(t, username, password)
	standard := in.CreateClient(t, registry.ClientSpec{Name: "standard SPA", Public: true,
		GrantTypes:   []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantPassword},
		RedirectURIs: []string{redirectURI}, Scopes: []string{scope}})
	pkceOnly := in.CreateClient(t, registry.ClientSpec{Name: "eptura SPA with PKCE", Profile: eptura.Name,
		RedirectURIs: []string{redirectURI}})
	noPKCE := in.CreateClient(t, registry.ClientSpec{Name: "eptura SPA without PKCE", Profile: eptura.Name, AllowNoPKCE: true,
		RedirectURIs: []string{redirectURI}})
	consent := in.CreateClient(t, registry.ClientSpec{Name: "eptura app that asks consent", Profile: eptura.Name, RequireConsent: true,
		GrantTypes:   []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantPassword},
		RedirectURIs: []string{redirectURI}})
	withPassword := in.CreateClient(t, registry.ClientSpec{Name: "eptura app with the password grant", Profile: eptura.Name,
		GrantTypes:   []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantPassword},
		RedirectURIs: []string{redirectURI}})

	t.Run("login.html", func(t *testing.T) {
		for _, tc := range []struct {
			name      string
			client    servertest.Client
			pkce      bool
			wantError string // "" : the login form
		}{
			{"standard client", standard, false, "unauthorized_client"},
			{"standard client with PKCE", standard, true, "unauthorized_client"},
			{"eptura client without the opt-out, no PKCE", pkceOnly, false, "invalid_request"},
			{"eptura client without the opt-out, PKCE", pkceOnly, true, ""},
			{"eptura client with --allow-no-pkce", noPKCE, false, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				extra := url.Values{}
				if tc.pkce {
					extra = url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
				}
				status, frag := loginPage(t, in, tc.client, extra)
				if tc.wantError == "" {
					if status != http.StatusOK {
						t.Fatalf("status %d %v, want the login form", status, frag)
					}
					return
				}
				if status != http.StatusSeeOther && status != http.StatusFound || frag.Get("error") != tc.wantError || frag.Get("state") != "xyz" {
					t.Fatalf("status %d, fragment %v; want a redirect with error %s", status, frag, tc.wantError)
				}
			})
		}
	})

	t.Run("the standard endpoint still requires PKCE of an opted-out client", func(t *testing.T) {
		q := url.Values{"response_type": {"code"}, "client_id": {noPKCE.ID}, "redirect_uri": {redirectURI}, "scope": {scope}, "state": {"s"}}
		req, _ := http.NewRequest(http.MethodGet, in.URL+"/oauth2/authorize?"+q.Encode(), nil)
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if got := loc.Query().Get("error"); got != "invalid_request" {
			t.Fatalf("status %d, Location %s: want error invalid_request (PKCE required)", resp.StatusCode, loc)
		}
	})

	t.Run("headless auth", func(t *testing.T) {
		for _, tc := range []struct {
			name      string
			client    servertest.Client
			wantError string
		}{
			{"standard client", standard, "unauthorized_client"},
			{"eptura client without the password grant", noPKCE, "unauthorized_client"},
			{"eptura client that requires consent", consent, "unauthorized_client"},
			{"eptura client with the password grant", withPassword, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+eptura.PathAuth, "",
					"x-auth-username", username, "x-auth-password", password, "x-client-id", tc.client.ID,
					"x-redirect-uri", redirectURI, "x-scope", scope))
				if tc.wantError == "" {
					if r.Status != http.StatusOK {
						t.Fatalf("%d %s, want a code", r.Status, r.Raw)
					}
					code := dialecttest.String(t, r.JSON, "code")
					tok := dialecttest.StandardToken(t, in, tc.client, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}})
					dialecttest.String(t, tok, "access_token")
					return
				}
				if r.Status != http.StatusBadRequest || r.JSON["error"] != tc.wantError || r.JSON["errorDescription"] == nil {
					t.Fatalf("%d %s, want 400 %s in the dialect's error shape", r.Status, r.Raw, tc.wantError)
				}
			})
		}
	})
}

// TestAnyScopeString: "scope ... you can set it to email or any other
// string": an eptura client accepts any scope and is granted the part it
// may have, its default when no part is allowed (RFC 6749 §3.3); the
// standard endpoint's answer says what was granted (issue 13 item 15).
func TestAnyScopeString(t *testing.T) {
	in := dialecttest.Start(t)
	in.CreateUser(t, username, password)
	// A web server app (confidential), so that it can introspect its own
	// tokens.
	spec := registry.ClientSpec{Name: "eptura app", Profile: eptura.Name, Scopes: []string{"email", "openid"},
		DefaultScopes: []string{"email"},
		GrantTypes:    []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantPassword},
		RedirectURIs:  []string{redirectURI}}
	if err := spec.ApplyProfile(dialects.Profile, registry.Explicit(registry.FieldPublic)); err != nil {
		t.Fatal(err)
	}
	if !spec.IntersectScopes || spec.Public {
		t.Fatalf("profile applied: %+v", spec)
	}
	c := in.CreateClient(t, spec)
	for _, tc := range []struct{ requested, granted string }{
		{"email", "email"},
		{"anything at all", "email"},
		{"openid whatever email", "openid email"},
	} {
		t.Run(tc.requested, func(t *testing.T) {
			r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+eptura.PathAuth, "",
				"x-auth-username", username, "x-auth-password", password, "x-client-id", c.ID,
				"x-redirect-uri", redirectURI, "x-scope", tc.requested))
			if r.Status != http.StatusOK {
				t.Fatalf("auth with scope %q: %d %s", tc.requested, r.Status, r.Raw)
			}
			tok := dialecttest.StandardToken(t, in, c, url.Values{"grant_type": {"authorization_code"},
				"code": {dialecttest.String(t, r.JSON, "code")}, "redirect_uri": {redirectURI}})
			if got := dialecttest.String(t, tok, "scope"); got != tc.granted {
				t.Errorf("granted scope %q, want %q", got, tc.granted)
			}
			// A refresh with "the same scope used to get the auth-code".
			rt := dialecttest.String(t, tok, "refresh_token")
			rr := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+eptura.PathToken, "",
				"x-grant-type", "refresh_token", "x-client-id", c.ID, "x-redirect-uri", redirectURI,
				"x-scope", tc.requested, "x-refresh-token", rt, "x-client-secret", c.Secret))
			if rr.Status != http.StatusOK {
				t.Fatalf("refresh with scope %q: %d %s", tc.requested, rr.Status, rr.Raw)
			}
			info := dialecttest.Introspect(t, in, c, dialecttest.String(t, rr.JSON, "access_token"))
			if got, _ := info.JSON["scope"].(string); got != tc.granted {
				t.Errorf("refreshed token scope %q, want %q (%s)", got, tc.granted, info.Raw)
			}
		})
	}
	// A standard client still gets invalid_scope for a scope it may not have.
	std := in.CreateClient(t, registry.ClientSpec{Name: "standard", Scopes: []string{"email"}})
	r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+"/oauth2/token", "grant_type=client_credentials&scope="+url.QueryEscape("email anything"),
		"Content-Type", "application/x-www-form-urlencoded", "Authorization", dialecttest.Basic(std.ID, std.Secret)))
	if r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_scope" {
		t.Errorf("standard client, unknown scope: %d %s", r.Status, r.Raw)
	}
}
