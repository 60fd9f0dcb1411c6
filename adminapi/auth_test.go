package adminapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// challengeOf checks a 401 or 403 answer's RFC 6750 §3 challenge and
// returns it.
func challengeOf(t *testing.T, r reply) string {
	t.Helper()
	c := r.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(c, `Bearer realm="tokenmint"`) {
		t.Fatalf("WWW-Authenticate %q, want a Bearer challenge", c)
	}
	return c
}

// TestAuthentication: who may call the admin API (RFC 6750): no token or
// another scheme is told how to authenticate without an error code; a
// token that is not an active access token of this server's, or whose
// client is public or gone, is invalid_token; a malformed header is
// invalid_request.
func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	list := func(h string) reply {
		hdr := http.Header{}
		if h != "" {
			hdr.Set("Authorization", h)
		}
		return e.do(call{method: http.MethodGet, path: adminapi.PathClients, header: hdr, hostile: true})
	}

	for _, h := range []string{"", "Basic " + basic(e.ops.ID, e.ops.Secret), "Digest x"} {
		r := list(h)
		want(t, r, http.StatusUnauthorized)
		if c := challengeOf(t, r); c != `Bearer realm="tokenmint"` {
			t.Errorf("Authorization %q: challenge %q, want one without an error (RFC 6750 §3.1)", h, c)
		}
		if p := r.problem(t); p.Code != "unauthorized" {
			t.Errorf("Authorization %q: error %q", h, p.Code)
		}
	}
	for _, h := range []string{"Bearer", "Bearer ", "Bearer a b", "Bearer \ta"} {
		r := list(h)
		want(t, r, http.StatusBadRequest)
		if p := r.problem(t); p.Code != "invalid_request" || !strings.Contains(challengeOf(t, r), `error="invalid_request"`) {
			t.Errorf("Authorization %q: %+v", h, p)
		}
	}

	// An ID token, a refresh token and a made-up JWT are not access tokens.
	pub := e.in.CreateClient(t, registry.ClientSpec{Name: "pub", Public: true, GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken},
		Scopes: []string{adminapi.ScopeAdmin, "openid"}})
	e.in.CreateUser(t, "mallory", "correct horse battery")
	userTok := passwordGrant(t, e.in, pub.ID, "mallory", "correct horse battery", "tokenmint:admin openid")
	for name, tok := range map[string]string{
		"garbage":         "not-a-token",
		"made-up JWT":     "eyJhbGciOiJub25lIn0.eyJzY29wZSI6InRva2VubWludDphZG1pbiJ9.",
		"opaque-looking":  "tmat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"refresh token":   userTok.RefreshToken,
		"ID token":        userTok.IDToken,
		"public client's": userTok.AccessToken,
	} {
		if tok == "" {
			t.Fatalf("the password grant gave no %s", name)
		}
		t.Run(name, func(t *testing.T) {
			r := list("Bearer " + tok)
			want(t, r, http.StatusUnauthorized)
			if c := challengeOf(t, r); !strings.Contains(c, `error="invalid_token"`) {
				t.Errorf("challenge %q, want error=\"invalid_token\"", c)
			}
			if p := r.problem(t); p.Code != "invalid_token" {
				t.Errorf("error %q", p.Code)
			}
		})
	}
	// A token in the query string is not read (RFC 6750 §2.3 is not offered).
	want(t, e.do(call{method: http.MethodGet, path: adminapi.PathClients + "?access_token=" + url.QueryEscape(e.token), hostile: true}), http.StatusUnauthorized)

	// Expired: the clock passes the token's lifetime.
	short := e.in.CreateClient(t, registry.ClientSpec{Name: "short", Scopes: []string{adminapi.ScopeAdmin}, AccessTTL: time.Minute})
	tok := e.tokenFor(short, "")
	want(t, list("Bearer "+tok), http.StatusOK)
	e.in.Clock.Advance(time.Minute)
	r := list("Bearer " + tok)
	want(t, r, http.StatusUnauthorized)
	challengeOf(t, r)

	// A deleted client's token, and a revoked one.
	gone := e.in.CreateClient(t, registry.ClientSpec{Name: "gone", Scopes: []string{adminapi.ScopeAdmin}})
	goneTok := e.tokenFor(gone, "")
	want(t, e.admin(http.MethodDelete, adminapi.PathClients+"/"+gone.ID, nil), http.StatusNoContent)
	want(t, list("Bearer "+goneTok), http.StatusUnauthorized)
	opaque := e.in.CreateClient(t, registry.ClientSpec{Name: "opaque", Scopes: []string{adminapi.ScopeAdmin}, TokenFormat: tokenmint.FormatOpaque})
	opaqueTok := e.tokenFor(opaque, "")
	want(t, list("Bearer "+opaqueTok), http.StatusOK)
	want(t, e.admin(http.MethodPost, adminapi.PathClients+"/"+opaque.ID+"/revoke-tokens", nil), http.StatusNoContent)
	want(t, list("Bearer "+opaqueTok), http.StatusUnauthorized)
}

