package grant_test

import (
	"context"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
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
