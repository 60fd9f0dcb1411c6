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

// TestOAuth4WebAPIPARJAR: oauth4webapi through PAR (RFC 9126) and JAR
// (RFC 9101) on real servers (par_jar.mjs): discovery; the code flow
// with PKCE through pushedAuthorizationRequest, the client authenticated
// with client_secret_basic and with private_key_jwt, the browser bringing
// client_id and request_uri alone, validateAuthResponse checking iss (RFC
// 9207), the code redeemed and the ID token validated; a request object
// signed by issueRequestObject, by value and inside PAR; a client
// registered with require_pushed_authorization_requests and a server
// started with it (discovered). Refused: a replayed request_uri and a
// replayed request object (error page), a request object signed with
// another client's key or for another audience (invalid_request_object),
// PAR without client authentication or with a wrong secret
// (invalid_client), another client's request_uri, authorization requests
// that did not come through PAR where it is required (invalid_request).
func TestOAuth4WebAPIPARJAR(t *testing.T) {
	node := requireNode(t)
	onBackends(t, func(t *testing.T, database func() string) {
		in := startWebServer(t, database(), nil)
		basicKey, pkKey, otherKey := newSigningKey(t, "basic-1"), newSigningKey(t, "pk-1"), newSigningKey(t, "other-1")
		basic := webClient(t, in, "oauth4webapi basic", withJWKS(basicKey))
		pk := webClient(t, in, "oauth4webapi pk", func(s *registry.ClientSpec) {
			s.AuthMethod = tokenmint.AuthMethodPrivateKeyJWT
			s.JWKS = pkKey.public
		})
		webClient(t, in, "oauth4webapi other", withJWKS(otherKey))
		parOnly := webClient(t, in, "oauth4webapi PAR only", func(s *registry.ClientSpec) { s.RequirePushedAuthorizationRequests = true })

		strictIn := startWebServer(t, database(), func(c *config.Config) { c.RequirePushedAuthorizationRequests = true })
		strict := webClient(t, strictIn, "oauth4webapi strict", nil)

		runNode(t, node, "par_jar.mjs",
			"TOKENMINT_ISSUER="+in.Config.Issuer, "USERNAME="+webUser, "PASSWORD="+webPassword,
			"BASIC_CLIENT_ID="+basic.ID, "BASIC_CLIENT_SECRET="+basic.Secret, "BASIC_JWK="+string(basicKey.private),
			"PK_CLIENT_ID="+pk.ID, "PK_JWK="+string(pkKey.private), "OTHER_JWK="+string(otherKey.private),
			"PARONLY_CLIENT_ID="+parOnly.ID, "PARONLY_CLIENT_SECRET="+parOnly.Secret,
			"STRICT_ISSUER="+strictIn.Config.Issuer, "STRICT_CLIENT_ID="+strict.ID, "STRICT_CLIENT_SECRET="+strict.Secret,
		)
	})
}
