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
