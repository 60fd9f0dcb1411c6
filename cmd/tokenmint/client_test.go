package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

// clientJSONKeys is the exact key set of a client object without secrets.
var clientJSONKeys = []string{
	"access_ttl", "allow_no_pkce", "allow_plain_pkce", "audience", "backchannel_logout_session_required", "claims",
	"client_id", "created_at", "default_scopes", "dpop_bound_access_tokens", "grant_types", "has_api_key", "idle_ttl",
	"intersect_scopes", "introspection_signed_response_alg", "jwt_bearer_trusts", "name", "profile", "public",
	"redirect_uris", "refresh_ttl", "require_consent", "require_pushed_authorization_requests",
	"require_signed_request_object", "resources", "scopes", "signing_alg", "tls_client_certificate_bound_access_tokens",
	"token_endpoint_auth_method", "token_exchange_audiences", "token_exchange_subject_issuers", "token_format",
	"updated_at",
}

func withKeys(extra ...string) []string {
	return slices.Sorted(slices.Values(append(slices.Clone(clientJSONKeys), extra...)))
}

func TestClientCreateJSON(t *testing.T) {
	e := testEnv(t)
	r := e.ok(t, "", "client", "create", "--name", "Billing service", "--id", "billing",
		"--grant-type", "client_credentials", "--grant-type", "refresh_token",
		"--scope", "invoices:read", "--scope", "invoices:write", "--default-scope", "invoices:read",
		"--audience", "https://api.example", "--token-format", "opaque", "--signing-alg", "EdDSA",
		"--access-ttl", "15m", "--idle-ttl", "5m", "--refresh-ttl", "48h",
		"--claim", "tenant=acme", "--claim", "tier=gold", "--api-key", "--require-consent", "--output", "json")
	if got, want := jsonKeys(t, r), withKeys("client_secret", "api_key"); !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	v := decode[clientView](t, r)
	want := clientView{
		ClientID: "billing", ClientSecret: v.ClientSecret, APIKey: v.APIKey, Name: "Billing service",
		HasAPIKey: true, GrantTypes: []string{"client_credentials", "refresh_token"},
		Scopes: []string{"invoices:read", "invoices:write"}, DefaultScopes: []string{"invoices:read"},
		RedirectURIs: []string{}, Audience: []string{"https://api.example"}, TokenFormat: "opaque", SigningAlg: "EdDSA",
		AccessTTL: "15m0s", IdleTTL: "5m0s", RefreshTTL: "48h0m0s", Claims: map[string]string{"tenant": "acme", "tier": "gold"},
		RequireConsent: true, CreatedAt: testNow, UpdatedAt: testNow,
	}
	if !equalViews(v, want) {
		t.Errorf("client\n got %+v\nwant %+v", v, want)
	}
	if !strings.HasPrefix(v.ClientSecret, token.PrefixClientSecret) || !strings.HasPrefix(v.APIKey, token.PrefixAPIKey) {
		t.Errorf("credentials lack their prefixes: %q, %q", v.ClientSecret, v.APIKey)
	}
	if !strings.Contains(r.stderr, "created master key file") {
		t.Errorf("no warning about the new master key file: %q", r.stderr)
	}
	assertStoredHashes(t, e, v)
}

func equalViews(a, b clientView) bool {
	return a.ClientID == b.ClientID && a.ClientSecret == b.ClientSecret && a.APIKey == b.APIKey && a.Name == b.Name &&
		a.Public == b.Public && a.HasAPIKey == b.HasAPIKey && slices.Equal(a.GrantTypes, b.GrantTypes) &&
		slices.Equal(a.Scopes, b.Scopes) && slices.Equal(a.DefaultScopes, b.DefaultScopes) &&
		slices.Equal(a.RedirectURIs, b.RedirectURIs) && slices.Equal(a.Audience, b.Audience) &&
		a.TokenFormat == b.TokenFormat && a.SigningAlg == b.SigningAlg && a.AccessTTL == b.AccessTTL &&
		a.IdleTTL == b.IdleTTL && a.RefreshTTL == b.RefreshTTL && len(a.Claims) == len(b.Claims) &&
		a.Claims["tenant"] == b.Claims["tenant"] && a.Claims["tier"] == b.Claims["tier"] &&
		a.AllowPlainPKCE == b.AllowPlainPKCE && a.RequireConsent == b.RequireConsent &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

// assertStoredHashes checks the printed credentials verify against what
// the database holds, under the key in the created key file.
func assertStoredHashes(t *testing.T, e env, v clientView) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(e.dir(), "tokenmint.key"))
	if err != nil {
		t.Fatalf("master key file: %v", err)
	}
	mk, err := token.ParseMasterKey(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := token.NewHasher(mk.Derive(token.PurposeSecretHash))
	db, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(e.dir(), "tokenmint.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.GetClient(context.Background(), v.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if v.ClientSecret != "" && !h.Verify(v.ClientSecret, c.SecretHash) {
		t.Error("printed client secret does not match the stored hash")
	}
	if v.APIKey != "" && !h.Verify(v.APIKey, c.APIKeyHash) {
		t.Error("printed API key does not match the stored hash")
	}
}

