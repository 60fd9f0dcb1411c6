package dpop_test

import (
	"context"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/dpop/dpoptest"
)

// BenchmarkVerify is one ES256 proof verified with a nonce and its jti
// spent in memory: parse, signature, thumbprint, claims.
func BenchmarkVerify(b *testing.B) {
	now := time.Now()
	k := dpoptest.NewKey()
	v := &dpop.Verifier{Replay: dpop.NewMemoryReplayCache(b.N + 1), Nonces: dpop.NewNonces(nonceKey, 0), Now: func() time.Time { return now }}
	proofs := make([]string, b.N)
	for i := range proofs {
		proofs[i] = k.Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now, Nonce: v.Nonces.Current(now)})
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := v.Verify(ctx, dpop.Request{Proofs: proofs[i : i+1], Method: "POST", URL: tokenURL}); err != nil {
			b.Fatal(err)
		}
	}
}