// TestScopes: each narrower scope opens its own routes and no others; a
// write scope also reads; a scope taken from the client ends at once,
// though its tokens still carry it.
func TestScopes(t *testing.T) {
	e := newEnv(t)
	routes := map[string]call{
		"clients:read":  {method: http.MethodGet, path: adminapi.PathClients},
		"clients:write": {method: http.MethodPost, path: adminapi.PathClients + "/" + e.ops.ID + "/api-key"},
		"users:read":    {method: http.MethodGet, path: adminapi.PathUsers},
		"users:write":   {method: http.MethodPost, path: adminapi.PathUsers, body: map[string]any{"username": "u" + time.Now().Format("150405.000000"), "password": "long enough pw"}},
		"keys":          {method: http.MethodGet, path: adminapi.PathKeys},
		"audit":         {method: http.MethodGet, path: adminapi.PathAudit},
	}
	allowed := map[string][]string{
		adminapi.ScopeClientsRead:  {"clients:read"},
		adminapi.ScopeClientsWrite: {"clients:read", "clients:write"},
		adminapi.ScopeUsersRead:    {"users:read"},
		adminapi.ScopeUsersWrite:   {"users:read", "users:write"},
		adminapi.ScopeKeysWrite:    {"keys"},
		adminapi.ScopeAuditRead:    {"audit"},
		"api":                      nil,
	}
	needs := map[string]string{"clients:read": adminapi.ScopeClientsRead, "clients:write": adminapi.ScopeClientsWrite,
		"users:read": adminapi.ScopeUsersRead, "users:write": adminapi.ScopeUsersWrite, "keys": adminapi.ScopeKeysWrite, "audit": adminapi.ScopeAuditRead}
	for scope, ok := range allowed {
		t.Run(scope, func(t *testing.T) {
			c := e.in.CreateClient(t, registry.ClientSpec{Name: scope, Scopes: []string{scope}})
			tok := e.tokenFor(c, "")
			for name, route := range routes {
				route.token = tok
				route.hostile = true
				if b, isMap := route.body.(map[string]any); isMap && b["username"] != nil {
					b = map[string]any{"username": "u-" + strings.ReplaceAll(scope, ":", "-") + "-" + name, "password": "long enough pw"}
					route.body = b
				}
				r := e.do(route)
				if contains(ok, name) {
					if r.status >= 300 && r.status != http.StatusNotImplemented {
						t.Errorf("%s with %s: %d %s", name, scope, r.status, r.body)
					}
					continue
				}
				want(t, r, http.StatusForbidden)
				p := r.problem(t)
				c := challengeOf(t, r)
				if p.Code != "insufficient_scope" || p.Scope != needs[name] || !strings.Contains(c, `error="insufficient_scope"`) || !strings.Contains(c, `scope="`+needs[name]+`"`) {
					t.Errorf("%s with %s: %+v, challenge %q", name, scope, p, c)
				}
			}
		})
	}

	// Taking the scope from the client ends it for the tokens it has.
	c := e.in.CreateClient(t, registry.ClientSpec{Name: "demoted", Scopes: []string{adminapi.ScopeAdmin, "api"}})
	tok := e.tokenFor(c, adminapi.ScopeAdmin)
	want(t, e.do(call{method: http.MethodGet, path: adminapi.PathKeys, token: tok}), http.StatusOK)
	want(t, e.admin(http.MethodPatch, adminapi.PathClients+"/"+c.ID, map[string]any{"scope": "api"}), http.StatusOK)
	want(t, e.do(call{method: http.MethodGet, path: adminapi.PathKeys, token: tok, hostile: true}), http.StatusForbidden)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func basic(id, secret string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(id, secret)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	ExpiresIn    int    `json:"expires_in"`
}

// passwordGrant signs a user in with the password grant of a public
// client.
func passwordGrant(t *testing.T, in *servertest.Instance, clientID, username, pw, scope string) tokenResponse {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "client_id": {clientID}, "username": {username}, "password": {pw}, "scope": {scope}}
	resp, err := http.PostForm(in.URL+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("password grant: %d %v", resp.StatusCode, err)
	}
	return tr
}
