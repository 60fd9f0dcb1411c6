package main

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestClientProfiles: client create --profile gives each platform's
// documented defaults, and every explicit flag still overrides them
// (issue 13 item 16).
func TestClientProfiles(t *testing.T) {
	e := testEnv(t)
	create := func(t *testing.T, args ...string) clientView {
		t.Helper()
		return decode[clientView](t, e.ok(t, "", append([]string{"client", "create", "--output", "json"}, args...)...))
	}
	t.Run("epc", func(t *testing.T) {
		v := create(t, "--name", "partner", "--profile", "epc")
		want := map[string]string{"environment": "Test", "encompass_instance_id": "Test", "identity_type": "Partner", "encompass_client_id": v.ClientID}
		if v.Profile != "epc" || v.Public || v.TokenFormat != "opaque" || v.AccessTTL != "2h0m0s" || v.IdleTTL != "15m0s" ||
			!slices.Equal(v.GrantTypes, []string{"client_credentials"}) || !slices.Equal(v.Scopes, []string{"pc", "pcapi"}) ||
			!maps.Equal(v.Claims, want) || v.ClientSecret == "" {
			t.Errorf("epc defaults: %+v", v)
		}
		v = create(t, "--name", "partner", "--profile", "epc", "--environment", "Prod", "--encompass-client-id", "007001",
			"--claim", "encompass_instance_id=BE11", "--idle-ttl", "5m", "--access-ttl", "30m", "--scope", "pc")
		want = map[string]string{"environment": "Prod", "encompass_instance_id": "BE11", "identity_type": "Partner", "encompass_client_id": "007001"}
		if v.TokenFormat != "opaque" || v.IdleTTL != "5m0s" || v.AccessTTL != "30m0s" || !slices.Equal(v.Scopes, []string{"pc"}) || !maps.Equal(v.Claims, want) {
			t.Errorf("epc with explicit flags: %+v", v)
		}
	})
	if v := create(t, "--name", "partner", "--profile", "epc", "--token-format", "jwt"); v.TokenFormat != "jwt" || v.IdleTTL != "0s" || v.AccessTTL != "2h0m0s" {
		t.Errorf("epc with JWTs: %+v: want no idle lifetime, which JWTs cannot have", v)
	}
	t.Run("epicollect", func(t *testing.T) {
		v := create(t, "--name", "project app", "--profile", "epicollect")
		if _, err := strconv.ParseUint(v.ClientID, 10, 64); err != nil || v.ClientID[0] == '0' {
			t.Errorf("client_id %q is not a number, as Epicollect5's are", v.ClientID)
		}
		if v.AccessTTL != "2h0m0s" || v.SigningAlg != "RS256" || v.TokenFormat != "jwt" || !slices.Equal(v.GrantTypes, []string{"client_credentials"}) {
			t.Errorf("epicollect defaults: %+v", v)
		}
		if v := create(t, "--name", "app", "--profile", "epicollect", "--id", "153", "--access-ttl", "1h"); v.ClientID != "153" || v.AccessTTL != "1h0m0s" {
			t.Errorf("epicollect with explicit flags: %+v", v)
		}
	})
	t.Run("eptura", func(t *testing.T) {
		v := create(t, "--name", "workplace", "--profile", "eptura", "--redirect-uri", "https://app.example.com/callback")
		if !v.Public || v.ClientSecret != "" || !v.IntersectScopes || v.AllowNoPKCE ||
			!slices.Equal(v.GrantTypes, []string{"authorization_code", "refresh_token"}) || !slices.Equal(v.Scopes, []string{"email"}) {
			t.Errorf("eptura defaults: %+v", v)
		}
		r := e.ok(t, "", "client", "create", "--name", "web", "--profile", "eptura", "--public=false", "--allow-no-pkce=false",
			"--intersect-scopes=false", "--grant-type", "authorization_code", "--redirect-uri", "https://app.example.com/callback")
		if v := decode[clientView](t, r); v.Public || v.ClientSecret == "" || v.IntersectScopes || !slices.Equal(v.GrantTypes, []string{"authorization_code"}) {
			t.Errorf("eptura with explicit flags: %+v", v)
		}
		r = e.ok(t, "", "client", "create", "--name", "spa", "--profile", "eptura", "--allow-no-pkce", "--redirect-uri", "https://app.example.com/callback")
		if v := decode[clientView](t, r); !v.AllowNoPKCE || !strings.Contains(r.stderr, "warning: --allow-no-pkce") {
			t.Errorf("--allow-no-pkce: %+v, stderr %q: want the opt-out and a warning", v, r.stderr)
		}
	})
	t.Run("empowerid", func(t *testing.T) {
		v := create(t, "--name", "eid", "--profile", "empowerid", "--redirect-uri", "https://sso.example.com/webidpforms/oauth/v2")
		if v.APIKey == "" || !v.HasAPIKey || v.ClientSecret == "" || v.AccessTTL != "1h0m0s" ||
			!slices.Equal(v.GrantTypes, []string{"password", "refresh_token"}) {
			t.Errorf("empowerid defaults: %+v", v)
		}
		if v := create(t, "--name", "eid", "--profile", "empowerid", "--api-key=false", "--access-ttl", "10m"); v.HasAPIKey || v.AccessTTL != "10m0s" {
			t.Errorf("empowerid with explicit flags: %+v", v)
		}
	})
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown profile", []string{"--profile", "keycloak"}, "--profile: invalid value"},
		{"no-PKCE opt-out without a profile", []string{"--public", "--grant-type", "authorization_code", "--redirect-uri", "https://a.example/cb", "--allow-no-pkce"}, "--allow-no-pkce needs a --profile"},
		{"no-PKCE opt-out for a platform without such a flow", []string{"--profile", "epc", "--allow-no-pkce"}, "documents no browser flow without PKCE"},
		{"no-PKCE opt-out on a confidential client", []string{"--profile", "eptura", "--public=false", "--allow-no-pkce", "--redirect-uri", "https://a.example/cb"}, "allow-no-pkce is for public clients"},
		{"EPC claim flag without the EPC profile", []string{"--environment", "Prod"}, "--environment goes with --profile epc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.exec(t, "", append([]string{"client", "create", "--name", "x"}, tc.args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.wantErr) {
				t.Errorf("exit %d, stderr %q: want exit %d mentioning %q", r.code, r.stderr, exitUsage, tc.wantErr)
			}
		})
	}
}