func TestClientCreateDefaultsAndPublic(t *testing.T) {
	e := testEnv(t)
	r := e.ok(t, "", "client", "create", "--name", "svc")
	if got := jsonKeys(t, r); !slices.Equal(got, withKeys("client_secret")) {
		t.Errorf("keys %v: want client_secret and no api_key", got)
	}
	v := decode[clientView](t, r)
	if !slices.Equal(v.GrantTypes, []string{"client_credentials"}) || v.TokenFormat != "jwt" || v.AccessTTL != "1h0m0s" ||
		v.RefreshTTL != "720h0m0s" || v.IdleTTL != "0s" || v.ClientID == "" || strings.HasPrefix(v.ClientID, "-") {
		t.Errorf("defaults: %+v", v)
	}
	r = e.ok(t, "", "client", "create", "--name", "spa", "--public", "--grant-type", "authorization_code",
		"--redirect-uri", "https://app.example/cb", "--allow-plain-pkce")
	if got := jsonKeys(t, r); !slices.Equal(got, clientJSONKeys) {
		t.Errorf("public client keys %v: want no client_secret", got)
	}
	if v := decode[clientView](t, r); !v.Public || !v.AllowPlainPKCE || !slices.Equal(v.RedirectURIs, []string{"https://app.example/cb"}) {
		t.Errorf("public client: %+v", v)
	}
	if strings.Contains(r.stderr, "created master key file") {
		t.Error("the master key file was created twice")
	}
}

// TestClientCreateRedirectURIs: loopback and reverse-domain redirect URIs
// are accepted; localhost too, with a warning (RFC 8252 §8.3).
func TestClientCreateRedirectURIs(t *testing.T) {
	e := testEnv(t)
	r := e.ok(t, "", "client", "create", "--name", "native", "--public", "--grant-type", "authorization_code",
		"--redirect-uri", "http://127.0.0.1:41999/cb", "--redirect-uri", "http://[::1]/cb", "--redirect-uri", "com.example.app:/cb")
	if strings.Contains(r.stderr, "redirect URI") {
		t.Errorf("warning for loopback IP literals: %q", r.stderr)
	}
	r = e.ok(t, "", "client", "create", "--name", "dev", "--public", "--grant-type", "authorization_code",
		"--redirect-uri", "http://localhost:3000/callback")
	want := "tokenmint: warning: redirect URI http://localhost:3000/callback names localhost; prefer 127.0.0.1 or [::1] (RFC 8252 §8.3)\n"
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q lacks %q", r.stderr, want)
	}
}

