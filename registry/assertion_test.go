package registry

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/token"
)

func testJWKS(t *testing.T, private bool) []byte {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var key any = &k.PublicKey
	if private {
		key = k
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "k1"}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withSealer(r *Registry) *Registry {
	r.Sealer = token.MustSealer(make32('s'))
	return r
}

func make32(c byte) []byte { return []byte(strings.Repeat(string(c), 32)) }

// TestPrivateKeyJWTClient: a private_key_jwt client gets no secret, needs
// its public keys (one source), and is refused a private key.
func TestPrivateKeyJWTClient(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	spec := ClientSpec{Name: "pk", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKS: testJWKS(t, false)}
	c, creds, err := r.CreateClient(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if creds.ClientSecret != "" || len(c.SecretHash) > 0 || len(c.SecretEnc) > 0 {
		t.Fatalf("a private_key_jwt client got a secret: %+v", c)
	}
	if _, _, err := r.RotateSecretGrace(ctx, c.ID, 0); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "no secret") {
		t.Fatalf("rotating the secret of a private_key_jwt client: %v", err)
	}
	for name, tc := range map[string]struct {
		spec  ClientSpec
		field string
	}{
		"no keys":           {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT}, tokenmint.FieldJWKS},
		"a private key":     {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKS: testJWKS(t, true)}, tokenmint.FieldJWKS},
		"both sources":      {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKS: testJWKS(t, false), JWKSURI: "https://c.example/jwks"}, tokenmint.FieldJWKSURI},
		"a relative URI":    {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKSURI: "/jwks"}, tokenmint.FieldJWKSURI},
		"an ftp URI":        {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKSURI: "ftp://c.example/jwks"}, tokenmint.FieldJWKSURI},
		"HS256 for pk":      {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKSURI: "https://c.example/jwks", AuthSigningAlg: "HS256"}, tokenmint.FieldAuthSigningAlg},
		"none for pk":       {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKSURI: "https://c.example/jwks", AuthSigningAlg: "none"}, tokenmint.FieldAuthSigningAlg},
		"alg for basic":     {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodSecretBasic, AuthSigningAlg: "ES256"}, tokenmint.FieldAuthSigningAlg},
		"tls_client_auth":   {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodTLSClientAuth}, tokenmint.FieldTLSClientAuthSubjectDN},
		"self_signed_tls":   {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodSelfSignedTLSClientAuth}, tokenmint.FieldJWKS},
		"a DN for pk":       {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKSURI: "https://c.example/jwks", TLSClientAuthSubjectDN: "CN=x"}, tokenmint.FieldTLSClientAuthSubjectDN},
		"RS256 for secrets": {ClientSpec{Name: "x", AuthMethod: tokenmint.AuthMethodSecretJWT, AuthSigningAlg: "RS256"}, tokenmint.FieldAuthSigningAlg},
	} {
		_, _, err := withSealer(r).CreateClient(ctx, tc.spec)
		var fe *tokenmint.FieldError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: error = %v, want ErrInvalid about %s", name, err, tc.field)
		}
	}
	if _, _, err := r.CreateClient(ctx, ClientSpec{Name: "uri", AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKSURI: "https://c.example/jwks", AuthSigningAlg: "RS256"}); err != nil {
		t.Fatalf("a jwks_uri client with RS256: %v", err)
	}
}

