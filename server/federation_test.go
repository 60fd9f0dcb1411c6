package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// jwtPayload decodes the claims of a JWT without verifying it (the
// tokens come from the server under test).
func jwtPayload(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const ciAudience = "https://tokenmint.test/ci"

// ciClient registers a public client whose only grant is jwt-bearer,
// trusting the issuer for one repository's branches (as GitHub Actions
// OIDC names them).
func ciClient(t *testing.T, in *servertest.Instance, is *servertest.Issuer) servertest.Client {
	return in.CreateClient(t, registry.ClientSpec{
		Public: true, AuthMethod: tokenmint.AuthMethodNone,
		GrantTypes: []string{tokenmint.GrantJWTBearer}, Scopes: []string{"deploy", "read"},
		JWTBearerTrusts: []tokenmint.JWTTrust{{Issuer: is.URL, Audience: ciAudience,
			Subject: "repo:org/app:ref:refs/heads/*",
			Claims:  []tokenmint.ClaimCondition{{Name: "repository", Value: "org/app"}},
			Scopes:  []string{"deploy"}}},
	})
}

func jwtBearerForm(clientID, assertion string, kv ...string) url.Values {
	f := url.Values{"grant_type": {tokenmint.GrantJWTBearer}, "client_id": {clientID}, "assertion": {assertion}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// TestJWTBearerWorkloadIdentity: a CI job's JWT from the trusted issuer
// becomes an access token of the public client, with the namespaced
// subject and the trust's scopes, no refresh token; on SQLite and
// PostgreSQL, the assertion is single-use.
func TestJWTBearerWorkloadIdentity(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			in := servertest.Start(t, func(c *config.Config) {
				c.AllowPrivateFetch = true
				if backend == "postgres" {
					c.Database = storetest.PostgresDSN(t)
				}
			})
			is := servertest.NewIssuer(t, in.Clock)
			c := ciClient(t, in, is)
			claims := is.Claims("repo:org/app:ref:refs/heads/main", ciAudience)
			claims["repository"] = "org/app"
			assertion := is.Sign(t, claims)
			status, h, body := post(t, in.URL+"/oauth2/token", jwtBearerForm(c.ID, assertion), "", "")
			if status != http.StatusOK {
				t.Fatalf("jwt-bearer: %d %v", status, body)
			}
			if h.Get("Cache-Control") != "no-store" || body["refresh_token"] != nil || body["scope"] != "deploy" || body["token_type"] != "Bearer" {
				t.Fatalf("response: %v %v", h, body)
			}
			at := jwtPayload(t, body["access_token"].(string))
			if at["sub"] != is.URL+"#repo:org/app:ref:refs/heads/main" || at["client_id"] != c.ID {
				t.Fatalf("access token claims: %v", at)
			}
			status, h, body = post(t, in.URL+"/oauth2/token", jwtBearerForm(c.ID, assertion), "", "")
			wantError(t, status, h, body, http.StatusBadRequest, "invalid_grant")
			if !strings.Contains(body["error_description"].(string), "used before") {
				t.Fatalf("replay: %v", body)
			}
		})
	}
}

