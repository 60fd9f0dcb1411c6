package rs_test

import (
	"github.com/go-jose/go-jose/v4"

	"net/http/httptest"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/dpop/dpoptest"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/rs"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// benchEnv is newEnv for a benchmark: a real server, its token, the
// middleware with the JWK Set (or the introspection answer) cached by a
// first request.
func benchEnv(b *testing.B, format string, k *dpoptest.Key) (*rs.Middleware, string, *servertest.Instance) {
	b.Helper()
	in := servertest.Start(b, func(c *config.Config) { c.DPoPNonce = false })
	api := in.CreateClient(b, registry.ClientSpec{Name: "api", Resources: []string{apiAud}, GrantTypes: []string{"client_credentials"}})
	app := in.CreateClient(b, registry.ClientSpec{GrantTypes: []string{"client_credentials"}, Scopes: []string{"read"}, Audience: []string{apiAud}, TokenFormat: format})
	cfg := rs.Config{Issuer: in.Config.Issuer, Audience: []string{apiAud}, ClientID: api.ID, ClientSecret: rs.Secret(api.Secret),
		Now: in.Clock.Now}
	m, err := rs.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	e := &env{t: b, in: in, api: api}
	return m, e.token(app, "read", k), in
}

func BenchmarkJWT(b *testing.B) {
	m, tok, _ := benchEnv(b, tokenmint.FormatJWT, nil)
	benchAuthenticate(b, m, "Bearer "+tok, nil)
}

func BenchmarkOpaqueCached(b *testing.B) {
	m, tok, _ := benchEnv(b, tokenmint.FormatOpaque, nil)
	benchAuthenticate(b, m, "Bearer "+tok, nil)
}

// BenchmarkJWTDPoP: a DPoP-bound JWT with a fresh proof per request (the
// proofs are signed before the timer starts).
func BenchmarkJWTDPoP(b *testing.B) {
	k := dpoptest.NewKey()
	m, tok, in := benchEnv(b, tokenmint.FormatJWT, k)
	proofs := make([]string, b.N+1)
	for i := range proofs {
		proofs[i] = k.Proof("GET", "http://api.example.com/things", dpoptest.Options{IssuedAt: in.Clock.Now(), AccessToken: tok})
	}
	benchAuthenticate(b, m, "DPoP "+tok, proofs)
}

func benchAuthenticate(b *testing.B, m *rs.Middleware, auth string, proofs []string) {
	req := httptest.NewRequest("GET", "http://api.example.com/things", nil)
	req.Header.Set("Authorization", auth)
	w := httptest.NewRecorder()
	next := 0
	run := func() {
		if proofs != nil {
			req.Header.Set(dpop.Header, proofs[next])
			next++
		}
		if _, err := m.Authenticate(w, req, "read"); err != nil {
			b.Fatal(err)
		}
	}
	run() // fetch metadata and keys, or introspect, once
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		run()
	}
}

// BenchmarkGoJoseBaseline: what BenchmarkJWT cannot do less than: parse
// and verify the same token with go-jose and the key in hand, without
// any claim check.
func BenchmarkGoJoseBaseline(b *testing.B) {
	_, tok, in := benchEnv(b, tokenmint.FormatJWT, nil)
	e := &env{t: b, in: in}
	key := serverKey(b, e, kidOf(b, tok))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := jws.Verify(&key); err != nil {
			b.Fatal(err)
		}
	}
}
