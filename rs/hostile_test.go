package rs_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/rs"
	"github.com/tokenmint/tokenmint/token"
)

// TestJWTClaimsChecked: tokens signed by the server's own key but with a
// claim or header the API must refuse (RFC 9068 §4), and those within
// the clock skew it must accept.
func TestJWTClaimsChecked(t *testing.T) {
	e := newEnv(t)
	h := e.middleware(e.config()).Handler
	now := e.in.Clock.Now()
	cases := []struct {
		name string
		edit func(*token.Claims, *token.SignOptions)
		ok   bool
	}{
		{"valid", func(*token.Claims, *token.SignOptions) {}, true},
		{"typ application/at+jwt", func(_ *token.Claims, o *token.SignOptions) { o.Type = "application/at+jwt" }, true},
		{"one of two audiences", func(c *token.Claims, _ *token.SignOptions) { c.Audience = []string{"https://x.example", apiAud} }, true},
		{"expired within the skew", func(c *token.Claims, _ *token.SignOptions) { c.ExpiresAt = now.Add(-10 * time.Second) }, true},
		{"nbf within the skew", func(c *token.Claims, _ *token.SignOptions) { c.NotBefore = now.Add(10 * time.Second) }, true},
		{"wrong audience", func(c *token.Claims, _ *token.SignOptions) { c.Audience = []string{"https://other.example.com"} }, false},
		{"no audience", func(c *token.Claims, _ *token.SignOptions) { c.Audience = nil }, false},
		{"wrong issuer", func(c *token.Claims, _ *token.SignOptions) { c.Issuer = "https://evil.example.com" }, false},
		{"no issuer", func(c *token.Claims, _ *token.SignOptions) { c.Issuer = "" }, false},
		{"expired", func(c *token.Claims, _ *token.SignOptions) { c.ExpiresAt = now.Add(-time.Minute) }, false},
		{"no exp", func(c *token.Claims, _ *token.SignOptions) { c.ExpiresAt = time.Time{} }, false},
		{"no iat", func(c *token.Claims, _ *token.SignOptions) { c.IssuedAt = time.Time{} }, false},
		{"not yet valid", func(c *token.Claims, _ *token.SignOptions) { c.NotBefore = now.Add(time.Minute) }, false},
		{"issued in the future", func(c *token.Claims, _ *token.SignOptions) { c.IssuedAt = now.Add(time.Minute) }, false},
		{"typ JWT (an ID token)", func(_ *token.Claims, o *token.SignOptions) { o.Type = "JWT" }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, o := e.claims(), token.SignOptions{}
			tc.edit(c, &o)
			raw, err := e.keyset().Sign("ES256", c, o)
			if err != nil {
				t.Fatal(err)
			}
			r := call(t, h, "GET", "/", "Bearer "+raw)
			if tc.ok {
				r.wantOK(t)
			} else {
				r.wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
			}
		})
	}
}

// TestExpiredRealToken: a token of the server is refused once its
// lifetime and the skew have passed.
func TestExpiredRealToken(t *testing.T) {
	e := newEnv(t)
	app := e.app(func(s *registry.ClientSpec) { s.AccessTTL = 2 * time.Minute })
	h := e.middleware(e.config()).Handler
	tok := e.token(app, "read", nil)
	call(t, h, "GET", "/", "Bearer "+tok).wantOK(t)
	e.in.Clock.Advance(2*time.Minute + rs.DefaultSkew + time.Second)
	r := call(t, h, "GET", "/", "Bearer "+tok)
	r.wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
	if !strings.Contains(r.header.Get("WWW-Authenticate"), "expired") {
		t.Errorf("challenge %q does not say the token expired", r.header.Get("WWW-Authenticate"))
	}
}

// TestForgedJWTs: signatures the API must not accept: alg none, HS256
// keyed with the issuer's public key (as PEM and as its JWK), a tampered
// payload, a key of another server under a real kid, another server's
// token.
func TestForgedJWTs(t *testing.T) {
	e := newEnv(t)
	app := e.app(nil)
	h := e.middleware(e.config()).Handler
	real := e.token(app, "read", nil)
	parts := strings.Split(real, ".")
	kid := kidOf(t, real)
	pub := serverKey(t, e, kid)
	der, err := x509.MarshalPKIXPublicKey(pub.Key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	jwkJSON, _ := pub.MarshalJSON()
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	claims["scope"] = "read write admin"
	tampered, _ := json.Marshal(claims)
	otherKey, _ := newJWK(t, kid)
	other := newEnv(t)
	cases := map[string]string{
		"alg none":                 b64json(map[string]any{"alg": "none", "typ": "at+jwt", "kid": kid}) + "." + parts[1] + ".",
		"HS256 with the PEM key":   hmacJWT(t, pemKey, kid, payload),
		"HS256 with the JWK":       hmacJWT(t, jwkJSON, kid, payload),
		"HS256 with the DER key":   hmacJWT(t, der, kid, payload),
		"tampered payload":         parts[0] + "." + base64.RawURLEncoding.EncodeToString(tampered) + "." + parts[2],
		"another key, a real kid":  signWith(t, otherKey, kid, payload),
		"another server's token":   other.token(other.app(nil), "read", nil),
		"signature stripped":       parts[0] + "." + parts[1] + ".",
		"two dots, not base64":     "a.b.c",
		"ES256 header, RS256 body": b64json(map[string]any{"alg": "RS256", "typ": "at+jwt", "kid": kid}) + "." + parts[1] + "." + parts[2],
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			call(t, h, "GET", "/", "Bearer "+tok).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
		})
	}
	call(t, h, "GET", "/", "Bearer "+real).wantOK(t)
}

