package registry

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func TestCreateUser(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	u, err := r.CreateUser(ctx, UserSpec{Username: "ada", Email: "ada@example.com", Name: "Ada Lovelace"}, "analytical engine")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := r.Store.GetUserByUsername(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if stored.ID != u.ID || stored.Email != "ada@example.com" || stored.Name != "Ada Lovelace" || !stored.CreatedAt.Equal(testNow) {
		t.Errorf("stored user %+v", stored)
	}
	ok, err := r.Passwords.Verify("analytical engine", stored.PasswordHash)
	if err != nil || !ok {
		t.Errorf("password does not verify: %v, %v", ok, err)
	}
	if strings.Contains(stored.PasswordHash, "analytical") {
		t.Error("password stored in clear")
	}
	if _, err := r.CreateUser(ctx, UserSpec{Username: "ada"}, "another password"); !errors.Is(err, tokenmint.ErrConflict) {
		t.Errorf("duplicate username: err = %v, want ErrConflict", err)
	}
}

func TestCreateUserInvalid(t *testing.T) {
	tests := []struct {
		name string
		spec UserSpec
		pw   string
		msg  string
	}{
		{"empty username", UserSpec{}, "long enough", "username is empty"},
		{"control character", UserSpec{Username: "ad\x00a"}, "long enough", "control characters"},
		{"newline", UserSpec{Username: "ada\n"}, "long enough", "control characters"},
		{"leading space", UserSpec{Username: " ada"}, "long enough", "leading or trailing spaces"},
		{"too long", UserSpec{Username: strings.Repeat("a", MaxUsernameLen+1)}, "long enough", "longer than 256 bytes"},
		{"invalid utf-8", UserSpec{Username: "ad\xffa"}, "long enough", "not valid UTF-8"},
		{"bad email", UserSpec{Username: "ada", Email: "not an email"}, "long enough", "invalid email"},
		{"email with name", UserSpec{Username: "ada", Email: "Ada <ada@example.com>"}, "long enough", "invalid email"},
		{"control in name", UserSpec{Username: "ada", Name: "A\x1bda"}, "long enough", "name contains control"},
		{"short password", UserSpec{Username: "ada"}, "seven77", "shorter than 8 characters"},
		{"short multibyte password", UserSpec{Username: "ada"}, "ééééééé", "shorter than 8 characters"},
		{"long password", UserSpec{Username: "ada"}, strings.Repeat("p", 1025), "longer than 1024 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newRegistry(t).CreateUser(context.Background(), tt.spec, tt.pw)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want ErrInvalid mentioning %q", err, tt.msg)
			}
		})
	}
}

func TestSetPassword(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	u, err := r.CreateUser(ctx, UserSpec{Username: "ada"}, "first password")
	if err != nil {
		t.Fatal(err)
	}
	later := testNow.Add(time.Minute)
	r.Now = func() time.Time { return later }
	if err := r.SetPassword(ctx, u.ID, "second password"); err != nil {
		t.Fatal(err)
	}
	stored, err := r.Store.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]bool{"first password": false, "second password": true} {
		if ok, err := r.Passwords.Verify(pw, stored.PasswordHash); err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if !stored.UpdatedAt.Equal(later) {
		t.Errorf("UpdatedAt = %s, want %s", stored.UpdatedAt, later)
	}
	if err := r.SetPassword(ctx, u.ID, "short"); !errors.Is(err, ErrInvalid) {
		t.Errorf("short password: err = %v, want ErrInvalid", err)
	}
	if err := r.SetPassword(ctx, "nobody", "long enough"); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Errorf("unknown user: err = %v, want ErrNotFound", err)
	}
}

// TestSetPasswordAndDisableEndGrants: a password change and disabling
// each end the user's sessions and families; enabling clears DisabledAt
// and ends nothing.
func TestSetPasswordAndDisableEndGrants(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	u, err := r.CreateUser(ctx, UserSpec{Username: "ada"}, "first password")
	if err != nil {
		t.Fatal(err)
	}
	grant := func(id string) {
		t.Helper()
		f := tokenmint.Family{ID: id, ClientID: "c", Subject: u.ID, CreatedAt: testNow, ExpiresAt: testNow.Add(time.Hour)}
		s := tokenmint.LoginSession{ID: id, UserID: u.ID, AuthTime: testNow, ExpiresAt: testNow.Add(time.Hour)}
		if err := r.Store.CreateFamily(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := r.Store.CreateLoginSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	ended := func(id string) bool {
		t.Helper()
		f, err := r.Store.GetFamily(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Store.GetLoginSession(ctx, id)
		if gone := errors.Is(err, tokenmint.ErrNotFound); gone == f.RevokedAt.IsZero() {
			t.Fatalf("%s: session gone %v but family revoked at %v", id, gone, f.RevokedAt)
		}
		return !f.RevokedAt.IsZero()
	}
	for _, step := range []struct {
		name string
		do   func() error
		ends bool
	}{
		{"set password", func() error { return r.SetPassword(ctx, u.ID, "second password") }, true},
		{"disable", func() error { _, err := r.SetDisabled(ctx, u.ID, true); return err }, true},
		{"disable again", func() error { _, err := r.SetDisabled(ctx, u.ID, true); return err }, true},
		{"enable", func() error { _, err := r.SetDisabled(ctx, u.ID, false); return err }, false},
	} {
		grant(step.name)
		r.Now = func() time.Time { return testNow.Add(time.Minute) }
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := ended(step.name); got != step.ends {
			t.Errorf("%s: grants ended = %v, want %v", step.name, got, step.ends)
		}
		stored, err := r.Store.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := step.name == "disable" || step.name == "disable again"; stored.Disabled() != want {
			t.Errorf("%s: Disabled() = %v", step.name, stored.Disabled())
		}
		r.Now = func() time.Time { return testNow.Add(time.Hour) }
	}
	if _, err := r.SetDisabled(ctx, "nobody", true); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Errorf("disable an unknown user: err = %v, want ErrNotFound", err)
	}
}
