package grant_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// fakeKeySource serves the JWK Sets of jwks_uri clients from memory; a
// refresh serves next[uri] when set (the client rotated its keys).
type fakeKeySource struct {
	mu        sync.Mutex
	sets      map[string]*jose.JSONWebKeySet
	next      map[string]*jose.JSONWebKeySet
	refreshes int
	err       error
}

// IssuerKeys answers the sets of trusted issuers, by issuer, as
// ClientKeys does by URI.
func (k *fakeKeySource) IssuerKeys(ctx context.Context, issuer string, refresh bool) (*jose.JSONWebKeySet, error) {
	return k.ClientKeys(ctx, issuer, refresh)
}

func (k *fakeKeySource) ClientKeys(_ context.Context, uri string, refresh bool) (*jose.JSONWebKeySet, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		return nil, k.err
	}
	if refresh {
		k.refreshes++
		if n, ok := k.next[uri]; ok {
			k.sets[uri] = n
		}
	}
	s, ok := k.sets[uri]
	if !ok {
		return nil, errors.New("no such jwks_uri")
	}
	return s, nil
}

// signAssertion signs claims with key (a private key, or an HMAC key)
// under alg, with headers.
func signAssertion(tb testing.TB, key any, alg string, headers map[jose.HeaderKey]any, claims map[string]any) string {
	tb.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	for k, v := range headers {
		opts = opts.WithHeader(k, v)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		tb.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// assertionClaims are valid claims of an assertion by id at now.
func assertionClaims(id, aud string, now time.Time) map[string]any {
	return map[string]any{"iss": id, "sub": id, "aud": aud, "jti": base64.RawURLEncoding.EncodeToString([]byte(now.String() + id + randomString())),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
}

func randomString() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func publicSet(tb testing.TB, keys ...jose.JSONWebKey) []byte {
	tb.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func assertionCred(id, raw string) grant.Credentials {
	return grant.Credentials{ID: id, Method: grant.AuthAssertion, AssertionType: grant.AssertionTypeJWT, Assertion: raw, Endpoint: "/oauth2/token"}
}

// wantInvalidClient fails unless err is invalid_client whose description
// contains want.
func wantInvalidClient(tb testing.TB, err error, want string) {
	tb.Helper()
	oe, ok := oauth.As(err)
	if !ok || oe.Code != oauth.InvalidClient || oe.HTTPStatus() != 401 || !strings.Contains(oe.Description, want) {
		tb.Fatalf("error = %v, want invalid_client (401) saying %q", err, want)
	}
}

// TestPrivateKeyJWT drives private_key_jwt through Engine.Token, and
// every way an assertion must be refused with invalid_client.
func TestPrivateKeyJWT(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c, _ := f.client(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, Scopes: []string{"api"},
		JWKS: publicSet(t, jose.JSONWebKey{Key: &ec.PublicKey, KeyID: "k1"})})
	o, _ := f.client(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodPrivateKeyJWT,
		JWKS: publicSet(t, jose.JSONWebKey{Key: &other.PublicKey, KeyID: "k1"})})
	basic, basicCred := f.client(t, registry.ClientSpec{})
	const iss = "https://issuer.test"
	kid := map[jose.HeaderKey]any{"kid": "k1"}
	token := func(raw, id string) error {
		_, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials, Client: assertionCred(id, raw)})
		return err
	}
	good := func(mutate func(map[string]any)) string {
		cl := assertionClaims(c.ID, iss, f.clock())
		if mutate != nil {
			mutate(cl)
		}
		return signAssertion(t, ec, "ES256", kid, cl)
	}
	if err := token(good(nil), ""); err != nil {
		t.Fatalf("a valid assertion: %v", err)
	}
	if err := token(good(func(m map[string]any) { m["aud"] = iss + "/oauth2/token" }), c.ID); err != nil {
		t.Fatalf("aud the token endpoint, with client_id: %v", err)
	}
	if err := token(good(func(m map[string]any) { m["aud"] = []string{"https://other.example", iss} }), ""); err != nil {
		t.Fatalf("aud an array naming the issuer: %v", err)
	}
	if err := token(good(func(m map[string]any) { delete(m, "iat") }), ""); err != nil {
		t.Fatalf("no iat: %v", err)
	}
	if err := token(signAssertion(t, ec, "ES256", nil, assertionClaims(c.ID, iss, f.clock())), ""); err != nil {
		t.Fatalf("no kid: %v", err)
	}
	replayed := good(nil)
	if err := token(replayed, ""); err != nil {
		t.Fatal(err)
	}
	now := f.clock()
	hs := signAssertion(t, []byte(strings.Repeat("k", 32)), "HS256", kid, assertionClaims(c.ID, iss, now))
	pubJSON, _ := json.Marshal(jose.JSONWebKey{Key: &ec.PublicKey})
	confused := signAssertion(t, pubJSON, "HS256", kid, assertionClaims(c.ID, iss, now))
	header, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	payload, _ := json.Marshal(assertionClaims(c.ID, iss, now))
	none := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name, raw, id, want string
	}{
		{"replayed jti", replayed, "", "used before"},
		{"another audience", good(func(m map[string]any) { m["aud"] = "https://other.example" }), "", "aud"},
		{"the introspection endpoint as aud at the token endpoint", good(func(m map[string]any) { m["aud"] = iss + "/oauth2/introspect" }), "", "aud"},
		{"no aud", good(func(m map[string]any) { delete(m, "aud") }), "", "aud"},
		{"alg none", none, "", "never none"},
		{"HS256 with a random key", hs, "", "authentication failed"},
		{"HS256 keyed with the public key", confused, "", "authentication failed"},
		{"expired", good(func(m map[string]any) { m["exp"] = now.Add(-time.Minute).Unix() }), "", "expired"},
		{"no exp", good(func(m map[string]any) { delete(m, "exp") }), "", "no exp"},
		{"exp too far ahead", good(func(m map[string]any) { m["exp"] = now.Add(10 * time.Minute).Unix() }), "", "too far ahead"},
		{"nbf ahead", good(func(m map[string]any) { m["nbf"] = now.Add(2 * time.Minute).Unix() }), "", "nbf"},
		{"iat ahead", good(func(m map[string]any) { m["iat"] = now.Add(2 * time.Minute).Unix() }), "", "iat"},
		{"iat long ago", good(func(m map[string]any) { m["iat"] = now.Add(-time.Hour).Unix() }), "", "too old"},
		{"no jti", good(func(m map[string]any) { delete(m, "jti") }), "", "jti"},
		{"long jti", good(func(m map[string]any) { m["jti"] = strings.Repeat("j", 300) }), "", "jti"},
		{"sub differs", good(func(m map[string]any) { m["sub"] = "someone" }), "", "iss and sub"},
		{"iss of another client", good(func(m map[string]any) { m["iss"], m["sub"] = o.ID, o.ID }), "", "authentication failed"},
		{"client_id differs", good(nil), o.ID, "differs"},
		{"unknown client", good(func(m map[string]any) { m["iss"], m["sub"] = "nobody", "nobody" }), "", "authentication failed"},
		{"unknown kid", signAssertion(t, ec, "ES256", map[jose.HeaderKey]any{"kid": "k9"}, assertionClaims(c.ID, iss, now)), "", "authentication failed"},
		{"a key of another client", signAssertion(t, other, "ES256", kid, assertionClaims(c.ID, iss, now)), "", "authentication failed"},
		{"RS256, not allowed by default", signAssertion(t, rsaKey, "RS256", kid, assertionClaims(c.ID, iss, now)), "", "authentication failed"},
		{"EdDSA with a key not registered", signAssertion(t, edKey, "EdDSA", kid, assertionClaims(c.ID, iss, now)), "", "authentication failed"},
		{"an assertion for a client_secret_basic client", signAssertion(t, ec, "ES256", kid, assertionClaims(basic.ID, iss, now)), "", "authentication failed"},
		{"typ of an access token", signAssertion(t, ec, "ES256", map[jose.HeaderKey]any{"kid": "k1", "typ": "at+jwt"}, assertionClaims(c.ID, iss, now)), "", "typ"},
		{"not a JWT", "not.a.jwt", "", "not a JWS"},
		{"a JWE-like five parts", "a.b.c.d.e", "", "not a JWS"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantInvalidClient(t, token(tc.raw, tc.id), tc.want) })
	}
	t.Run("wrong assertion type", func(t *testing.T) {
		cred := assertionCred("", good(nil))
		cred.AssertionType = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
		_, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials, Client: cred})
		wantInvalidClient(t, err, "client_assertion_type")
	})
	t.Run("a secret for a private_key_jwt client", func(t *testing.T) {
		_, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials,
			Client: grant.Credentials{ID: c.ID, Secret: basicCred.Secret, Method: grant.AuthPost}})
		wantInvalidClient(t, err, "authentication failed")
	})
	t.Run("the replay refused after the janitor ran", func(t *testing.T) {
		if _, err := f.st.DeleteExpired(ctx, f.clock()); err != nil {
			t.Fatal(err)
		}
		wantInvalidClient(t, token(replayed, ""), "used before")
	})
}

