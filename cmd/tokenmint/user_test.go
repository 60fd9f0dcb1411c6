package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/store/sqlstore"
)

func TestUserLifecycle(t *testing.T) {
	e := testEnv(t)
	r := e.ok(t, "correct horse battery\n", "user", "create", "--username", "ada", "--email", "ada@example.com",
		"--name", "Ada Lovelace", "--password-stdin", "--output", "json")
	if keys := jsonKeys(t, r); !slices.Equal(keys, []string{"created_at", "disabled", "email", "id", "name", "roles", "updated_at", "username"}) {
		t.Errorf("user keys %v", keys)
	}
	u := decode[userView](t, r)
	if u.Username != "ada" || u.Email != "ada@example.com" || u.Name != "Ada Lovelace" || u.ID == "" || !u.CreatedAt.Equal(testNow) {
		t.Errorf("created %+v", u)
	}
	assertPassword(t, e, "ada", "correct horse battery")
	if strings.Contains(r.stderr, "master key") {
		t.Error("user create needed the master key")
	}

	bob := decode[userView](t, e.ok(t, "another password\r\n", "user", "create", "--username", "bob", "--role", "admin", "--password-stdin"))
	if !slices.Equal(bob.Roles, []string{"admin"}) || len(u.Roles) != 0 || u.Roles == nil {
		t.Errorf("roles: bob %v, ada %v", bob.Roles, u.Roles)
	}
	if r := e.exec(t, "x long password\n", "user", "create", "--username", "eve", "--role", "Root", "--password-stdin"); r.code == 0 || !strings.Contains(r.stderr, "invalid role") {
		t.Errorf("a bad role: exit %d, %q", r.code, r.stderr)
	}
	list := e.ok(t, "", "user", "list")
	rows := strings.Split(strings.TrimSpace(list.stdout), "\n")
	if len(rows) != 3 || !strings.HasPrefix(rows[1], "ada ") || !strings.HasPrefix(rows[2], "bob ") {
		t.Errorf("list:\n%s", list.stdout)
	}
	if views := decode[[]userView](t, e.ok(t, "", "user", "list", "--output", "json")); len(views) != 2 {
		t.Errorf("list json: %+v", views)
	}
	assertPassword(t, e, "bob", "another password")

	if g := decode[userView](t, e.ok(t, "", "user", "get", "ada")); g.ID != u.ID {
		t.Errorf("get: %+v", g)
	}
	if r := e.ok(t, "", "user", "get", "ada", "--output", "table"); !strings.Contains(r.stdout, "email       ada@example.com") {
		t.Errorf("get table:\n%s", r.stdout)
	}

	if r := e.ok(t, "new password 2", "user", "set-password", "ada", "--password-stdin"); r.stdout != "changed the password of user ada\n" {
		t.Errorf("set-password printed %q", r.stdout)
	}
	assertPassword(t, e, "ada", "new password 2")

	if r := e.ok(t, "", "user", "delete", "ada"); r.stdout != "deleted user ada\n" {
		t.Errorf("delete printed %q", r.stdout)
	}
	if r := e.exec(t, "", "user", "get", "ada"); r.code != exitFailure || r.stderr != "tokenmint: user get: user \"ada\" not found\n" {
		t.Errorf("get after delete: exit %d, %q", r.code, r.stderr)
	}
}

// TestUserDisableEnable: disable and enable print what they did, and list
// and get show whether (and since when) a user is disabled.
func TestUserDisableEnable(t *testing.T) {
	e := testEnv(t)
	e.ok(t, "correct horse battery\n", "user", "create", "--username", "ada", "--password-stdin")
	if r := e.ok(t, "", "user", "disable", "ada"); r.stdout != "disabled user ada\n" {
		t.Errorf("disable printed %q", r.stdout)
	}
	g := decode[userView](t, e.ok(t, "", "user", "get", "ada"))
	if !g.Disabled || g.DisabledAt == nil || !g.DisabledAt.Equal(testNow) {
		t.Errorf("get after disable: %+v", g)
	}
	if r := e.ok(t, "", "user", "get", "ada", "--output", "table"); !strings.Contains(r.stdout, "disabled    since 2026-03-01T12:00:00Z") {
		t.Errorf("get table:\n%s", r.stdout)
	}
	list := e.ok(t, "", "user", "list")
	if !strings.Contains(list.stdout, "DISABLED") || !strings.Contains(list.stdout, "since 2026-03-01T12:00:00Z") {
		t.Errorf("list:\n%s", list.stdout)
	}
	r := e.ok(t, "", "user", "enable", "ada", "--output", "json")
	if keys := jsonKeys(t, r); !slices.Equal(keys, []string{"disabled", "id", "username"}) {
		t.Errorf("enable json keys %v", keys)
	}
	if !strings.Contains(r.stdout, `"disabled": false`) {
		t.Errorf("enable json: %s", r.stdout)
	}
	r = e.ok(t, "", "user", "get", "ada")
	if keys := jsonKeys(t, r); slices.Contains(keys, "disabled_at") {
		t.Errorf("an enabled user shows disabled_at: %s", r.stdout)
	}
	if r := e.exec(t, "", "user", "disable", "nobody"); r.code != exitFailure || r.stderr != "tokenmint: user disable: user \"nobody\" not found\n" {
		t.Errorf("disable unknown: exit %d, %q", r.code, r.stderr)
	}
}

// assertPassword checks the stored hash of username verifies pw.
func assertPassword(t *testing.T, e env, username, pw string) {
	t.Helper()
	db, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(e.dir(), "tokenmint.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.GetUserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q does not use the configured argon2 parameters", u.PasswordHash)
	}
	ok, err := password.NewHasher(password.Params{}).Verify(pw, u.PasswordHash)
	if err != nil || !ok {
		t.Errorf("password of %s does not verify: %v, %v", username, ok, err)
	}
}
