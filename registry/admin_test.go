package registry

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// TestRotateSecretGrace: the replaced secret is kept, hashed, until the
// grace period ends; 0 ends it at once, as does a second rotation.
func TestRotateSecretGrace(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	c, creds, err := r.CreateClient(ctx, ClientSpec{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	first, stored, err := r.RotateSecretGrace(ctx, c.ID, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Secrets.Verify(first.Reveal(), stored.SecretHash) || !r.Secrets.Verify(creds.ClientSecret.Reveal(), stored.PreviousSecretHash) {
		t.Fatal("after a rotation with grace: the new secret is not current or the old one not previous")
	}
	if !stored.PreviousSecretExpiresAt.Equal(testNow.Add(24*time.Hour)) || !stored.PreviousSecretLive(testNow) || stored.PreviousSecretLive(testNow.Add(24*time.Hour)) {
		t.Errorf("previous secret expires at %s, want %s", stored.PreviousSecretExpiresAt, testNow.Add(24*time.Hour))
	}
	second, stored, err := r.RotateSecretGrace(ctx, c.ID, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Secrets.Verify(first.Reveal(), stored.PreviousSecretHash) || r.Secrets.Verify(creds.ClientSecret.Reveal(), stored.PreviousSecretHash) {
		t.Error("a second rotation must keep only the secret it replaced")
	}
	if _, stored, err = r.RotateSecretGrace(ctx, c.ID, 0); err != nil {
		t.Fatal(err)
	}
	if len(stored.PreviousSecretHash) != 0 || !stored.PreviousSecretExpiresAt.IsZero() || r.Secrets.Verify(second.Reveal(), stored.SecretHash) {
		t.Errorf("grace 0 kept a previous secret: %+v", stored)
	}
	for _, grace := range []time.Duration{-time.Second, MaxSecretGrace + time.Second} {
		if _, _, err := r.RotateSecretGrace(ctx, c.ID, grace); !errors.Is(err, ErrInvalid) {
			t.Errorf("grace %s: err = %v, want ErrInvalid", grace, err)
		}
	}
}

func TestUpdateClient(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	c, _, err := r.CreateClient(ctx, ClientSpec{Name: "a", Scopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	later := testNow.Add(time.Hour)
	r.Now = func() time.Time { return later }
	got, err := r.UpdateClient(ctx, c.ID, func(c *tokenmint.Client) error {
		c.AccessTTL = 5 * time.Minute
		return nil
	})
	if err != nil || got.AccessTTL != 5*time.Minute || !got.UpdatedAt.Equal(later) {
		t.Fatalf("update: %+v, %v", got, err)
	}
	_, err = r.UpdateClient(ctx, c.ID, func(c *tokenmint.Client) error {
		c.GrantTypes = []string{"implicit"}
		return nil
	})
	var fe *tokenmint.FieldError
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) || fe.Field != tokenmint.FieldGrantTypes {
		t.Errorf("invalid update: err = %v, want ErrInvalid naming grant_types", err)
	}
	stored, _ := r.Store.GetClient(ctx, c.ID)
	if !slices.Equal(stored.GrantTypes, []string{tokenmint.GrantClientCredentials}) {
		t.Errorf("a rejected update was stored: %v", stored.GrantTypes)
	}
	sentinel := errors.New("stop")
	if _, err := r.UpdateClient(ctx, c.ID, func(*tokenmint.Client) error { return sentinel }); !errors.Is(err, sentinel) {
		t.Errorf("change's error: %v", err)
	}
	if _, err := r.UpdateClient(ctx, "nope", func(*tokenmint.Client) error { return nil }); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Errorf("unknown client: %v", err)
	}
}

func TestUserRoles(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	u, err := r.CreateUser(ctx, UserSpec{Username: "ops", Roles: []string{tokenmint.RoleAdmin, tokenmint.RoleAdmin}}, "long enough pw")
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := r.Store.GetUser(ctx, u.ID)
	if !slices.Equal(stored.Roles, []string{tokenmint.RoleAdmin}) || !stored.HasRole(tokenmint.RoleAdmin) {
		t.Errorf("roles = %v, want [admin]", stored.Roles)
	}
	for _, bad := range []string{"", "Admin", "1st", "a b", "a\x00"} {
		if _, err := r.CreateUser(ctx, UserSpec{Username: "x" + bad, Roles: []string{bad}}, "long enough pw"); !errors.Is(err, ErrInvalid) {
			t.Errorf("role %q: err = %v, want ErrInvalid", bad, err)
		}
	}
	got, err := r.UpdateUser(ctx, u.ID, func(s *UserSpec) { s.Roles, s.Name = nil, "Ops" })
	if err != nil || got.Roles != nil || got.Name != "Ops" || got.Username != "ops" {
		t.Fatalf("update: %+v, %v", got, err)
	}
	if _, err := r.CreateUser(ctx, UserSpec{Username: "other"}, "long enough pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.UpdateUser(ctx, u.ID, func(s *UserSpec) { s.Username = "other" }); !errors.Is(err, tokenmint.ErrConflict) {
		t.Errorf("taken username: %v, want ErrConflict", err)
	}
	if _, err := r.UpdateUser(ctx, u.ID, func(s *UserSpec) { s.Email = "nope" }); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad email: %v, want ErrInvalid", err)
	}
	if err := r.RevokeSessions(ctx, "nope"); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Errorf("revoke sessions of an unknown user: %v", err)
	}
	if err := r.RevokeSessions(ctx, u.ID); err != nil {
		t.Error(err)
	}
}
