package dpop_test

import (
	"context"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/dpop/dpoptest"
)

// FuzzVerify: no header value makes Verify panic, and whatever it
// accepts names the request's method and URL and has a thumbprint.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	k := dpoptest.NewKey()
	f.Add(k.Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now}), "")
	f.Add(k.Proof("GET", tokenURL, dpoptest.Options{IssuedAt: now, AccessToken: "t"}), "t")
	f.Add(unsigned(`{"typ":"dpop+jwt","alg":"none"}`, now), "")
	f.Add(hs256(k, now), "")
	f.Add("e30.e30.", "")
	f.Fuzz(func(t *testing.T, proof, token string) {
		v := &dpop.Verifier{Replay: dpop.NewMemoryReplayCache(0), Now: func() time.Time { return now }}
		p, err := v.Verify(context.Background(), dpop.Request{Proofs: []string{proof}, Method: "POST", URL: tokenURL, AccessToken: token})
		if err != nil {
			if _, ok := err.(*dpop.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if p.JKT == "" || p.Key == nil {
			t.Fatalf("accepted proof without a key: %+v", p)
		}
	})
}

// FuzzNormalizeURL: no input makes NormalizeURL panic, and its output is
// a fixed point.
func FuzzNormalizeURL(f *testing.F) {
	for _, s := range []string{tokenURL, "https://[::1]:443/a/../b", "http://H:80/%7e", "https://a/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := dpop.NormalizeURL(s)
		if !ok {
			return
		}
		if n2, ok := dpop.NormalizeURL(n); !ok || n2 != n {
			t.Fatalf("NormalizeURL(%q) = %q, then %q, %v", s, n, n2, ok)
		}
	})
}
