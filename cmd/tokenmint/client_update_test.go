package main

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestClientUpdate: only the members whose flags are given change.
func TestClientUpdate(t *testing.T) {
	e := testEnv(t)
	created := decode[clientView](t, e.ok(t, "", "client", "create", "--name", "svc", "--scope", "api", "--scope", "read",
		"--claim", "tier=gold", "--claim", "region=eu", "--api-key", "--output", "json"))
	id := created.ClientID

	v := decode[clientView](t, e.ok(t, "", "client", "update", id, "--access-ttl", "10m", "--name", "billing", "--claim", "tier=silver", "--claim", "region="))
	if v.Name != "billing" || v.AccessTTL != "10m0s" || !slices.Equal(v.Scopes, []string{"api", "read"}) ||
		!maps.Equal(v.Claims, map[string]string{"tier": "silver"}) || !v.HasAPIKey || v.ClientSecret != "" {
		t.Errorf("after update: %+v", v)
	}
	v = decode[clientView](t, e.ok(t, "", "client", "update", id, "--scope", "api", "--api-key=false", "--token-format", "opaque", "--idle-ttl", "5m"))
	if !slices.Equal(v.Scopes, []string{"api"}) || v.HasAPIKey || v.TokenFormat != "opaque" || v.IdleTTL != "5m0s" || v.AccessTTL != "10m0s" {
		t.Errorf("after second update: %+v", v)
	}
	got := decode[clientView](t, e.ok(t, "", "client", "get", id))
	got.UpdatedAt, v.UpdatedAt = v.UpdatedAt, got.UpdatedAt
	if !slices.Equal(got.Scopes, v.Scopes) || got.Name != "billing" {
		t.Errorf("get after update: %+v", got)
	}
	if r := e.ok(t, "", "client", "update", id, "--require-consent", "--output", "table"); !strings.Contains(r.stdout, "require_consent   true") {
		t.Errorf("table output:\n%s", r.stdout)
	}
}

// TestClientUpdateProfile: the EPC flags follow the client's profile, and
// moving a client to a profile fills the profile's defaults for the
// members not given.
func TestClientUpdateProfile(t *testing.T) {
	e := testEnv(t)
	epc := decode[clientView](t, e.ok(t, "", "client", "create", "--name", "partner", "--profile", "epc", "--output", "json"))
	v := decode[clientView](t, e.ok(t, "", "client", "update", epc.ClientID, "--environment", "Prod"))
	if v.Claims["environment"] != "Prod" || v.Claims["identity_type"] != "Partner" || v.Claims["encompass_client_id"] != epc.ClientID {
		t.Errorf("--environment on an epc client: %+v", v.Claims)
	}
	plain := decode[clientView](t, e.ok(t, "", "client", "create", "--name", "plain", "--scope", "api", "--output", "json"))
	r := e.exec(t, "", "client", "update", plain.ClientID, "--environment", "Prod")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--environment goes with the epc profile") {
		t.Errorf("--environment on a standard client: %d %s", r.code, r.stderr)
	}
	r = e.ok(t, "", "client", "update", plain.ClientID, "--profile", "epc", "--access-ttl", "30m")
	v = decode[clientView](t, r)
	if v.Profile != "epc" || v.TokenFormat != "opaque" || v.AccessTTL != "30m0s" || v.IdleTTL != "15m0s" ||
		!slices.Equal(v.Scopes, []string{"pc", "pcapi"}) || v.Claims["identity_type"] != "Partner" {
		t.Errorf("moved to epc: %+v", v)
	}
	if !strings.Contains(r.stderr, "--profile epc also set grant_types, scope, token_format, signing_alg, idle_ttl, intersect_scopes, claims") {
		t.Errorf("no note of the members the profile set: %q", r.stderr)
	}
}

func TestClientUpdateErrors(t *testing.T) {
	e := testEnv(t)
	id := decode[clientView](t, e.ok(t, "", "client", "create", "--name", "svc", "--output", "json")).ClientID
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"nothing", []string{id}, exitUsage, "nothing to change"},
		{"no id", []string{"--name", "x"}, exitUsage, "missing client ID"},
		{"id flag", []string{id, "--id", "other"}, exitUsage, "--id cannot change"},
		{"public", []string{id, "--public"}, exitUsage, "--public cannot change"},
		{"add api key", []string{id, "--api-key"}, exitUsage, "rotate-api-key"},
		{"unknown", []string{"nope", "--name", "x"}, exitFailure, `client "nope" not found`},
		{"invalid result", []string{id, "--grant-type", "authorization_code"}, exitUsage, "redirect"},
		{"idle on jwt", []string{id, "--idle-ttl", "5m"}, exitUsage, "idle"},
		{"bad ttl", []string{id, "--access-ttl", "soon"}, exitUsage, "--access-ttl: invalid duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.exec(t, "", append([]string{"client", "update"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || !strings.HasPrefix(r.stderr, "tokenmint: client update: ") {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
	if v := decode[clientView](t, e.ok(t, "", "client", "get", id)); v.Name != "svc" || !slices.Equal(v.GrantTypes, []string{"client_credentials"}) {
		t.Errorf("a refused update changed the client: %+v", v)
	}
}
