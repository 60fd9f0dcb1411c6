package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

// TestRegistrationTokenCreate: the token is printed once, with its limits;
// the database holds only its keyed hash, with its expiry and uses.
func TestRegistrationTokenCreate(t *testing.T) {
	e := testEnv(t)
	v := decode[registrationTokenView](t, e.ok(t, "", "registration-token", "create", "--ttl", "2h", "--max-uses", "3", "--output", "json"))
	if !strings.HasPrefix(v.RegistrationToken, token.PrefixRegistrationToken) || v.MaxUses != 3 || !v.ExpiresAt.Equal(testNow.Add(2*time.Hour)) {
		t.Fatalf("printed %+v", v)
	}
	raw, err := os.ReadFile(filepath.Join(e.dir(), "tokenmint.key"))
	if err != nil {
		t.Fatalf("master key file: %v", err)
	}
	mk, err := token.ParseMasterKey(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(e.dir(), "tokenmint.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id := token.NewHasher(mk.Derive(token.PurposeTokenHash)).ID(v.RegistrationToken)
	rec, err := db.GetRegistrationToken(context.Background(), id)
	if err != nil {
		t.Fatalf("the printed token's hash is not stored: %v", err)
	}
	if rec.MaxUses != 3 || rec.Remaining != 3 || !rec.ExpiresAt.Equal(testNow.Add(2*time.Hour)) {
		t.Errorf("stored %+v", rec)
	}
	if strings.Contains(rec.ID, v.RegistrationToken[len(token.PrefixRegistrationToken):]) {
		t.Error("the stored ID contains the token")
	}

	defaults := e.ok(t, "", "registration-token", "create", "--output", "table")
	for _, want := range []string{"registration_token  tmit_", "max_uses            1", "expires_at          2026-03-02T12:00:00Z"} {
		if !strings.Contains(defaults.stdout, want) {
			t.Errorf("table output lacks %q:\n%s", want, defaults.stdout)
		}
	}
}

func TestRegistrationTokenCreateErrors(t *testing.T) {
	e := testEnv(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--max-uses", "0"}, `tokenmint: registration-token create: --max-uses: invalid number "0" (use a whole number from 1 to 1000000)`},
		{[]string{"--max-uses", "many"}, `tokenmint: registration-token create: --max-uses: invalid number "many" (use a whole number from 1 to 1000000)`},
		{[]string{"--ttl", "-1h"}, `tokenmint: registration-token create: --ttl: invalid duration "-1h" (use a positive Go duration like 15m, 2h)`},
		{[]string{"extra"}, `tokenmint: registration-token create: unexpected argument "extra"`},
	}
	for _, tt := range tests {
		r := e.exec(t, "", append([]string{"registration-token", "create"}, tt.args...)...)
		if r.code != exitUsage || strings.TrimSpace(r.stderr) != tt.want || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 and %q", tt.args, r.code, r.stderr, r.stdout, tt.want)
		}
	}
}
