package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const testManifest = `clients:
  - client_id: billing
    client_name: Billing
    scope: api read
    access_token_ttl: 600
    client_secret: {env: BILLING_SECRET}
  - client_id: reports
    client_name: Reports
    scope: api
users:
  - username: alice
    email: alice@example.com
    password: {file: alice.pw}
`

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestApply: a manifest applies, prints the generated secret once, and a
// second apply changes nothing and says so.
func TestApply(t *testing.T) {
	e := testEnv(t).with("BILLING_SECRET", "billing-secret-0123456789")
	dir := t.TempDir()
	file := writeFile(t, dir, "clients.yaml", testManifest)
	writeFile(t, dir, "alice.pw", "a long passphrase\n")

	dry := e.ok(t, "", "apply", "-f", file, "--dry-run")
	if !strings.Contains(dry.stdout, "client billing: would be created") || !strings.Contains(dry.stdout, "apply --dry-run: 3 created") {
		t.Errorf("dry run:\n%s", dry.stdout)
	}
	r := e.ok(t, "", "apply", "-f", file)
	for _, want := range []string{"client billing: created\n", "client reports: created\n  client_secret  tmcs_", "user alice: created\n", "apply: 3 created, 0 updated, 0 unchanged\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "billing-secret") || !strings.Contains(r.stderr, "shown only once") {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
	if v := decode[clientView](t, e.ok(t, "", "client", "get", "billing")); v.AccessTTL != "10m0s" || !slices.Equal(v.Scopes, []string{"api", "read"}) {
		t.Errorf("billing: %+v", v)
	}
	again := e.ok(t, "", "apply", "--file", file)
	if again.stdout != "client billing: unchanged\nclient reports: unchanged\nuser alice: unchanged\napply: nothing to change (3 unchanged)\n" {
		t.Errorf("second apply:\n%s", again.stdout)
	}

	writeFile(t, dir, "clients.yaml", strings.Replace(testManifest, "access_token_ttl: 600", "access_token_ttl: 900", 1))
	v := decode[appliedView](t, e.ok(t, "", "apply", "-f", file, "--output", "json"))
	if !v.Changed || v.Clients[0].Action != "updated" || !slices.Equal(v.Clients[0].Changed, []string{"access_token_ttl"}) || v.Clients[1].Action != "unchanged" {
		t.Errorf("json: %+v", v)
	}
}

// TestApplyErrors: a bad manifest is a usage error naming file and line,
// and nothing is written.
func TestApplyErrors(t *testing.T) {
	e := testEnv(t)
	dir := t.TempDir()
	tests := []struct{ name, text, want string }{
		{"clear secret", "clients:\n  - client_id: a\n    client_name: a\n    client_secret: hunter2hunter2hunter2\n", "clients.yaml:4: client a: client_secret must be a reference"},
		{"unset env", "clients:\n  - client_id: a\n    client_name: a\n    client_secret: {env: NOT_SET_ANYWHERE}\n", "environment variable NOT_SET_ANYWHERE is unset"},
		{"bad member", "clients:\n  - client_id: a\n    client_name: a\n    access_token_ttl: 1h\n", "clients.yaml:4: client a: access_token_ttl must be a whole number of seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, dir, "clients.yaml", tt.text)
			r := e.exec(t, "", "apply", "-f", file)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %q", r.code, r.stderr, tt.want)
			}
		})
	}
	if r := e.with("TOKENMINT_SERVER", "http://127.0.0.1:8081").exec(t, "", "export"); r.code != exitUsage || !strings.Contains(r.stderr, "unset TOKENMINT_SERVER") {
		t.Errorf("export with TOKENMINT_SERVER: %d %q", r.code, r.stderr)
	}
	if r := e.exec(t, "", "apply"); r.code != exitUsage || !strings.Contains(r.stderr, "-f FILE is required") {
		t.Errorf("no file: %d %q", r.code, r.stderr)
	}
	if r := e.exec(t, "", "apply", "-f", filepath.Join(dir, "nope.yaml")); r.code != exitUsage || !strings.Contains(r.stderr, "nope.yaml") {
		t.Errorf("missing file: %d %q", r.code, r.stderr)
	}
	if r := e.ok(t, "", "client", "list", "--output", "json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("a failed apply wrote clients: %s", r.stdout)
	}
}

// TestExportApplyRoundTrip: export, then apply on a fresh database,
// recreates the same clients and users, secrets aside.
func TestExportApplyRoundTrip(t *testing.T) {
	src := testEnv(t)
	src.ok(t, "", "client", "create", "--name", "svc", "--id", "svc", "--scope", "api", "--access-ttl", "15m", "--claim", "tier=gold", "--audience", "https://api.example.com")
	src.ok(t, "", "client", "create", "--name", "partner", "--id", "partner", "--profile", "epc", "--environment", "Prod")
	src.ok(t, "", "client", "create", "--name", "web", "--id", "web", "--public", "--grant-type", "authorization_code",
		"--redirect-uri", "http://127.0.0.1/cb", "--scope", "openid")
	src.ok(t, "a long passphrase\n", "user", "create", "--username", "bob", "--email", "bob@example.com", "--password-stdin")
	src.ok(t, "", "user", "disable", "bob")
	exported := src.ok(t, "", "export")
	if strings.Contains(exported.stdout, "tmcs_") || strings.Contains(exported.stdout, "argon2") {
		t.Fatalf("export leaks a credential:\n%s", exported.stdout)
	}
	dst := testEnv(t)
	file := writeFile(t, t.TempDir(), "export.yaml", exported.stdout)
	r := dst.ok(t, "", "apply", "-f", file)
	if !strings.Contains(r.stdout, "apply: 4 created") {
		t.Errorf("apply of the export:\n%s", r.stdout)
	}
	normalize := func(vs []clientView) []clientView {
		for i := range vs {
			vs[i].CreatedAt, vs[i].UpdatedAt = time.Time{}, time.Time{}
		}
		return vs
	}
	want := normalize(decode[[]clientView](t, src.ok(t, "", "client", "list", "--output", "json")))
	got := normalize(decode[[]clientView](t, dst.ok(t, "", "client", "list", "--output", "json")))
	if len(got) != len(want) {
		t.Fatalf("%d clients, want %d", len(got), len(want))
	}
	for i := range want {
		if a, b := mustJSON(t, want[i]), mustJSON(t, got[i]); a != b {
			t.Errorf("client %s:\n got %s\nwant %s", want[i].ClientID, b, a)
		}
	}
	if u := decode[userView](t, dst.ok(t, "", "user", "get", "bob")); u.Email != "bob@example.com" || !u.Disabled {
		t.Errorf("bob: %+v", u)
	}
	if again := dst.ok(t, "", "apply", "-f", file); !strings.Contains(again.stdout, "nothing to change") {
		t.Errorf("second apply:\n%s", again.stdout)
	}
}

