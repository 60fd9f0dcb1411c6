package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/token"
)

// writeJWKS writes a JWK Set of one P-256 key (its private part too
// when private) and returns the file's path.
func writeJWKS(t *testing.T, private bool) string {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var key any = &k.PublicKey
	if private {
		key = k
	}
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "k1"}}})
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestClientCreateAuthMethods: client create with
// --token-endpoint-auth-method private_key_jwt and --jwks FILE (no
// secret printed) or --jwks-uri URL, client_secret_jwt (a secret), none
// (a public client); the refusals name the flag.
func TestClientCreateAuthMethods(t *testing.T) {
	e := testEnv(t)
	r := e.ok(t, "", "client", "create", "--name", "pk", "--token-endpoint-auth-method", "private_key_jwt",
		"--jwks", writeJWKS(t, false), "--token-endpoint-auth-signing-alg", "ES256")
	if got, want := jsonKeys(t, r), withKeys("jwks", "token_endpoint_auth_signing_alg"); !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	v := decode[clientView](t, r)
	var jwks bytes.Buffer
	json.Compact(&jwks, v.JWKS)
	if v.AuthMethod != "private_key_jwt" || v.Public || !strings.Contains(jwks.String(), `"kid":"k1"`) || v.AuthSigningAlg != "ES256" {
		t.Errorf("private_key_jwt client %+v", v)
	}
	r = e.ok(t, "", "client", "create", "--name", "pk2", "--token-endpoint-auth-method", "private_key_jwt",
		"--jwks-uri", "https://partner.example/jwks.json", "--output", "table")
	if !strings.Contains(r.stdout, "https://partner.example/jwks.json") || strings.Contains(r.stdout, "client_secret") {
		t.Errorf("table of a jwks_uri client:\n%s", r.stdout)
	}
	r = e.ok(t, "", "client", "create", "--name", "sj", "--token-endpoint-auth-method", "client_secret_jwt")
	v = decode[clientView](t, r)
	if v.AuthMethod != "client_secret_jwt" || !strings.HasPrefix(v.ClientSecret, token.PrefixClientSecret) || len(v.ClientSecret) < 64 {
		t.Errorf("client_secret_jwt client %+v", v)
	}
	r = e.ok(t, "", "client", "create", "--name", "spa", "--token-endpoint-auth-method", "none", "--grant-type", "authorization_code",
		"--redirect-uri", "https://app.example/cb")
	if v = decode[clientView](t, r); !v.Public || v.ClientSecret != "" || v.AuthMethod != "none" {
		t.Errorf("none client %+v", v)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--token-endpoint-auth-method", "tls_client_auth"}, "needs one of tls_client_auth_subject_dn"},
		{[]string{"--token-endpoint-auth-method", "magic"}, "invalid value"},
		{[]string{"--token-endpoint-auth-method", "private_key_jwt"}, "jwks or jwks_uri"},
		{[]string{"--token-endpoint-auth-method", "private_key_jwt", "--jwks", writeJWKS(t, true)}, "public keys only"},
		{[]string{"--token-endpoint-auth-method", "private_key_jwt", "--jwks", "/nonexistent/jwks.json"}, "read JWK Set"},
		{[]string{"--token-endpoint-auth-method", "private_key_jwt", "--jwks-uri", "jwks.json"}, "absolute URL"},
		{[]string{"--token-endpoint-auth-method", "private_key_jwt", "--jwks-uri", "https://a.example/j", "--token-endpoint-auth-signing-alg", "HS256"}, "not an algorithm private_key_jwt may use"},
		{[]string{"--token-endpoint-auth-method", "private_key_jwt", "--jwks-uri", "https://a.example/j", "--token-endpoint-auth-signing-alg", "none"}, "invalid value"},
		{[]string{"--public", "--token-endpoint-auth-method", "private_key_jwt"}, "--public goes with"},
		{[]string{"--jwks-uri", "https://a.example/j", "--jwks", writeJWKS(t, false)}, "cannot both be given"},
	} {
		r := e.exec(t, "", append([]string{"client", "create", "--name", "x"}, tc.args...)...)
		if r.code == exitOK || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
