package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/store/sqlstore"
)

// TestCLIChangesAreAudited: each change the CLI makes to clients, users
// and keys is an audit event in the database, made by the operator.
func TestCLIChangesAreAudited(t *testing.T) {
	e := testEnv(t)
	e.ok(t, "", "client", "create", "--name", "svc", "--id", "svc", "--output", "json")
	e.ok(t, "", "client", "rotate-secret", "svc")
	e.ok(t, "correct horse battery\n", "user", "create", "--username", "ada", "--password-stdin")
	e.ok(t, "another good password\n", "user", "set-password", "ada", "--password-stdin")
	e.ok(t, "", "user", "disable", "ada")
	e.ok(t, "", "user", "delete", "ada")
	e.ok(t, "", "keys", "rotate")
	e.ok(t, "", "client", "delete", "svc")

	db, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(e.dir(), "tokenmint.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events, _, err := db.ListAuditEvents(context.Background(), tokenmint.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range events {
		types = append(types, ev.Type)
		if ev.ActorType != tokenmint.ActorOperator {
			t.Errorf("%s by %s:%q, want the operator", ev.Type, ev.ActorType, ev.Actor)
		}
	}
	want := []string{
		tokenmint.AuditClientCreated, tokenmint.AuditClientRotated,
		tokenmint.AuditUserCreated, tokenmint.AuditUserChanged, tokenmint.AuditUserChanged, tokenmint.AuditUserDeleted,
		tokenmint.AuditKeyRotated, tokenmint.AuditClientDeleted,
	}
	slices.Sort(types)
	slices.Sort(want)
	if !slices.Equal(types, want) {
		t.Errorf("events %v, want %v", types, want)
	}
}
