package rs_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/rs"
)

// TestJWTAccessToken: a JWT access token the server issued to a client
// using golang.org/x/oauth2 is accepted, its claims in the context; the
// JWK Set is fetched once for many requests.
func TestJWTAccessToken(t *testing.T) {
	e := newEnv(t)
	app := e.app(nil)
	m := e.middleware(e.config())
	srv := newAPI(t, m.Require("read"))
	cc := clientcredentials.Config{ClientID: app.ID, ClientSecret: app.Secret, TokenURL: e.in.URL + "/oauth2/token", Scopes: []string{"read"}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, http.DefaultClient)
	client := cc.Client(ctx)
	for range 3 {
		resp, err := client.Get(srv.URL + "/things")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	c := srv.last()
	if c.ClientID != app.ID || c.Subject == "" || !slices.Equal(c.Scopes, []string{"read"}) || !slices.Equal(c.Audience, []string{apiAud}) ||
		c.Issuer != e.in.Config.Issuer || c.Expiry.Before(e.in.Clock.Now()) || c.ID == "" || c.Introspected || c.Extra["tenant"] != "acme" {
		t.Fatalf("claims %+v", c)
	}
	if n := e.calls.jwks.Load(); n != 1 {
		t.Errorf("%d JWK Set fetches for 3 requests, want 1", n)
	}
	if n := e.calls.introspect.Load(); n != 0 {
		t.Errorf("%d introspections of a JWT, want 0", n)
	}
}

// TestOpaqueTokenRevocationWindow: an opaque token is introspected with
// the API's credentials, once per cache window; revoked, it is refused
// once the window has passed, not before (the stated trade-off).
func TestOpaqueTokenRevocationWindow(t *testing.T) {
	e := newEnv(t)
	app := e.app(func(s *registry.ClientSpec) { s.TokenFormat = tokenmint.FormatOpaque })
	cfg := e.config()
	cfg.IntrospectionCacheTTL = 20 * time.Second
	h := e.middleware(cfg).Require("read")
	tok := e.token(app, "read write", nil)
	c := call(t, h, "GET", "/things", "Bearer "+tok).wantOK(t)
	if c.ClientID != app.ID || !c.Introspected || !c.HasScope("write") || c.Extra["tenant"] != "acme" || c.Extra["token_type"] != "Bearer" {
		t.Fatalf("claims %+v", c)
	}
	call(t, h, "GET", "/things", "Bearer "+tok).wantOK(t)
	if n := e.calls.introspect.Load(); n != 1 {
		t.Fatalf("%d introspections for two requests in the window, want 1", n)
	}
	e.revoke(app, tok)
	e.in.Clock.Advance(10 * time.Second)
	call(t, h, "GET", "/things", "Bearer "+tok).wantOK(t) // within the window: the cached answer
	e.in.Clock.Advance(11 * time.Second)
	call(t, h, "GET", "/things", "Bearer "+tok).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
	if n := e.calls.introspect.Load(); n != 2 {
		t.Fatalf("%d introspections, want 2", n)
	}
	// an unknown opaque token is refused, and so is one for another
	// API (introspection by this API reports it inactive)
	call(t, h, "GET", "/things", "Bearer tm_at_notatoken").wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
	other := e.app(func(s *registry.ClientSpec) {
		s.TokenFormat = tokenmint.FormatOpaque
		s.Audience = []string{"https://other.example.com"}
	})
	call(t, h, "GET", "/things", "Bearer "+e.token(other, "read", nil)).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
}

// TestNoCacheIntrospectsEveryRequest: a negative cache TTL makes
// revocation immediate.
func TestNoCacheIntrospectsEveryRequest(t *testing.T) {
	e := newEnv(t)
	app := e.app(func(s *registry.ClientSpec) { s.TokenFormat = tokenmint.FormatOpaque })
	cfg := e.config()
	cfg.IntrospectionCacheTTL = -1
	h := e.middleware(cfg).Handler
	tok := e.token(app, "read", nil)
	call(t, h, "GET", "/", "Bearer "+tok).wantOK(t)
	e.revoke(app, tok)
	call(t, h, "GET", "/", "Bearer "+tok).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
}

// TestIntrospectJWT: with IntrospectJWT a revoked JWT is refused after
// the window, before its exp.
func TestIntrospectJWT(t *testing.T) {
	e := newEnv(t)
	app := e.app(nil)
	cfg := e.config()
	cfg.IntrospectJWT = true
	h := e.middleware(cfg).Handler
	tok := e.token(app, "read", nil)
	if c := call(t, h, "GET", "/", "Bearer "+tok).wantOK(t); !c.Introspected {
		t.Fatal("a JWT with IntrospectJWT is not marked introspected")
	}
	e.revoke(app, tok)
	e.in.Clock.Advance(rs.DefaultIntrospectionCacheTTL + time.Second)
	call(t, h, "GET", "/", "Bearer "+tok).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
	// without IntrospectJWT the same revoked JWT still passes until exp
	call(t, e.middleware(e.config()).Handler, "GET", "/", "Bearer "+tok).wantOK(t)
}

// TestPrivateKeyJWTIntrospection: the API authenticates to introspection
// with private_key_jwt.
func TestPrivateKeyJWTIntrospection(t *testing.T) {
	e := newEnv(t)
	priv, pub := newJWK(t, "api-key-1")
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}})
	api := e.in.CreateClient(t, registry.ClientSpec{Name: "api-pkjwt", AuthMethod: "private_key_jwt", JWKS: jwks,
		Resources: []string{apiAud}, GrantTypes: []string{"client_credentials"}})
	app := e.app(func(s *registry.ClientSpec) { s.TokenFormat = tokenmint.FormatOpaque })
	cfg := e.config()
	cfg.ClientID, cfg.ClientSecret, cfg.ClientKey = api.ID, "", &priv
	call(t, e.middleware(cfg).Handler, "GET", "/", "Bearer "+e.token(app, "read", nil)).wantOK(t)
	// the wrong key: the server refuses the API, which answers 503, not
	// a verdict on the token
	other, _ := newJWK(t, "api-key-1")
	cfg.ClientKey = &other
	r := call(t, e.middleware(cfg).Handler, "GET", "/", "Bearer "+e.token(app, "read", nil))
	r.wantRefused(t, 503, rs.CodeUnavailable, "")
	if r.header.Get("WWW-Authenticate") != "" {
		t.Error("a 503 with a challenge")
	}
}

