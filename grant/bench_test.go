package grant_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dpop/dpoptest"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/internal/benchcpu"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/registry"
)

// Hot-path benchmarks of the protocol core over a real SQLite file:
//
//	go test -run x -bench . -benchmem ./grant/
//
// Figures are recorded in BENCHMARKS.md with the machine they came from.

func BenchmarkAuthenticateClient(b *testing.B) {
	f := newFixture(b)
	_, cred := f.client(b, registry.ClientSpec{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.e.AuthenticateClient(ctx, cred); err != nil {
			b.Fatal(err)
		}
	}
}

func benchIssue(b *testing.B, spec registry.ClientSpec) {
	f := newFixture(b)
	_, cred := f.client(b, spec)
	ctx := context.Background()
	req := grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials, Client: cred}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.e.Token(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssueJWTES256(b *testing.B) {
	benchIssue(b, registry.ClientSpec{SigningAlg: tokenmint.AlgES256})
}
func BenchmarkIssueJWTRS256(b *testing.B) {
	benchIssue(b, registry.ClientSpec{SigningAlg: tokenmint.AlgRS256})
}
func BenchmarkIssueJWTEdDSA(b *testing.B) {
	benchIssue(b, registry.ClientSpec{SigningAlg: tokenmint.AlgEdDSA})
}
func BenchmarkIssueOpaque(b *testing.B) {
	benchIssue(b, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
}

func benchIntrospect(b *testing.B, spec registry.ClientSpec) {
	f := newFixture(b)
	_, cred := f.client(b, spec)
	ctx := context.Background()
	resp, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials, Client: cred})
	if err != nil {
		b.Fatal(err)
	}
	req := grant.IntrospectRequest{Client: cred, Token: resp.AccessToken}
	b.ReportAllocs()
	for b.Loop() {
		in, err := f.e.Introspect(ctx, req)
		if err != nil || !in.Active {
			b.Fatal(err, in)
		}
	}
}

func BenchmarkIntrospectJWT(b *testing.B) { benchIntrospect(b, registry.ClientSpec{}) }
func BenchmarkIntrospectOpaque(b *testing.B) {
	benchIntrospect(b, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
}

// BenchmarkIssueOpaqueParallel issues opaque tokens from 32 goroutines,
// as a loaded server does: the store's group commit shares one
// transaction among the inserts that wait together.
func BenchmarkIssueOpaqueParallel(b *testing.B) {
	f := newFixture(b)
	_, cred := f.client(b, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
	ctx := context.Background()
	req := grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials, Client: cred}
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.e.Token(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchUserClient is a client of the user-facing grants, like the load
// benchmark's bench-app (JWTs signed ES256, scope without "openid").
func benchUserClient(b *testing.B, f *fixture, format string) (tokenmint.Client, grant.Credentials) {
	return f.client(b, registry.ClientSpec{
		GrantTypes:   []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken},
		Scopes:       []string{"api"},
		RedirectURIs: []string{"https://app.example/cb"},
		TokenFormat:  format,
		SigningAlg:   tokenmint.AlgES256,
	})
}

// benchCode issues an authorization code for user of c.
func benchCode(b *testing.B, f *fixture, c tokenmint.Client, userID string) string {
	ctx := context.Background()
	a, err := f.e.ValidateAuthorize(ctx, grant.AuthorizeRequest{ResponseType: "code", ClientID: c.ID,
		RedirectURI: "https://app.example/cb", Scope: "api", State: "s"})
	if err != nil {
		b.Fatal(err)
	}
	code, err := f.e.IssueCode(ctx, a, userID, f.clock())
	if err != nil {
		b.Fatal(err)
	}
	return code
}

var userFormats = []string{tokenmint.FormatJWT, tokenmint.FormatOpaque}

// BenchmarkAuthorizationCode issues a code and exchanges it, as a
// browser login ends: the code's write and the exchange's.
func BenchmarkAuthorizationCode(b *testing.B) {
	for _, format := range userFormats {
		b.Run(format, func(b *testing.B) {
			f := newFixture(b)
			c, cred := benchUserClient(b, f, format)
			u := f.user(b, "alice", "correct horse battery")
			ctx := context.Background()
			b.ReportAllocs()
			defer benchcpu.Start(b)()
			for b.Loop() {
				req := grant.TokenRequest{GrantType: tokenmint.GrantAuthorizationCode, Client: cred,
					Code: benchCode(b, f, c, u.ID), RedirectURI: "https://app.example/cb"}
				if _, err := f.e.Token(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchRefreshChain rotates one refresh token chain n times per loop.
func benchRefreshChain(b *testing.B, f *fixture, c tokenmint.Client, cred grant.Credentials, userID string, loop func() bool) {
	ctx := context.Background()
	resp, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantAuthorizationCode, Client: cred,
		Code: benchCode(b, f, c, userID), RedirectURI: "https://app.example/cb"})
	if err != nil {
		b.Fatal(err)
	}
	rt := resp.RefreshToken
	for loop() {
		resp, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantRefreshToken, Client: cred, RefreshToken: rt})
		if err != nil {
			b.Error(err)
			return
		}
		rt = resp.RefreshToken
	}
}

// BenchmarkRefreshRotation rotates one refresh token chain.
func BenchmarkRefreshRotation(b *testing.B) {
	for _, format := range userFormats {
		b.Run(format, func(b *testing.B) {
			f := newFixture(b)
			c, cred := benchUserClient(b, f, format)
			u := f.user(b, "alice", "correct horse battery")
			b.ReportAllocs()
			defer benchcpu.Start(b)()
			benchRefreshChain(b, f, c, cred, u.ID, b.Loop)
		})
	}
}

// BenchmarkRefreshRotationParallel rotates 32 chains at once, as the load
// benchmark's connections do, on the single SQLite writer.
func BenchmarkRefreshRotationParallel(b *testing.B) {
	f := newFixture(b)
	c, cred := benchUserClient(b, f, tokenmint.FormatJWT)
	u := f.user(b, "alice", "correct horse battery")
	b.ReportAllocs()
	b.SetParallelism(16)
	defer benchcpu.Start(b)()
	b.RunParallel(func(pb *testing.PB) {
		benchRefreshChain(b, f, c, cred, u.ID, pb.Next)
	})
}

// benchPasswords are argon2id parameters of negligible cost (8 KiB, one
// pass), for benchmarks only: with real ones the hash is all a password
// grant measures.
var benchPasswords = password.Params{Memory: 8, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// BenchmarkPasswordGrant issues a family, a refresh and an access token
// for a user's password, with argon2id made cheap so that the store's
// writes show.
func BenchmarkPasswordGrant(b *testing.B) {
	for _, format := range userFormats {
		b.Run(format, func(b *testing.B) {
			f := newFixtureParams(b, benchPasswords)
			_, cred := f.client(b, registry.ClientSpec{
				GrantTypes:  []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken},
				Scopes:      []string{"api"},
				TokenFormat: format,
				SigningAlg:  tokenmint.AlgES256,
			})
			f.user(b, "alice", "correct horse battery")
			ctx := context.Background()
			req := grant.TokenRequest{GrantType: tokenmint.GrantPassword, Client: cred,
				Username: "alice", Password: "correct horse battery", Scope: "api"}
			b.ReportAllocs()
			defer benchcpu.Start(b)()
			for b.Loop() {
				resp, err := f.e.Token(ctx, req)
				if err != nil || resp.RefreshToken == "" {
					b.Fatal(resp, err)
				}
			}
		})
	}
}

// noReplayStore records no single-use identifier: the benchmarks of
// assertions without their database write.
type noReplayStore struct{ tokenmint.Store }

func (noReplayStore) UseOnce(context.Context, string, string, time.Time, time.Time) error { return nil }

// benchAssertion measures AuthenticateClient with a fresh assertion per
// operation, signed beforehand in batches (timer stopped): the signature
// check, the claims and, unless wrap takes it away, the jti's write to
// SQLite.
func benchAssertion(b *testing.B, spec registry.ClientSpec, wrap func(tokenmint.Store) tokenmint.Store, sign func(f *fixture, id, secret string) string) {
	f := newFixtureWrapped(b, cheap, true, wrap)
	c, cred := f.client(b, spec)
	ctx := context.Background()
	const batch = 8192
	pool := make([]grant.Credentials, 0, batch)
	refill := func() {
		pool = pool[:0]
		for range batch {
			pool = append(pool, assertionCred("", sign(f, c.ID, cred.Secret)))
		}
	}
	refill()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i == len(pool) {
			b.StopTimer()
			refill()
			i = 0
			b.StartTimer()
		}
		if _, err := f.e.AuthenticateClient(ctx, pool[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

var benchKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

func pkjwtSpec(b *testing.B) registry.ClientSpec {
	return registry.ClientSpec{AuthMethod: tokenmint.AuthMethodPrivateKeyJWT,
		JWKS: publicSet(b, jose.JSONWebKey{Key: &benchKey.PublicKey, KeyID: "k1"})}
}

func signES256(b *testing.B) func(f *fixture, id, _ string) string {
	return func(f *fixture, id, _ string) string {
		return signAssertion(b, benchKey, "ES256", map[jose.HeaderKey]any{"kid": "k1"}, assertionClaims(id, "https://issuer.test", f.clock()))
	}
}

func signHS256(b *testing.B) func(f *fixture, id, secret string) string {
	return func(f *fixture, id, secret string) string {
		return signAssertion(b, []byte(secret), "HS256", nil, assertionClaims(id, "https://issuer.test", f.clock()))
	}
}

func withoutReplayWrite(s tokenmint.Store) tokenmint.Store { return noReplayStore{s} }

// BenchmarkAuthenticatePrivateKeyJWT: an ES256 assertion verified and
// its jti spent in SQLite (compare BenchmarkAuthenticateClient, a
// secret's keyed hash).
func BenchmarkAuthenticatePrivateKeyJWT(b *testing.B) {
	benchAssertion(b, pkjwtSpec(b), nil, signES256(b))
}

// BenchmarkAuthenticatePrivateKeyJWTNoReplayWrite: the same without the
// jti's write: parsing, claims and the P-256 verification.
func BenchmarkAuthenticatePrivateKeyJWTNoReplayWrite(b *testing.B) {
	benchAssertion(b, pkjwtSpec(b), withoutReplayWrite, signES256(b))
}

// BenchmarkAuthenticateClientSecretJWT: an HS256 assertion, the secret
// opened from its sealed copy, the jti spent in SQLite.
func BenchmarkAuthenticateClientSecretJWT(b *testing.B) {
	benchAssertion(b, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodSecretJWT}, nil, signHS256(b))
}

// BenchmarkAuthenticateClientSecretJWTNoReplayWrite: the same without
// the write.
func BenchmarkAuthenticateClientSecretJWTNoReplayWrite(b *testing.B) {
	benchAssertion(b, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodSecretJWT}, withoutReplayWrite, signHS256(b))
}

// BenchmarkIssueJWTES256DPoP is BenchmarkIssueJWTES256 with a DPoP proof
// (ES256, signed before the timer) on every request: the proof's
// signature verified, its jti spent in the store (one write), the token
// bound (cnf.jkt). Against BenchmarkIssueJWTES256, the cost of DPoP.
func BenchmarkIssueJWTES256DPoP(b *testing.B) {
	f := newFixture(b)
	_, cred := f.client(b, registry.ClientSpec{SigningAlg: tokenmint.AlgES256})
	ctx := context.Background()
	k := dpoptest.NewKey()
	const url = "https://as.example/oauth2/token"
	proofs := make([]string, 0, 1<<14)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%cap(proofs) == 0 {
			b.StopTimer()
			proofs = proofs[:0]
			for range cap(proofs) {
				proofs = append(proofs, k.Proof("POST", url, dpoptest.Options{IssuedAt: f.clock()}))
			}
			b.StartTimer()
		}
		req := grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials, Client: cred,
			DPoP: grant.DPoPProof{Proofs: proofs[i%cap(proofs) : i%cap(proofs)+1], Method: "POST", URL: url}}
		resp, err := f.e.Token(ctx, req)
		if err != nil || resp.TokenType != "DPoP" {
			b.Fatal(resp, err)
		}
	}
}
