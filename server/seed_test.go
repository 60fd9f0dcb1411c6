package server_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/server/servertest"
)

const seedManifest = `clients:
  - client_id: seeded
    client_name: Seeded service
    scope: api
    access_token_ttl: 300
    client_secret: {env: SEEDED_SECRET}
users:
  - username: carol
    password: {file: carol.pw}
`

// TestSeed: serve --seed applies a manifest at start; the seeded client
// gets tokens with the secret its reference names, and a restart on the
// same database applies it again without change.
func TestSeed(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.yaml")
	os.WriteFile(seed, []byte(seedManifest), 0o600)
	os.WriteFile(filepath.Join(dir, "carol.pw"), []byte("carol's long passphrase\n"), 0o600)
	t.Setenv("SEEDED_SECRET", "seeded-secret-0123456789")
	db := "sqlite:" + filepath.Join(dir, "tokenmint.db")
	opt := func(c *config.Config) { c.Seed, c.Database = seed, db }
	in := servertest.Start(t, opt)
	status, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "seeded", "seeded-secret-0123456789")
	if status != http.StatusOK || body["expires_in"] != float64(300) || body["scope"] != "api" {
		t.Fatalf("token for the seeded client: %d %v", status, body)
	}
	u, err := in.Server.Store().GetUserByUsername(context.Background(), "carol")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := in.Server.Registry().PasswordMatches(&u, "carol's long passphrase"); !ok || err != nil {
		t.Errorf("carol's password from the file reference: %v, %v", ok, err)
	}
	// A second instance on the same database: the seed finds everything
	// in place.
	second := servertest.Start(t, opt)
	if status, _, _ := post(t, second.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "seeded", "seeded-secret-0123456789"); status != http.StatusOK {
		t.Errorf("token from the second instance: %d", status)
	}
}

// TestSeedRefused: a seed that would need a generated secret, or names a
// variable that is not set, stops the start with the file and line.
func TestSeedRefused(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, text, want string }{
		{"no reference", "clients:\n  - {client_id: a, client_name: a}\n", "seed: " + filepath.Join(dir, "seed.yaml") + ":2: client a: no client_secret reference"},
		{"unset variable", "clients:\n  - client_id: a\n    client_name: a\n    client_secret: {env: TOKENMINT_TEST_UNSET_SEED}\n", "TOKENMINT_TEST_UNSET_SEED is unset"},
		{"user without password", "users:\n  - username: a\n", "no password reference"},
		{"bad file", "clients: [", "not valid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := filepath.Join(dir, "seed.yaml")
			os.WriteFile(seed, []byte(tt.text), 0o600)
			cfg := config.Default()
			cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db")
			cfg.Seed = seed
			_, err := servertest.Launch(t, servertest.NewClock(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
