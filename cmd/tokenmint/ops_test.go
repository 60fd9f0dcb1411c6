package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/token"
)

// serverOn runs a server on the database of e with master key mk.
func serverOn(t *testing.T, database string, mk token.MasterKey) *servertest.Instance {
	t.Helper()
	cfg := config.Default()
	cfg.Database = database
	cfg.MasterKey = token.Secret(mk.Encode())
	return servertest.StartWithClock(t, servertest.NewClock(), cfg)
}

// clientToken gets a client_credentials token, failing t otherwise.
func clientToken(t *testing.T, in *servertest.Instance, c servertest.Client) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	status, body := doJSON(t, req)
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}
	return body["access_token"].(string)
}

func createClient(t *testing.T, e env, args ...string) servertest.Client {
	t.Helper()
	v := decode[map[string]any](t, e.ok(t, "", append([]string{"client", "create", "--name", "c", "--scope", "api", "--output", "json"}, args...)...))
	return servertest.Client{ID: v["client_id"].(string), Secret: v["client_secret"].(string)}
}

// TestBackupAndRestore: backup --to copies the database of a running
// server; a server started on the copy (with the same master key)
// introspects a token issued before the backup as active, and one issued
// after as unknown. An existing file is never overwritten.
func TestBackupAndRestore(t *testing.T) {
	mk := token.GenerateMasterKey()
	e := testEnv(t).with("TOKENMINT_MASTER_KEY", mk.Encode())
	c := createClient(t, e, "--token-format", "opaque")
	live := serverOn(t, e["TOKENMINT_DATABASE"], mk)
	before := clientToken(t, live, c)

	backup := filepath.Join(t.TempDir(), "backup.db")
	if r := e.ok(t, "", "backup", "--to", backup); !strings.Contains(r.stdout, "backup "+backup+" written") ||
		!strings.Contains(r.stderr, "useless without the master key") {
		t.Errorf("backup output:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
	}
	after := clientToken(t, live, c)
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	// A second backup to the same file is refused, and the file kept.
	orig, _ := os.ReadFile(backup)
	if r := e.exec(t, "", "backup", "--to", backup); r.code != exitFailure || !strings.Contains(r.stderr, "file exists") {
		t.Errorf("backup over an existing file: exit %d, stderr %s", r.code, r.stderr)
	}
	if now, _ := os.ReadFile(backup); string(now) != string(orig) {
		t.Error("a refused backup changed the existing file")
	}

	// Restore: the copy is a database file; start a server on it.
	restored := serverOn(t, "sqlite:"+backup, mk)
	if !introspectActive(t, restored, c, before) {
		t.Error("a token issued before the backup is inactive on the restored server")
	}
	if introspectActive(t, restored, c, after) {
		t.Error("a token issued after the backup is active on the restored server")
	}
	clientToken(t, restored, c) // the client secret works
}

func TestBackupRefuses(t *testing.T) {
	e := testEnv(t)
	tests := []struct {
		name string
		e    env
		args []string
		code int
		want string
	}{
		{"no --to", e, nil, exitUsage, "--to FILE is required"},
		{"PostgreSQL", e.with("TOKENMINT_DATABASE", "postgres://u@db.invalid:5432/tm"), []string{"--to", "x.db"}, exitFailure, "pg_dump"},
		{"missing database", e, []string{"--to", filepath.Join(t.TempDir(), "b.db")}, exitFailure, "does not exist"},
		{"remote", e.with("TOKENMINT_SERVER", "http://127.0.0.1:1"), []string{"--to", "x.db"}, exitUsage, "unset TOKENMINT_SERVER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.e.exec(t, "", append([]string{"backup"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}

// writeKey writes a master key file, mode 0600.
func writeKey(t *testing.T, k token.MasterKey) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "new.key")
	if err := os.WriteFile(path, []byte(k.Encode()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMasterKeyRotateCommand: master-key rotate reseals under the new
// key; afterwards the old key alone is refused, and the new key alone
// serves a client and a token made before the rotation.
func TestMasterKeyRotateCommand(t *testing.T) {
	k1, k2 := token.GenerateMasterKey(), token.GenerateMasterKey()
	e := testEnv(t).with("TOKENMINT_MASTER_KEY", k1.Encode())
	c := createClient(t, e, "--token-format", "opaque")
	createClient(t, e, "--token-endpoint-auth-method", tokenmint.AuthMethodSecretJWT)
	e.ok(t, "", "keys", "rotate", "--alg", "all")
	tok := clientToken(t, serverOn(t, e["TOKENMINT_DATABASE"], k1), c)
	newKey := writeKey(t, k2)

	for _, tt := range []struct {
		name string
		e    env
		args []string
		want string
	}{
		{"no new key", e, nil, "no new master key"},
		{"new key twice", e.with(newMasterKeyEnv, k2.Encode()), []string{"--new-key-file", newKey}, "not both"},
	} {
		if r := tt.e.exec(t, "", append([]string{"master-key", "rotate"}, tt.args...)...); r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want usage error %q", tt.name, r.code, r.stderr, tt.want)
		}
	}
	// A wrong current key changes nothing.
	wrong := e.with("TOKENMINT_MASTER_KEY", token.GenerateMasterKey().Encode())
	if r := wrong.exec(t, "", "master-key", "rotate", "--new-key-file", newKey); r.code != exitFailure || !strings.Contains(r.stderr, "right master keys") {
		t.Errorf("rotate with a wrong current key: exit %d, stderr %q", r.code, r.stderr)
	}

	got := decode[map[string]map[string]int](t, e.ok(t, "", "master-key", "rotate", "--new-key-file", newKey, "--output", "json"))
	want := map[string]int{"signing_key": 3, "client_secret": 1, "previous_client_secret": 0, "hash_keys": 1}
	for k, n := range want {
		if got["resealed"][k] != n {
			t.Errorf("resealed %s: %d, want %d (%v)", k, got["resealed"][k], n, got)
		}
	}
	if r := e.exec(t, "", "client", "create", "--name", "x"); r.code != exitFailure || !strings.Contains(r.stderr, "hash keys do not open") {
		t.Errorf("client create with the old key after the rotation: exit %d, stderr %q", r.code, r.stderr)
	}
	e2 := e.with("TOKENMINT_MASTER_KEY", k2.Encode())
	e2.ok(t, "", "keys", "rotate")
	in := serverOn(t, e2["TOKENMINT_DATABASE"], k2)
	if !introspectActive(t, in, c, tok) {
		t.Error("a token issued before the rotation is inactive with the new key")
	}
	clientToken(t, in, c)
	// The new key from the environment also works, and running again is
	// harmless.
	e2.with(newMasterKeyEnv, k2.Encode()).ok(t, "", "master-key", "rotate")
	clientToken(t, in, c)
}

// TestHealthcheck: exit 0 on a ready server (/readyz, or /healthz), 1
// with the cause when nothing answers.
func TestHealthcheck(t *testing.T) {
	in := servertest.Start(t)
	e := testEnv(t)
	for _, path := range []string{"", "/healthz", "/readyz"} {
		args := []string{"healthcheck", "--addr", in.Config.Addr}
		want := "/readyz 200 OK"
		if path != "" {
			args, want = append(args, "--path", path), path+" 200 OK"
		}
		if r := e.ok(t, "", args...); !strings.Contains(r.stdout, want) {
			t.Errorf("healthcheck %s: %q, want %q", path, r.stdout, want)
		}
	}
	// The container's way: TOKENMINT_ADDR with an unspecified host.
	_, port, _ := strings.Cut(in.Config.Addr, ":")
	e.with("TOKENMINT_ADDR", ":"+port).ok(t, "", "healthcheck")
	closed := freeAddr(t)
	if r := e.exec(t, "", "healthcheck", "--addr", closed); r.code != exitFailure || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("healthcheck of nothing: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := e.exec(t, "", "healthcheck", "--path", "/metrics"); r.code != exitUsage {
		t.Errorf("healthcheck --path /metrics: exit %d, want usage", r.code)
	}
}

func TestDialAddr(t *testing.T) {
	for in, want := range map[string]string{
		":8080": "127.0.0.1:8080", "0.0.0.0:8080": "127.0.0.1:8080", "[::]:8080": "127.0.0.1:8080",
		"10.0.0.1:80": "10.0.0.1:80", "localhost:9": "localhost:9", "[::1]:8080": "[::1]:8080",
	} {
		if got := dialAddr(in); got != want {
			t.Errorf("dialAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
