package main

import (
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/token"
)

// TestPostgres runs the client commands against PostgreSQL when
// TOKENMINT_TEST_POSTGRES names a database (a DSN such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable).
func TestPostgres(t *testing.T) {
	dsn := os.Getenv("TOKENMINT_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("TOKENMINT_TEST_POSTGRES is not set: skipping the PostgreSQL CLI test")
	}
	e := env{"TOKENMINT_DATABASE": dsn}

	r := e.exec(t, "", "client", "create", "--name", "x")
	if r.code != exitFailure || !strings.Contains(r.stderr, "no master key") {
		t.Errorf("create without a master key on PostgreSQL: exit %d, %q", r.code, r.stderr)
	}

	e = e.with("TOKENMINT_MASTER_KEY", base64.StdEncoding.EncodeToString([]byte(token.NewID()+"0123456789")))
	id := "cli-test-" + token.NewID()
	t.Cleanup(func() { e.exec(t, "", "client", "delete", id) })
	created := decode[clientView](t, e.ok(t, "", "client", "create", "--name", "pg", "--id", id, "--scope", "api"))
	if created.ClientID != id || created.ClientSecret == "" {
		t.Fatalf("created %+v", created)
	}
	if v := decode[clientView](t, e.ok(t, "", "client", "get", id)); v.Name != "pg" || v.ClientSecret != "" {
		t.Errorf("get %+v", v)
	}
	if views := decode[[]clientView](t, e.ok(t, "", "client", "list", "--output", "json")); len(views) == 0 {
		t.Error("list is empty")
	}
	if r := e.ok(t, "", "client", "delete", id); r.stdout != "deleted client "+id+"\n" {
		t.Errorf("delete printed %q", r.stdout)
	}

	// apply, idempotent on PostgreSQL too
	applied := "cli-apply-" + token.NewID()
	t.Cleanup(func() { e.exec(t, "", "client", "delete", applied) })
	file := writeFile(t, t.TempDir(), "m.yaml", "clients:\n  - client_id: "+applied+"\n    client_name: applied\n    scope: api\n")
	if r := e.ok(t, "", "apply", "-f", file); !strings.Contains(r.stdout, "client "+applied+": created") {
		t.Errorf("apply on PostgreSQL:\n%s", r.stdout)
	}
	if r := e.ok(t, "", "apply", "-f", file); !strings.Contains(r.stdout, "nothing to change") {
		t.Errorf("second apply on PostgreSQL:\n%s", r.stdout)
	}
}
