package server_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
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
// gets tokens with the secret its reference names. Two instances starting
// at once on one database (a SQLite file, and PostgreSQL when
// TOKENMINT_TEST_POSTGRES is set) both apply it: the one that loses the
// race to create finds the entries in place.
func TestSeed(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			seed := filepath.Join(dir, "seed.yaml")
			os.WriteFile(seed, []byte(seedManifest), 0o600)
			os.WriteFile(filepath.Join(dir, "carol.pw"), []byte("carol's long passphrase\n"), 0o600)
			t.Setenv("SEEDED_SECRET", "seeded-secret-0123456789")
			cfg := config.Default()
			cfg.Issuer, cfg.Seed, cfg.Database = "http://127.0.0.1", seed, "sqlite:"+filepath.Join(dir, "tokenmint.db")
			if backend == "postgres" {
				cfg.Database = storetest.PostgresDSN(t)
			}
			clock := servertest.NewClock()
			var in [2]*servertest.Instance
			var errs [2]error
			var wg sync.WaitGroup
			for i := range in {
				wg.Go(func() { in[i], errs[i] = servertest.Launch(t, clock, cfg) })
			}
			wg.Wait()
			for i := range in {
				if errs[i] != nil {
					t.Fatalf("instance %d: %v", i, errs[i])
				}
				status, _, body := post(t, in[i].URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "seeded", "seeded-secret-0123456789")
				if status != http.StatusOK || body["expires_in"] != float64(300) || body["scope"] != "api" {
					t.Fatalf("token for the seeded client from instance %d: %d %v", i, status, body)
				}
			}
			u, err := in[0].Server.Store().GetUserByUsername(context.Background(), "carol")
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := in[0].Server.Registry().PasswordMatches(&u, "carol's long passphrase"); !ok || err != nil {
				t.Errorf("carol's password from the file reference: %v, %v", ok, err)
			}
		})
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
