package registry

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newRegistry(t *testing.T) *Registry {
	t.Helper()
	db, err := sqlstore.OpenSQLite(context.Background(), sqlstore.MemoryPath, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &Registry{
		Store:     db,
		Secrets:   token.NewHasher([]byte("0123456789abcdef0123456789abcdef")),
		Passwords: password.NewHasher(password.Params{Memory: 64, Iterations: 1, Parallelism: 1}),
		Now:       func() time.Time { return testNow },
	}
}

func TestCreateClientDefaults(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	c, creds, err := r.CreateClient(ctx, ClientSpec{Name: "svc", Scopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || !slices.Equal(c.GrantTypes, []string{tokenmint.GrantClientCredentials}) || c.TokenFormat != tokenmint.FormatJWT {
		t.Errorf("defaults not applied: %+v", c)
	}
	if !strings.HasPrefix(creds.ClientSecret.Reveal(), token.PrefixClientSecret) || creds.APIKey != "" {
		t.Errorf("credentials: secret prefix %q, api key set %v", creds.ClientSecret.Reveal()[:5], creds.APIKey != "")
	}
	stored, err := r.Store.GetClient(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Secrets.Verify(creds.ClientSecret.Reveal(), stored.SecretHash) {
		t.Error("stored hash does not verify the returned secret")
	}
	if strings.Contains(string(stored.SecretHash), creds.ClientSecret.Reveal()) {
		t.Error("the secret itself was stored")
	}
	if !stored.CreatedAt.Equal(testNow) {
		t.Errorf("CreatedAt = %s, want the injected clock %s", stored.CreatedAt, testNow)
	}
}

func TestCreateClientSpecs(t *testing.T) {
	tests := []struct {
		name       string
		spec       ClientSpec
		wantErr    error
		wantSecret bool
		wantAPIKey bool
	}{
		{name: "confidential", spec: ClientSpec{Name: "a"}, wantSecret: true},
		{name: "fixed id", spec: ClientSpec{ID: "my-client", Name: "a"}, wantSecret: true},
		{name: "with api key", spec: ClientSpec{Name: "a", APIKey: true}, wantSecret: true, wantAPIKey: true},
		{name: "public auth code", spec: ClientSpec{Name: "spa", Public: true, GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectURIs: []string{"https://app.example/cb"}}},
		{name: "opaque with idle ttl", spec: ClientSpec{Name: "a", TokenFormat: "opaque", AccessTTL: time.Hour, IdleTTL: 10 * time.Minute}, wantSecret: true},
		{name: "claims", spec: ClientSpec{Name: "a", Claims: map[string]string{"tenant": "t1"}}, wantSecret: true},
		{name: "empty name", spec: ClientSpec{}, wantErr: ErrInvalid},
		{name: "unknown grant", spec: ClientSpec{Name: "a", GrantTypes: []string{"implicit"}}, wantErr: ErrInvalid},
		{name: "public client_credentials", spec: ClientSpec{Name: "a", Public: true}, wantErr: ErrInvalid},
		{name: "auth code without redirect", spec: ClientSpec{Name: "a", GrantTypes: []string{"authorization_code"}}, wantErr: ErrInvalid},
		{name: "bad format", spec: ClientSpec{Name: "a", TokenFormat: "paseto"}, wantErr: ErrInvalid},
		{name: "reserved claim", spec: ClientSpec{Name: "a", Claims: map[string]string{"sub": "x"}}, wantErr: ErrInvalid},
		{name: "native app redirects", spec: ClientSpec{Name: "app", Public: true, GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"http://127.0.0.1:41999/cb", "http://[::1]/cb", "com.example.app:/cb"}}},
		{name: "http redirect", spec: ClientSpec{Name: "a", GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"http://app.example.com/cb"}}, wantErr: tokenmint.ErrInvalidRedirectURI},
		{name: "javascript redirect", spec: ClientSpec{Name: "a", GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"javascript:alert(1)"}}, wantErr: tokenmint.ErrInvalidRedirectURI},
		{name: "data redirect", spec: ClientSpec{Name: "a", GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://app.example/cb", "data:text/html,x"}}, wantErr: ErrInvalid},
		{name: "default scope not allowed", spec: ClientSpec{Name: "a", Scopes: []string{"a"}, DefaultScopes: []string{"b"}}, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.spec.Validate(); (err == nil) != (tt.wantErr == nil) || (err != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("spec.Validate() = %v, want %v", err, tt.wantErr)
			}
			r := newRegistry(t)
			c, creds, err := r.CreateClient(context.Background(), tt.spec)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if strings.HasPrefix(err.Error(), ErrInvalid.Error()+": ") {
					t.Errorf("message %q repeats the sentinel", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (creds.ClientSecret != "") != tt.wantSecret || (len(c.SecretHash) > 0) != tt.wantSecret {
				t.Errorf("secret: returned %v, hash stored %v; want %v", creds.ClientSecret != "", len(c.SecretHash) > 0, tt.wantSecret)
			}
			if (creds.APIKey != "") != tt.wantAPIKey || (len(c.APIKeyHash) > 0) != tt.wantAPIKey {
				t.Errorf("api key: returned %v, hash stored %v; want %v", creds.APIKey != "", len(c.APIKeyHash) > 0, tt.wantAPIKey)
			}
			if tt.spec.ID != "" && c.ID != tt.spec.ID {
				t.Errorf("ID = %q, want %q", c.ID, tt.spec.ID)
			}
		})
	}
}

func TestGeneratedClientIDsLookLikeArguments(t *testing.T) {
	for range 2000 {
		if id := newClientID(); id == "" || id[0] == '-' {
			t.Fatalf("generated client ID %q", id)
		}
	}
}

func TestCreateClientConflict(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	if _, _, err := r.CreateClient(ctx, ClientSpec{ID: "dup", Name: "a"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := r.CreateClient(ctx, ClientSpec{ID: "dup", Name: "b"})
	if !errors.Is(err, tokenmint.ErrConflict) {
		t.Fatalf("second create: err = %v, want ErrConflict", err)
	}
}

func TestCreateClientDoesNotAliasSpec(t *testing.T) {
	r := newRegistry(t)
	spec := ClientSpec{Name: "a", Scopes: []string{"x"}, Claims: map[string]string{"k": "v"}}
	c, _, err := r.CreateClient(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.Scopes[0], spec.Claims["k"] = "changed", "changed"
	if c.Scopes[0] != "x" || c.Claims["k"] != "v" {
		t.Error("the returned client shares memory with the spec")
	}
}

func TestRotateSecret(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	c, creds, err := r.CreateClient(ctx, ClientSpec{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	later := testNow.Add(time.Hour)
	r.Now = func() time.Time { return later }
	secret, err := r.RotateSecret(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := r.Store.GetClient(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if secret == creds.ClientSecret || !r.Secrets.Verify(secret.Reveal(), stored.SecretHash) {
		t.Error("new secret does not verify")
	}
	if r.Secrets.Verify(creds.ClientSecret.Reveal(), stored.SecretHash) {
		t.Error("old secret still verifies")
	}
	if !stored.UpdatedAt.Equal(later) {
		t.Errorf("UpdatedAt = %s, want %s", stored.UpdatedAt, later)
	}
}

func TestRotateErrors(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	pub, _, err := r.CreateClient(ctx, ClientSpec{Name: "spa", Public: true, GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://a.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		rotate func(context.Context, string) (token.Secret, error)
		id     string
		want   error
	}{
		{"secret of unknown client", r.RotateSecret, "nope", tokenmint.ErrNotFound},
		{"api key of unknown client", r.RotateAPIKey, "nope", tokenmint.ErrNotFound},
		{"secret of public client", r.RotateSecret, pub.ID, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.rotate(ctx, tt.id); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRotateAPIKey(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	c, _, err := r.CreateClient(ctx, ClientSpec{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := r.RotateAPIKey(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := r.Store.GetClient(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key.Reveal(), token.PrefixAPIKey) || !r.Secrets.Verify(key.Reveal(), stored.APIKeyHash) {
		t.Error("rotated API key does not verify")
	}
}

func TestNoSecretHasher(t *testing.T) {
	r := newRegistry(t)
	r.Secrets = nil
	if _, _, err := r.CreateClient(context.Background(), ClientSpec{Name: "a"}); err == nil {
		t.Error("created a confidential client without a secret hasher")
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	r := newRegistry(t)
	_, creds, err := r.CreateClient(context.Background(), ClientSpec{Name: "a", APIKey: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{creds.ClientSecret.String(), creds.APIKey.String()} {
		if strings.Contains(s, "tmcs_") || strings.Contains(s, "tmak_") {
			t.Errorf("secret printed: %s", s)
		}
	}
}
