package manifest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newRegistry(t *testing.T) *registry.Registry {
	t.Helper()
	db, err := sqlstore.OpenSQLite(context.Background(), sqlstore.MemoryPath, sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &registry.Registry{
		Store:     db,
		Secrets:   token.NewHasher([]byte("0123456789abcdef0123456789abcdef")),
		Passwords: password.NewHasher(password.Params{Memory: 64, Iterations: 1, Parallelism: 1}),
		Now:       func() time.Time { return testNow },
		Profiles:  dialects.Profile,
	}
}

func mustParse(t *testing.T, text string) *Manifest {
	t.Helper()
	m, err := Parse("test.yaml", []byte(text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

func apply(t *testing.T, reg *registry.Registry, m *Manifest, env map[string]string) Result {
	t.Helper()
	res, err := Apply(context.Background(), m, Options{Registry: reg, Env: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

const sample = `
clients:
  - client_id: billing
    client_name: Billing
    scope: api read
    access_token_ttl: 600
    client_secret: {env: BILLING_SECRET}
  - client_id: web
    client_name: Web app
    grant_types: [authorization_code, refresh_token]
    redirect_uris: [https://app.example.com/cb]
    token_endpoint_auth_method: none
    scope: openid profile
  - client_id: partner
    client_name: Partner
    profile: epc
    claims: {environment: Prod}
users:
  - username: alice
    email: alice@example.com
    roles: [admin]
    password: {env: ALICE_PASSWORD}
  - username: bob
    disabled: true
`

var sampleEnv = map[string]string{"BILLING_SECRET": "billing-secret-0123456789", "ALICE_PASSWORD": "a long passphrase"}

// TestApplyIdempotent: the first apply creates everything (generating
// what has no reference), the second changes nothing.
func TestApplyIdempotent(t *testing.T) {
	reg := newRegistry(t)
	ctx := context.Background()
	res := apply(t, reg, mustParse(t, sample), sampleEnv)
	if !res.Changed() || len(res.Clients) != 3 || len(res.Users) != 2 {
		t.Fatalf("first apply: %+v", res)
	}
	for _, c := range res.Clients {
		if c.Action != Created {
			t.Errorf("client %s: %s, want created", c.ClientID, c.Action)
		}
	}
	if res.Clients[0].ClientSecret != "" || res.Clients[1].ClientSecret != "" || !strings.HasPrefix(res.Clients[2].ClientSecret.Reveal(), token.PrefixClientSecret) {
		t.Errorf("generated secrets: %+v", res.Clients)
	}
	if res.Users[0].Password != "" || res.Users[1].Password == "" {
		t.Errorf("generated passwords: %+v", res.Users)
	}
	billing, err := reg.Store.GetClient(ctx, "billing")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := reg.SecretMatches(&billing, token.Secret(sampleEnv["BILLING_SECRET"])); !ok || billing.AccessTTL != 10*time.Minute {
		t.Errorf("billing: secret from the reference %v, record %+v", ok, billing)
	}
	partner, _ := reg.Store.GetClient(ctx, "partner")
	if partner.TokenFormat != tokenmint.FormatOpaque || partner.Claims["environment"] != "Prod" || partner.Claims["encompass_client_id"] != "partner" {
		t.Errorf("profile defaults not applied: %+v", partner)
	}
	bob, _ := reg.Store.GetUserByUsername(ctx, "bob")
	if !bob.Disabled() {
		t.Error("bob should be disabled")
	}

	again := apply(t, reg, mustParse(t, sample), sampleEnv)
	if again.Changed() {
		t.Errorf("second apply changed something: %+v", again)
	}
}

// TestApplyUpdates: a changed member, a member left out (back to its
// default), a new secret reference and a changed password are applied,
// and reported by name.
func TestApplyUpdates(t *testing.T) {
	reg := newRegistry(t)
	ctx := context.Background()
	apply(t, reg, mustParse(t, sample), sampleEnv)
	changed := strings.NewReplacer("access_token_ttl: 600", "audience: [https://api.example.com]", "scope: api read", "scope: api").Replace(sample)
	env := map[string]string{"BILLING_SECRET": "another-secret-0123456789", "ALICE_PASSWORD": "another passphrase"}
	res := apply(t, reg, mustParse(t, changed), env)
	b := res.Clients[0]
	if b.Action != Updated || !slices.Equal(b.Changed, []string{"scope", "access_token_ttl", "audience", "client_secret"}) {
		t.Errorf("billing: %+v", b)
	}
	if res.Clients[1].Action != Unchanged || res.Clients[2].Action != Unchanged {
		t.Errorf("others: %+v", res.Clients[1:])
	}
	if a := res.Users[0]; a.Action != Updated || !slices.Equal(a.Changed, []string{"password"}) {
		t.Errorf("alice: %+v", a)
	}
	billing, _ := reg.Store.GetClient(ctx, "billing")
	if ok, _ := reg.SecretMatches(&billing, "another-secret-0123456789"); !ok || billing.AccessTTL != 0 || !slices.Equal(billing.Scopes, []string{"api"}) {
		t.Errorf("billing after update: %+v", billing)
	}
	if again := apply(t, reg, mustParse(t, changed), env); again.Changed() {
		t.Errorf("second apply of the changed file: %+v", again)
	}
}

// TestDryRun reports without writing.
func TestDryRun(t *testing.T) {
	reg := newRegistry(t)
	res, err := Apply(context.Background(), mustParse(t, sample), Options{Registry: reg, Env: func(k string) string { return sampleEnv[k] }, DryRun: true})
	if err != nil || !res.Changed() {
		t.Fatalf("dry run: %+v, %v", res, err)
	}
	if cs, _ := reg.Store.ListClients(context.Background()); len(cs) != 0 {
		t.Errorf("a dry run wrote %d clients", len(cs))
	}
}

// TestExportRoundTrip: export, then apply on an empty database, recreates
// the same clients and users, credentials aside.
func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := newRegistry(t)
	apply(t, src, mustParse(t, sample), sampleEnv)
	if _, _, err := src.CreateClient(ctx, registry.ClientSpec{ID: "keyed", Name: "K", APIKey: true, SigningAlg: tokenmint.AlgEdDSA,
		Claims: map[string]string{"tier": "gold"}, RefreshTTL: time.Hour, GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken}}); err != nil {
		t.Fatal(err)
	}
	// The per-client settings of issues 16 and 18 survive an export.
	if _, _, err := src.CreateClient(ctx, registry.ClientSpec{ID: "mtls", Name: "M", AuthMethod: tokenmint.AuthMethodTLSClientAuth,
		TLSClientAuthSANURI: "spiffe://example.org/m", TLSClientCertificateBoundAccessTokens: true, DPoPBoundAccessTokens: true,
		GrantTypes: []string{tokenmint.GrantAuthorizationCode}, RedirectURIs: []string{"https://m.example/cb"},
		SubjectType: tokenmint.SubjectPairwise, SectorIdentifierURI: "https://m.example/s.json",
		BackchannelLogoutURI: "https://m.example/logout", BackchannelLogoutSessionRequired: true,
		RequirePushedAuthorizationRequests: true, RequireSignedRequestObject: true, JWKSURI: "https://m.example/jwks"}); err != nil {
		t.Fatal(err)
	}
	exported, err := Export(ctx, src.Store)
	if err != nil {
		t.Fatal(err)
	}
	text, err := exported.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(text), "dpop_bound_access_tokens"); n != 1 {
		t.Errorf("dpop_bound_access_tokens appears %d times, want once (the mtls client's; false is left out):\n%s", n, text)
	}
	for _, leak := range []string{"billing-secret", "tmcs_", "$argon2"} {
		if strings.Contains(string(text), leak) {
			t.Fatalf("export contains %q:\n%s", leak, text)
		}
	}
	dst := newRegistry(t)
	res := apply(t, dst, mustParse(t, string(text)), nil)
	if res.Clients[1].APIKey == "" {
		// clients are exported in ID order: billing, keyed, mtls, partner, web
		t.Errorf("keyed client: no API key generated: %+v", res.Clients)
	}
	want, _ := src.Store.ListClients(ctx)
	got, _ := dst.Store.ListClients(ctx)
	if len(got) != len(want) {
		t.Fatalf("%d clients, want %d", len(got), len(want))
	}
	for i := range want {
		if d := diffClients(&want[i], &got[i]); len(d) > 0 {
			t.Errorf("client %s differs in %v\n%s", want[i].ID, d, text)
		}
	}
	users, _ := dst.Store.ListUsers(ctx)
	if len(users) != 2 || users[0].Username != "alice" || !slices.Equal(users[0].Roles, []string{"admin"}) || !users[1].Disabled() {
		t.Errorf("users: %+v", users)
	}
	if again := apply(t, dst, mustParse(t, string(text)), nil); again.Changed() {
		t.Errorf("applying the export again changed %+v", again)
	}
}

// TestParseErrors: every mistake names its line and entry.
func TestParseErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"not a mapping", "- a", "test.yaml:1: the manifest must be a mapping"},
		{"unknown top", "client: []", `test.yaml:1: unknown member "client"`},
		{"two documents", "clients: []\n---\nusers: []", "one YAML document only"},
		{"clients not a list", "clients: {a: b}", "test.yaml:1: must be a list"},
		{"no id", "clients:\n  - client_name: a", "test.yaml:2: client: client_id is required"},
		{"unknown member", "clients:\n  - client_id: a\n    client_name: a\n    colour: red", `test.yaml:4: client a: unknown member "colour"`},
		{"secret in clear", "clients:\n  - client_id: a\n    client_secret: hunter2hunter2hunter2", "test.yaml:3: client a: client_secret must be a reference"},
		{"bad ref key", "clients:\n  - client_id: a\n    client_secret: {value: x}", "must be a reference"},
		{"bad env name", "clients:\n  - client_id: a\n    client_secret: {env: 'A B'}", "not an environment variable name"},
		{"duplicate member", "clients:\n  - client_id: a\n    client_id: b", "test.yaml:3: client a: client_id is given twice"},
		{"numeric id", "clients:\n  - client_id: 153\n    client_name: a", "quote it"},
		{"alias", "clients:\n  - &x {client_id: a}\n  - client_id: b\n    claims: *x", "aliases"},
		{"duplicate client", "clients:\n  - {client_id: a, client_name: a}\n  - {client_id: a, client_name: b}", "test.yaml:3: client a: declared twice (first at line 2)"},
		{"user unknown", "users:\n  - username: a\n    mail: x", `test.yaml:3: user a: unknown member "mail"`},
		{"user no name", "users:\n  - email: a@example.com", "username is required"},
		{"user password clear", "users:\n  - username: a\n    password: secret", "password must be a reference"},
		{"roles type", "users:\n  - username: a\n    roles: admin", "roles must be a list of strings"},
		{"duplicate user", "users:\n  - username: a\n  - username: a", "declared twice"},
		{"bad yaml", "clients: [", "not valid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestApplyErrors: a bad entry stops the whole apply before anything is
// written, naming the entry and line.
func TestApplyErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "short"), []byte("short\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "good"), []byte("a-good-long-secret-value\n"), 0o600)
	tests := []struct {
		name, text, want string
		opts             Options
	}{
		{"bad grant", "clients:\n  - {client_id: ok, client_name: ok}\n  - client_id: a\n    client_name: a\n    grant_types: [implicit]", "test.yaml:5: client a: unknown grant type", Options{}},
		{"unset env", "clients:\n  - client_id: a\n    client_name: a\n    client_secret: {env: NOPE}", "test.yaml:4: client a: client_secret: environment variable NOPE is unset", Options{}},
		{"missing file", "clients:\n  - client_id: a\n    client_name: a\n    client_secret: {file: nope}", "does not exist", Options{}},
		{"short secret", "clients:\n  - client_id: a\n    client_name: a\n    client_secret: {file: short}", "shorter than 16", Options{}},
		{"public with secret", "clients:\n  - client_id: a\n    client_name: a\n    token_endpoint_auth_method: none\n    grant_types: [authorization_code]\n    redirect_uris: [https://a.example/cb]\n    client_secret: {file: good}", "public client", Options{}},
		{"seed without secret", "clients:\n  - {client_id: a, client_name: a}", "no client_secret reference", Options{NoGenerate: true}},
		{"seed without password", "users:\n  - username: a", "no password reference", Options{NoGenerate: true}},
		{"short password", "users:\n  - username: a\n    password: {file: short}", "test.yaml:3: user a: password: password is shorter", Options{}},
		{"bad email", "users:\n  - username: a\n    email: not an address", "invalid email", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newRegistry(t)
			m := mustParse(t, tt.text)
			m.Dir = dir
			tt.opts.Registry = reg
			_, err := Apply(context.Background(), m, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if cs, _ := reg.Store.ListClients(context.Background()); len(cs) != 0 {
				t.Errorf("a failed apply wrote %d clients", len(cs))
			}
		})
	}
}

// TestApplyRefusesSwitch: a stored confidential client cannot become
// public by apply.
func TestApplyRefusesSwitch(t *testing.T) {
	reg := newRegistry(t)
	apply(t, reg, mustParse(t, "clients:\n  - {client_id: a, client_name: a, grant_types: [authorization_code], redirect_uris: ['https://a.example/cb']}"), nil)
	_, err := Apply(context.Background(), mustParse(t, "clients:\n  - {client_id: a, client_name: a, token_endpoint_auth_method: none, grant_types: [authorization_code], redirect_uris: ['https://a.example/cb']}"),
		Options{Registry: reg})
	if err == nil || !strings.Contains(err.Error(), "cannot change between none and a secret method") {
		t.Errorf("err = %v", err)
	}
}