// TestSecretJWTClient: the secret of a client_secret_jwt client is long
// enough for HS512 and kept sealed for that client beside its hash; a
// rotation seals the new one and keeps the old one for the grace period.
func TestSecretJWTClient(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	spec := ClientSpec{Name: "sj", AuthMethod: tokenmint.AuthMethodSecretJWT}
	if _, _, err := r.CreateClient(ctx, spec); err == nil || errors.Is(err, ErrInvalid) {
		t.Fatalf("a registry without a sealer made a client_secret_jwt client: %v", err)
	}
	withSealer(r)
	c, creds, err := r.CreateClient(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	secret := creds.ClientSecret.Reveal()
	if len(secret) < 64 || !r.Secrets.Verify(secret, c.SecretHash) {
		t.Fatalf("secret %d bytes, hash verifies %v", len(secret), r.Secrets.Verify(secret, c.SecretHash))
	}
	open := func(sealed []byte) string {
		t.Helper()
		p, err := r.Sealer.Open(sealed, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return string(p)
	}
	if open(c.SecretEnc) != secret {
		t.Fatal("the sealed secret is not the secret")
	}
	next, rotated, err := r.RotateSecretGrace(ctx, c.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if open(rotated.SecretEnc) != next.Reveal() || open(rotated.PreviousSecretEnc) != secret || !rotated.PreviousSecretLive(testNow) {
		t.Fatal("a rotation with grace did not seal the new secret and keep the old one")
	}
	_, rotated, err = r.RotateSecretGrace(ctx, c.ID, 0)
	if err != nil || rotated.PreviousSecretEnc != nil || rotated.PreviousSecretHash != nil {
		t.Fatalf("a rotation without grace kept the previous secret: %v", err)
	}
	basic, _, err := r.CreateClient(ctx, ClientSpec{Name: "basic"})
	if err != nil || basic.SecretEnc != nil {
		t.Fatalf("a client_secret_basic client's secret was sealed: %v", err)
	}
}

// TestChangeAuthMethod: through UpdateClient, moving between methods
// keeps only the credentials the new one uses, and refuses a move that
// needs one the client has not got.
func TestChangeAuthMethod(t *testing.T) {
	r := withSealer(newRegistry(t))
	ctx := context.Background()
	basic, _, _ := r.CreateClient(ctx, ClientSpec{Name: "b"})
	sj, _, _ := r.CreateClient(ctx, ClientSpec{Name: "s", AuthMethod: tokenmint.AuthMethodSecretJWT, AuthSigningAlg: "HS256"})
	pub, _, _ := r.CreateClient(ctx, ClientSpec{Name: "p", Public: true, GrantTypes: []string{tokenmint.GrantAuthorizationCode}, RedirectURIs: []string{"https://a.example/cb"}})
	change := func(id, m string, jwks []byte) (tokenmint.Client, error) {
		return r.UpdateClient(ctx, id, func(c *tokenmint.Client) error {
			if err := c.ChangeAuthMethod(m); err != nil {
				return err
			}
			if jwks != nil {
				c.JWKS = jwks
			}
			return nil
		})
	}
	if _, err := change(basic.ID, tokenmint.AuthMethodSecretJWT, nil); err == nil || !strings.Contains(err.Error(), "create another client") {
		t.Fatalf("basic to client_secret_jwt: %v", err)
	}
	if _, err := change(pub.ID, tokenmint.AuthMethodPrivateKeyJWT, testJWKS(t, false)); err == nil {
		t.Fatal("a public client became private_key_jwt")
	}
	c, err := change(sj.ID, tokenmint.AuthMethodSecretPost, nil)
	if err != nil || c.SecretEnc != nil || c.AuthSigningAlg != "" || len(c.SecretHash) == 0 {
		t.Fatalf("client_secret_jwt to post: %v, %+v", err, c)
	}
	if _, err := change(basic.ID, tokenmint.AuthMethodPrivateKeyJWT, nil); err == nil {
		t.Fatal("a client became private_key_jwt without keys")
	}
	c, err = change(basic.ID, tokenmint.AuthMethodPrivateKeyJWT, testJWKS(t, false))
	if err != nil || c.SecretHash != nil || c.PreviousSecretHash != nil {
		t.Fatalf("basic to private_key_jwt kept its secret: %v", err)
	}
	if _, err := change(basic.ID, tokenmint.AuthMethodSecretBasic, nil); err == nil || !strings.Contains(err.Error(), "no secret") {
		t.Fatalf("private_key_jwt back to basic: %v", err)
	}
}
