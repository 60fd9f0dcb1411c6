package registry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/token"
)

// TestGivenCredentials: a client created with its own secret and API key
// stores only their hashes and returns no generated credential; SetSecret
// replaces the secret and ends a previous one's grace at once.
func TestGivenCredentials(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	c, creds, err := r.CreateClient(ctx, ClientSpec{Name: "a", GivenSecret: "given-secret-0123456789", GivenAPIKey: "given-api-key-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	if creds.ClientSecret != "" || creds.APIKey != "" {
		t.Errorf("given credentials returned as generated: %+v", creds)
	}
	for _, check := range []struct {
		name string
		ok   func() (bool, error)
		want bool
	}{
		{"secret", func() (bool, error) { return r.SecretMatches(&c, "given-secret-0123456789") }, true},
		{"wrong secret", func() (bool, error) { return r.SecretMatches(&c, "given-secret-012345678") }, false},
		{"api key", func() (bool, error) { return r.APIKeyMatches(&c, "given-api-key-0123456789") }, true},
	} {
		if ok, err := check.ok(); err != nil || ok != check.want {
			t.Errorf("%s: %v, %v", check.name, ok, err)
		}
	}
	if _, _, err := r.RotateSecretGrace(ctx, c.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	c, err = r.SetSecret(ctx, c.ID, "another-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.SecretMatches(&c, "another-secret-0123456789"); !ok || len(c.PreviousSecretHash) != 0 {
		t.Errorf("after SetSecret: %+v", c)
	}
	if _, err := r.SetSecret(ctx, "nope", "another-secret-0123456789"); err == nil {
		t.Error("SetSecret of an unknown client succeeded")
	}
	pub, _, err := r.CreateClient(ctx, ClientSpec{Name: "p", Public: true, GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://a.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetSecret(ctx, pub.ID, "another-secret-0123456789"); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetSecret on a public client: %v", err)
	}
	if _, _, err := r.CreateClient(ctx, ClientSpec{Name: "p2", Public: true, GivenSecret: token.Secret("x-0123456789abcdef"),
		GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://a.example/cb"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a public client with a given secret: %v", err)
	}
	u, err := r.CreateUser(ctx, UserSpec{Username: "u"}, "a long passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := r.PasswordMatches(&u, "a long passphrase"); !ok || err != nil {
		t.Errorf("PasswordMatches: %v, %v", ok, err)
	}
	if ok, _ := r.PasswordMatches(&u, "another passphrase"); ok {
		t.Error("a wrong password matched")
	}
}