func TestClientCreateTable(t *testing.T) {
	r := testEnv(t).ok(t, "", "client", "create", "--name", "svc", "--id", "svc", "--scope", "a", "--output", "table")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if !strings.HasPrefix(lines[0], "client_id ") || !strings.HasSuffix(lines[0], " svc") {
		t.Errorf("first row %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "client_secret ") || !strings.Contains(lines[1], token.PrefixClientSecret) {
		t.Errorf("second row %q", lines[1])
	}
	for _, want := range []string{"scopes            a", "redirect_uris     -", "token_format      jwt", "created_at        2026-03-01T12:00:00Z"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestClientLifecycle(t *testing.T) {
	e := testEnv(t)
	created := decode[clientView](t, e.ok(t, "", "client", "create", "--name", "one", "--id", "c1", "--api-key"))
	e.ok(t, "", "client", "create", "--name", "two\x1b[31m", "--id", "c2")

	got := e.ok(t, "", "client", "get", "c1")
	if keys := jsonKeys(t, got); !slices.Equal(keys, clientJSONKeys) {
		t.Errorf("get printed keys %v: secrets must not appear", keys)
	}
	if v := decode[clientView](t, got); v.ClientID != "c1" || !v.HasAPIKey {
		t.Errorf("get: %+v", v)
	}
	if r := e.ok(t, "", "client", "get", "c1", "--output", "table"); !strings.Contains(r.stdout, "has_api_key       true") {
		t.Errorf("get table:\n%s", r.stdout)
	}

	list := e.ok(t, "", "client", "list")
	rows := strings.Split(strings.TrimSpace(list.stdout), "\n")
	if len(rows) != 3 || !strings.HasPrefix(rows[0], "CLIENT_ID") || !strings.HasPrefix(rows[1], "c1 ") || !strings.HasPrefix(rows[2], "c2 ") {
		t.Errorf("list table:\n%s", list.stdout)
	}
	if strings.Contains(list.stdout, "\x1b") {
		t.Error("list printed a terminal escape sequence from a client name")
	}
	views := decode[[]clientView](t, e.ok(t, "", "client", "list", "--output", "json"))
	if len(views) != 2 || views[0].ClientID != "c1" || views[0].ClientSecret != "" {
		t.Errorf("list json: %+v", views)
	}
	for _, out := range []string{got.stdout, list.stdout} {
		if strings.Contains(out, created.ClientSecret) || strings.Contains(out, created.APIKey) {
			t.Error("a secret was printed by get or list")
		}
	}

	rot := decode[map[string]string](t, e.ok(t, "", "client", "rotate-secret", "c1"))
	if rot["client_id"] != "c1" || rot["client_secret"] == created.ClientSecret || len(rot) != 2 {
		t.Errorf("rotate-secret printed %v", rot)
	}
	assertStoredHashes(t, e, clientView{ClientID: "c1", ClientSecret: rot["client_secret"]})
	key := decode[map[string]string](t, e.ok(t, "", "client", "rotate-api-key", "c1"))
	if !strings.HasPrefix(key["api_key"], token.PrefixAPIKey) || key["api_key"] == created.APIKey {
		t.Errorf("rotate-api-key printed %v", key)
	}
	assertStoredHashes(t, e, clientView{ClientID: "c1", APIKey: key["api_key"]})
	if r := e.ok(t, "", "client", "rotate-secret", "c2", "--output", "table"); !strings.Contains(r.stdout, "client_secret  tmcs_") {
		t.Errorf("rotate-secret table:\n%s", r.stdout)
	}

	if r := e.ok(t, "", "client", "delete", "c1"); r.stdout != "deleted client c1\n" {
		t.Errorf("delete printed %q", r.stdout)
	}
	if d := decode[map[string]any](t, e.ok(t, "", "client", "delete", "c2", "--output", "json")); d["client_id"] != "c2" || d["deleted"] != true {
		t.Errorf("delete json printed %v", d)
	}
	if r := e.ok(t, "", "client", "list", "--output", "json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("list after deleting everything: %q", r.stdout)
	}
}

func TestClientIDStartingWithDash(t *testing.T) {
	e := testEnv(t)
	e.ok(t, "", "client", "create", "--name", "x", "--id", "-dash")
	if v := decode[clientView](t, e.ok(t, "", "client", "get", "--output", "json", "--", "-dash")); v.ClientID != "-dash" {
		t.Errorf("got %q", v.ClientID)
	}
	r := e.exec(t, "", "client", "get", "-dash")
	if r.code != exitUsage || !strings.Contains(r.stderr, "put -- before an argument that starts with -") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestClientCreateResources: --resource (repeatable) registers the
// resource indicators a client may ask for (RFC 8707), and
// --introspection-signed-response-alg its JWT introspection alg (RFC
// 9701 §6); a resource that is not an absolute URI without a fragment is
// a usage error.
func TestClientCreateResources(t *testing.T) {
	e := testEnv(t)
	r := e.ok(t, "", "client", "create", "--name", "api caller", "--id", "rc",
		"--resource", "https://orders.example/api", "--resource", "urn:example:ledger",
		"--introspection-signed-response-alg", "ES256")
	v := decode[clientView](t, r)
	if !slices.Equal(v.Resources, []string{"https://orders.example/api", "urn:example:ledger"}) || v.IntrospectionAlg != "ES256" {
		t.Errorf("resources %v, introspection alg %q", v.Resources, v.IntrospectionAlg)
	}
	if r := e.ok(t, "", "client", "get", "rc", "--output", "table"); !strings.Contains(r.stdout, "https://orders.example/api,urn:example:ledger") ||
		!strings.Contains(r.stdout, "introspection_alg") {
		t.Errorf("get table:\n%s", r.stdout)
	}
	for _, bad := range [][]string{
		{"--resource", "/relative"}, {"--resource", "https://orders.example/#f"}, {"--resource", ""},
		{"--resource", "urn:x", "--resource", "urn:x"}, {"--introspection-signed-response-alg", "HS256"},
	} {
		r := e.exec(t, "", append([]string{"client", "create", "--name", "bad"}, bad...)...)
		if r.code != exitUsage || r.stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", bad, r.code, r.stderr)
		}
	}
}