// TestPrivateKeyJWTRotation: a client with a jwks_uri that signs with a
// kid the cached set lacks gets its set fetched again, once.
func TestPrivateKeyJWTRotation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rotated, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const uri = "https://client.example/jwks"
	f.keys.sets[uri] = &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &old.PublicKey, KeyID: "old"}}}
	f.keys.next = map[string]*jose.JSONWebKeySet{uri: {Keys: []jose.JSONWebKey{{Key: &rotated.PublicKey, KeyID: "new"}}}}
	c, _ := f.client(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKSURI: uri})
	auth := func(key *ecdsa.PrivateKey, kid string) error {
		_, err := f.e.AuthenticateClient(ctx, assertionCred("", signAssertion(t, key, "ES256", map[jose.HeaderKey]any{"kid": kid}, assertionClaims(c.ID, "https://issuer.test", f.clock()))))
		return err
	}
	if err := auth(old, "old"); err != nil || f.keys.refreshes != 0 {
		t.Fatalf("the cached key: %v, %d refreshes", err, f.keys.refreshes)
	}
	if err := auth(rotated, "new"); err != nil || f.keys.refreshes != 1 {
		t.Fatalf("the rotated key: %v, %d refreshes", err, f.keys.refreshes)
	}
	f.keys.err = errors.New("connection refused")
	wantInvalidClient(t, auth(rotated, "new"), "jwks_uri could not be fetched")
	f.keys.err = tokenmint.ErrUnavailable
	if err := auth(rotated, "new"); !errors.Is(err, tokenmint.ErrUnavailable) {
		t.Fatalf("an unavailable key source: %v", err)
	}
}

