// The set-up of the tests of the authorization code flow with
// oauth4webapi: servers on SQLite and PostgreSQL, a user, web clients
// and their keys, and the Node scripts run against them.

package oauth4webapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

const (
	webCallback = "https://app.example/callback"
	webUser     = "ada"
	webPassword = "correct horse battery"
)

// onBackends runs fn on a SQLite file always, and on PostgreSQL when
// TOKENMINT_TEST_POSTGRES names one; fn gets the database of its servers.
func onBackends(t *testing.T, fn func(t *testing.T, database func() string)) {
	t.Run("sqlite", func(t *testing.T) {
		n := 0
		fn(t, func() string {
			n++
			return "sqlite:" + filepath.Join(t.TempDir(), fmt.Sprintf("tokenmint%d.db", n))
		})
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(storetest.PostgresEnv) == "" {
			t.Skip(storetest.PostgresEnv + " not set: set it to a PostgreSQL DSN to run the oauth4webapi PAR, JAR and form_post tests on PostgreSQL too")
		}
		fn(t, func() string { return storetest.PostgresDSN(t) })
	})
}

// startWebServer starts a server on the wall clock (oauth4webapi dates
// its assertions and request objects by it) with a user who signs in.
func startWebServer(t *testing.T, database string, edit func(*config.Config)) *servertest.Instance {
	t.Helper()
	clock := servertest.NewClock()
	realTime(t, clock)
	cfg := config.Default()
	cfg.Issuer = ""
	cfg.Database = database
	if edit != nil {
		edit(&cfg)
	}
	in := servertest.StartWithClock(t, clock, cfg)
	in.CreateUser(t, webUser, webPassword)
	return in
}

// signingKey is a P-256 key: its public JWK Set to register and its
// private JWK for oauth4webapi.
type signingKey struct{ public, private []byte }

func newSigningKey(t *testing.T, kid string) signingKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	public, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	private, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: "ES256"})
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{public, private}
}

// webClient registers a client of the code grant, scopes openid and api,
// redirect URI webCallback; edit changes the spec first.
func webClient(t *testing.T, in *servertest.Instance, name string, edit func(*registry.ClientSpec)) servertest.Client {
	t.Helper()
	spec := registry.ClientSpec{Name: name, GrantTypes: []string{tokenmint.GrantAuthorizationCode},
		Scopes: []string{"openid", "api"}, RedirectURIs: []string{webCallback}}
	if edit != nil {
		edit(&spec)
	}
	return in.CreateClient(t, spec)
}

func withJWKS(k signingKey) func(*registry.ClientSpec) {
	return func(s *registry.ClientSpec) { s.JWKS = k.public }
}

// runNode runs script with env added and fails t if it fails.
func runNode(t *testing.T, node, script string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", script, out)
	if err != nil {
		t.Fatalf("oauth4webapi: %v", err)
	}
}