const hydraClients = `{"items":[
  {"client_id":"billing-svc","client_name":"billing","grant_types":["client_credentials"],"response_types":["code"],
   "scope":"api","audience":[],"redirect_uris":null,"token_endpoint_auth_method":"client_secret_basic",
   "access_token_strategy":"jwt","client_credentials_grant_access_token_lifespan":"30m0s","owner":"billing-team",
   "metadata":{},"created_at":"2024-05-01T10:00:00Z","updated_at":"2024-05-01T10:00:00Z","skip_consent":false},
  {"client_id":"spa","client_name":"SPA","grant_types":["authorization_code","refresh_token"],"response_types":["code"],
   "scope":"openid offline_access","redirect_uris":["https://app.example.com/callback"],"token_endpoint_auth_method":"none",
   "allowed_cors_origins":["https://app.example.com"]}
],"next_page_token":"","is_last_page":true}`

// TestImportHydra: Hydra's export imports with secrets generated anew;
// what tokenmint lacks is refused by name, or left out on request.
func TestImportHydra(t *testing.T) {
	e := testEnv(t)
	file := writeFile(t, t.TempDir(), "hydra.json", hydraClients)
	r := e.exec(t, "", "import", "--from", "hydra", file)
	if r.code != exitUsage || !strings.Contains(r.stderr, "hydra.json: hydra client spa: allowed_cors_origins is set, and tokenmint has no per-client CORS origins") ||
		!strings.Contains(r.stderr, "--ignore-unsupported") {
		t.Errorf("unsupported member: exit %d, %q", r.code, r.stderr)
	}
	printed := e.ok(t, "", "import", "--from", "hydra", file, "--ignore-unsupported", "--print")
	if !strings.Contains(printed.stdout, "client_id: billing-svc") || !strings.Contains(printed.stdout, "access_token_ttl: 1800") {
		t.Errorf("--print:\n%s", printed.stdout)
	}
	if _, err := os.Stat(filepath.Join(e.dir(), "tokenmint.db")); err == nil {
		t.Error("--print opened the database")
	}
	r = e.ok(t, hydraClients, "import", "--from", "hydra", "-", "--ignore-unsupported")
	if !strings.Contains(r.stdout, "client billing-svc: created\n  client_secret  tmcs_") || !strings.Contains(r.stdout, "client spa: created\n") ||
		!strings.Contains(r.stderr, "warning: hydra client spa: left out unsupported allowed_cors_origins") ||
		!strings.Contains(r.stderr, "hydra client billing-svc: left out owner") {
		t.Errorf("import:\nstdout %s\nstderr %s", r.stdout, r.stderr)
	}
	v := decode[clientView](t, e.ok(t, "", "client", "get", "billing-svc"))
	if v.Name != "billing" || v.AccessTTL != "30m0s" || v.TokenFormat != "jwt" || !slices.Equal(v.Scopes, []string{"api"}) {
		t.Errorf("billing-svc: %+v", v)
	}
	again := e.ok(t, hydraClients, "import", "--from", "hydra", "-", "--ignore-unsupported")
	if !strings.Contains(again.stdout, "nothing to change") {
		t.Errorf("second import:\n%s", again.stdout)
	}
	if r := e.exec(t, "", "import", file); r.code != exitUsage || !strings.Contains(r.stderr, "--from is required") {
		t.Errorf("no --from: %d %q", r.code, r.stderr)
	}
}

// TestImportRFC7591: tokenmint's own client JSON moves between servers.
func TestImportRFC7591(t *testing.T) {
	e := testEnv(t)
	body := `{"client_id":"moved","client_name":"Moved","client_secret":"tmcs_old","grant_types":["client_credentials"],"scope":"api","access_token_ttl":300}`
	r := e.ok(t, body, "import", "--from", "rfc7591", "-", "--output", "json")
	v := decode[appliedView](t, r)
	if len(v.Clients) != 1 || v.Clients[0].Action != "created" || v.Clients[0].ClientSecret == "" || v.Clients[0].ClientSecret == "tmcs_old" {
		t.Errorf("import: %+v", v)
	}
	if c := decode[clientView](t, e.ok(t, "", "client", "get", "moved")); c.AccessTTL != "5m0s" {
		t.Errorf("moved: %+v", c)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	c := &cli{stdout: &b}
	if err := c.printJSON(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