// TestClientSecretJWT: an HMAC of the client's secret authenticates it
// (HS256, HS384, HS512), and the previous secret during a rotation's
// grace period; a wrong secret, another alg than the registered one or
// the secret sent as such does not.
func TestClientSecretJWT(t *testing.T) {
	f := newFixtureWith(t, cheap, false) // sees the rotation at once
	ctx := context.Background()
	c, cred := f.client(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodSecretJWT, Scopes: []string{"api"}})
	pinned, pinnedCred := f.client(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodSecretJWT, AuthSigningAlg: "HS512"})
	const iss = "https://issuer.test"
	auth := func(id string, key []byte, alg string) error {
		_, err := f.e.AuthenticateClient(ctx, assertionCred("", signAssertion(t, key, alg, nil, assertionClaims(id, iss, f.clock()))))
		return err
	}
	for _, alg := range []string{"HS256", "HS384", "HS512"} {
		if err := auth(c.ID, []byte(cred.Secret), alg); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
	}
	if err := auth(pinned.ID, []byte(pinnedCred.Secret), "HS512"); err != nil {
		t.Fatal(err)
	}
	wantInvalidClient(t, auth(pinned.ID, []byte(pinnedCred.Secret), "HS256"), "authentication failed")
	wantInvalidClient(t, auth(c.ID, []byte(strings.Repeat("x", 64)), "HS256"), "authentication failed")
	wantInvalidClient(t, auth(c.ID, []byte(pinnedCred.Secret), "HS256"), "authentication failed")
	_, err := f.e.AuthenticateClient(ctx, grant.Credentials{ID: c.ID, Secret: cred.Secret, Method: grant.AuthBasic})
	wantInvalidClient(t, err, "authentication failed")
	next, _, err := f.reg.RotateSecretGrace(ctx, c.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth(c.ID, []byte(cred.Secret), "HS256"); err != nil {
		t.Fatalf("the previous secret in its grace period: %v", err)
	}
	if err := auth(c.ID, []byte(next.Reveal()), "HS256"); err != nil {
		t.Fatalf("the new secret: %v", err)
	}
	f.advance(2 * time.Hour)
	wantInvalidClient(t, auth(c.ID, []byte(cred.Secret), "HS256"), "authentication failed")
}

// FuzzClientAssertion: whatever a client_assertion holds, authentication
// with it fails with invalid_client, or succeeds only for a valid
// assertion of the registered client, and never panics.
func FuzzClientAssertion(f *testing.F) {
	fx := newFixture(f)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c, _ := fx.client(f, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodPrivateKeyJWT,
		JWKS: publicSet(f, jose.JSONWebKey{Key: &ec.PublicKey, KeyID: "k1"})})
	s, _ := fx.client(f, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodSecretJWT})
	f.Add(signAssertion(f, ec, "ES256", map[jose.HeaderKey]any{"kid": "k1"}, assertionClaims(c.ID, "https://issuer.test", fx.clock())))
	f.Add(signAssertion(f, []byte(strings.Repeat("k", 64)), "HS256", nil, assertionClaims(s.ID, "https://issuer.test", fx.clock())))
	f.Add("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.")
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := fx.e.AuthenticateClient(context.Background(), assertionCred("", raw))
		if err == nil {
			if got.ID != c.ID {
				t.Fatalf("authenticated %s with a fuzzed assertion", got.ID)
			}
			return
		}
		if oe, ok := oauth.As(err); !ok || oe.Code != oauth.InvalidClient {
			t.Fatalf("error = %v, want invalid_client", err)
		}
	})
}