// TestKeyRotation: after the server rotates its signing key, a token
// with the new kid makes the API fetch the JWK Set again, but not more
// than once per JWKSRefreshInterval; the previous key keeps verifying.
func TestKeyRotation(t *testing.T) {
	e := newEnv(t)
	app := e.app(nil)
	h := e.middleware(e.config()).Handler
	old := e.token(app, "read", nil)
	call(t, h, "GET", "/", "Bearer "+old).wantOK(t)
	rotated, err := e.keyset().Rotate(context.Background(), tokenmint.AlgES256, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var fresh string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if fresh = e.token(app, "read", nil); kidOf(t, fresh) == rotated.ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server never signed with the rotated key")
		}
	}
	// the JWK Set was fetched just now: an unknown kid cannot make the
	// API fetch it again before the interval
	call(t, h, "GET", "/", "Bearer "+fresh).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
	e.in.Clock.Advance(rs.DefaultJWKSRefreshInterval + time.Second)
	call(t, h, "GET", "/", "Bearer "+fresh).wantOK(t)
	call(t, h, "GET", "/", "Bearer "+old).wantOK(t)
	call(t, h, "GET", "/", "Bearer "+fresh).wantOK(t)
	if n := e.calls.jwks.Load(); n != 2 {
		t.Errorf("%d JWK Set fetches, want 2", n)
	}
	// a made-up kid after the interval costs one fetch, then none
	e.in.Clock.Advance(rs.DefaultJWKSRefreshInterval + time.Second)
	forged := withHeader(t, fresh, map[string]any{"alg": "ES256", "typ": "at+jwt", "kid": "no-such-key"})
	for range 3 {
		call(t, h, "GET", "/", "Bearer "+forged).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
	}
	if n := e.calls.jwks.Load(); n != 3 {
		t.Errorf("%d JWK Set fetches, want 3", n)
	}
}

func kidOf(t testing.TB, raw string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Protected.KeyID
}

// withHeader replaces the protected header of a compact JWS, keeping
// its payload and signature (the signature no longer matches).
func withHeader(t *testing.T, raw string, h map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(h)
	parts := strings.Split(raw, ".")
	return base64.RawURLEncoding.EncodeToString(b) + "." + parts[1] + "." + parts[2]
}