// TestJWTBearerHostile: every assertion that is not exactly what the
// client trusts is refused with invalid_grant (RFC 7523 §3.1), the
// request errors with their own codes.
func TestJWTBearerHostile(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) { c.AllowPrivateFetch = true })
	is := servertest.NewIssuer(t, in.Clock)
	other := servertest.NewIssuer(t, in.Clock)
	c := ciClient(t, in, is)
	good := func() map[string]any {
		m := is.Claims("repo:org/app:ref:refs/heads/main", ciAudience)
		m["repository"] = "org/app"
		return m
	}
	edited := func(edit func(m map[string]any)) string {
		m := good()
		edit(m)
		return is.Sign(t, m)
	}
	now := in.Clock.Now()
	noneJWT := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString(mustJSON(t, good())) + "."
	for _, tc := range []struct {
		name      string
		assertion string
		extra     []string
		code      string
	}{
		{"wrong subject", edited(func(m map[string]any) { m["sub"] = "repo:org/app:ref:refs/tags/v1" }), nil, "invalid_grant"},
		{"subject of another repository", edited(func(m map[string]any) { m["sub"] = "repo:org/app-evil:ref:refs/heads/main" }), nil, "invalid_grant"},
		{"claim condition unmet", edited(func(m map[string]any) { m["repository"] = "org/other" }), nil, "invalid_grant"},
		{"claim condition missing", edited(func(m map[string]any) { delete(m, "repository") }), nil, "invalid_grant"},
		{"wrong audience", edited(func(m map[string]any) { m["aud"] = "https://elsewhere.example" }), nil, "invalid_grant"},
		{"expired", edited(func(m map[string]any) { m["exp"] = now.Add(-time.Minute).Unix() }), nil, "invalid_grant"},
		{"exp too far ahead", edited(func(m map[string]any) { m["exp"] = now.Add(2 * time.Hour).Unix() }), nil, "invalid_grant"},
		{"no exp", edited(func(m map[string]any) { delete(m, "exp") }), nil, "invalid_grant"},
		{"not yet valid", edited(func(m map[string]any) { m["nbf"] = now.Add(10 * time.Minute).Unix() }), nil, "invalid_grant"},
		{"issued in the future", edited(func(m map[string]any) { m["iat"] = now.Add(10 * time.Minute).Unix() }), nil, "invalid_grant"},
		{"issuer not trusted for this client", func() string { m := good(); m["iss"] = other.URL; return other.Sign(t, m) }(), nil, "invalid_grant"},
		{"issuer claimed, signed by another", func() string { return other.Sign(t, good()) }(), nil, "invalid_grant"},
		{"alg none", noneJWT, nil, "invalid_grant"},
		{"HS256", servertest.SignJWT(t, []byte(strings.Repeat("k", 32)), "HS256", "", good()), nil, "invalid_grant"},
		{"not a JWT", "not-a-jwt", nil, "invalid_grant"},
		{"oversized", strings.Repeat("a", 20<<10), nil, "invalid_grant"},
		{"missing assertion", "", nil, "invalid_request"},
		{"scope beyond the trust", is.Sign(t, good()), []string{"scope", "read"}, "invalid_scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := post(t, in.URL+"/oauth2/token", jwtBearerForm(c.ID, tc.assertion, tc.extra...), "", "")
			wantError(t, status, h, body, http.StatusBadRequest, tc.code)
		})
	}
	t.Run("unknown kid, then the rotated key once a minute has passed", func(t *testing.T) {
		is.Rotate(t, true)
		fetches := is.KeyFetches.Load()
		status, h, body := post(t, in.URL+"/oauth2/token", jwtBearerForm(c.ID, is.Sign(t, good())), "", "")
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_grant")
		if is.KeyFetches.Load() != fetches {
			t.Fatalf("refetched within a minute of the last fetch")
		}
		in.Clock.Advance(61 * time.Second)
		status, _, body = post(t, in.URL+"/oauth2/token", jwtBearerForm(c.ID, is.Sign(t, good())), "", "")
		if status != http.StatusOK || is.KeyFetches.Load() != fetches+1 {
			t.Fatalf("after a minute: %d %v, %d fetches", status, body, is.KeyFetches.Load()-fetches)
		}
		is.Rotate(t, false) // signs with a key it never publishes
		in.Clock.Advance(61 * time.Second)
		status, h, body = post(t, in.URL+"/oauth2/token", jwtBearerForm(c.ID, is.Sign(t, good())), "", "")
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("a client without the grant", func(t *testing.T) {
		cc := in.CreateClient(t, registry.ClientSpec{Scopes: []string{"deploy"}})
		status, h, body := post(t, in.URL+"/oauth2/token", jwtBearerForm("", is.Sign(t, good())), cc.ID, cc.Secret)
		wantError(t, status, h, body, http.StatusBadRequest, "unauthorized_client")
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
