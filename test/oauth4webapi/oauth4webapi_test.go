// Package oauth4webapi_test runs tokenmint against panva's oauth4webapi,
// a third-party OAuth 2.0 client from the npm registry: the Node project
// in this directory (package.json, package-lock.json, exact versions)
// and client_auth.mjs, driven by the Go test here, which starts a real
// server.
package oauth4webapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
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
)

// requireNode skips the test when Node, npm or the installed packages
// are missing, unless TOKENMINT_TEST_NODE=1 (.ci/run) makes them
// mandatory.
func requireNode(t *testing.T) string {
	t.Helper()
	mandatory := os.Getenv("TOKENMINT_TEST_NODE") == "1"
	missing := func(why string) {
		t.Helper()
		msg := why + ": run `npm ci --prefix test/oauth4webapi` (Node 20 or later) to run the oauth4webapi tests; TOKENMINT_TEST_NODE=1 makes them mandatory"
		if mandatory {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		missing("npm is not installed")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "oauth4webapi", "package.json")); err != nil {
		missing("oauth4webapi is not installed in test/oauth4webapi/node_modules")
	}
	return node
}

// realTime keeps the server's clock on the wall clock, which
// oauth4webapi's assertions are dated by.
func realTime(t *testing.T, clock *servertest.Clock) {
	clock.Set(time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				clock.Set(now)
			}
		}
	}()
}

// TestOAuth4WebAPIClientAuth: oauth4webapi authenticates with
// private_key_jwt (ES256) and client_secret_jwt (HS256) at the token,
// introspection and revocation endpoints of a real server, found by
// discovery, and its hostile variants (a replayed jti, another audience,
// an expired assertion, exp too far ahead, iss and sub differing, no
// jti, an unknown kid, a wrong secret, HS256 for a private_key_jwt
// client) are refused with 401 invalid_client.
func TestOAuth4WebAPIClientAuth(t *testing.T) {
	node := requireNode(t)
	clock := servertest.NewClock()
	realTime(t, clock)
	cfg := config.Default()
	cfg.Issuer = ""
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db")
	in := servertest.StartWithClock(t, clock, cfg)

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	public, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "o4w-1", Algorithm: "ES256", Use: "sig"}}})
	private, _ := json.Marshal(jose.JSONWebKey{Key: key, KeyID: "o4w-1", Algorithm: "ES256"})
	pk := in.CreateClient(t, registry.ClientSpec{Name: "oauth4webapi pk", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKS: public, Scopes: []string{"api"}})
	sj := in.CreateClient(t, registry.ClientSpec{Name: "oauth4webapi sj", AuthMethod: tokenmint.AuthMethodSecretJWT, Scopes: []string{"api"}})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client_auth.mjs")
	cmd.Env = append(os.Environ(),
		"TOKENMINT_ISSUER="+in.Config.Issuer,
		"PK_CLIENT_ID="+pk.ID, "PK_JWK="+string(private),
		"SJ_CLIENT_ID="+sj.ID, "SJ_SECRET="+sj.Secret,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("node client_auth.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("oauth4webapi: %v", err)
	}
}