// serverKey is the server's published key kid.
func serverKey(t testing.TB, e *env, kid string) jose.JSONWebKey {
	t.Helper()
	resp, err := http.Get(e.in.URL + "/oauth2/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("kid %s: %d keys", kid, len(keys))
	}
	return keys[0]
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hmacJWT(t *testing.T, secret []byte, kid string, payload []byte) string {
	t.Helper()
	return signWith(t, jose.JSONWebKey{Key: secret, KeyID: kid, Algorithm: "HS256"}, kid, payload)
}

func signWith(t *testing.T, k jose.JSONWebKey, kid string, payload []byte) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: k.Key},
		(&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := obj.CompactSerialize()
	return raw
}

// TestScopes: a route's scopes are all needed; a token without one is
// answered 403 insufficient_scope naming them.
func TestScopes(t *testing.T) {
	e := newEnv(t)
	app := e.app(nil)
	m := e.middleware(e.config())
	tok := e.token(app, "read", nil)
	call(t, m.Require("read"), "GET", "/", "Bearer "+tok).wantOK(t)
	r := call(t, m.Require("read", "write"), "GET", "/", "Bearer "+tok)
	r.wantRefused(t, 403, rs.CodeInsufficientScope, "Bearer")
	if ch := r.header.Get("WWW-Authenticate"); !strings.Contains(ch, `scope="read write"`) {
		t.Errorf("challenge %q does not name the scope needed", ch)
	}
	call(t, m.Require("read", "write"), "GET", "/", "Bearer "+e.token(app, "read write", nil)).wantOK(t)
}

// TestAuthorizationHeader: requests without a token, or with a malformed
// Authorization header (RFC 6750 §3.1).
func TestAuthorizationHeader(t *testing.T) {
	e := newEnv(t)
	srv := newAPI(t, e.middleware(e.config()).Handler)
	r := srv.do(t, "GET", "/", "")
	r.wantRefused(t, 401, "", "")
	ch := r.header.Values("WWW-Authenticate")
	if len(ch) != 2 || !strings.HasPrefix(ch[0], `Bearer realm="`+apiAud+`"`) || !strings.HasPrefix(ch[1], "DPoP ") ||
		strings.Contains(strings.Join(ch, ","), "error=") || !strings.Contains(ch[1], `algs="`) {
		t.Errorf("challenges %q: want Bearer and DPoP, without an error", ch)
	}
	for name, auth := range map[string]string{
		"basic":          "Basic YTpi",
		"no token":       "Bearer ",
		"two tokens":     "Bearer a b",
		"not a token68":  "Bearer a=b",
		"a parameter":    `Bearer realm="x"`,
		"oversized":      "Bearer " + strings.Repeat("a", rs.MaxTokenBytes+1),
		"a tab":          "Bearer a\tb",
		"scheme only":    "DPoP",
		"unknown scheme": "Token abc",
	} {
		t.Run(name, func(t *testing.T) {
			srv.do(t, "GET", "/", auth).wantRefused(t, 400, rs.CodeInvalidRequest, "")
		})
	}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Add("Authorization", "Bearer a")
	req.Header.Add("Authorization", "Bearer b")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("two Authorization headers: %d, want 400", resp.StatusCode)
	}
}

// TestUnavailableIssuer: when the server cannot be reached, or its
// metadata names another issuer, the API answers 503 without a
// challenge, not a 401 that would discard a good token.
func TestUnavailableIssuer(t *testing.T) {
	e := newEnv(t)
	app := e.app(nil)
	tok := e.token(app, "read", nil)
	cfg := e.config()
	cfg.Issuer = "http://127.0.0.1:1"
	r := call(t, e.middleware(cfg).Handler, "GET", "/", "Bearer "+tok)
	r.wantRefused(t, 503, rs.CodeUnavailable, "")
	cfg = e.config()
	cfg.Issuer = strings.Replace(e.in.Config.Issuer, "127.0.0.1", "localhost", 1)
	call(t, e.middleware(cfg).Handler, "GET", "/", "Bearer "+tok).wantRefused(t, 503, rs.CodeUnavailable, "")
	// JWKSURL named: no discovery needed, but the token's iss is checked
	cfg.JWKSURL, cfg.ClientID, cfg.ClientSecret = e.in.URL+"/oauth2/jwks", "", ""
	call(t, e.middleware(cfg).Handler, "GET", "/", "Bearer "+tok).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
}
