package dpop_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/dpop/dpoptest"
)

const tokenURL = "https://as.example.com/oauth2/token"

var nonceKey = []byte("0123456789abcdef0123456789abcdef")

func newVerifier(now time.Time, nonces bool) *dpop.Verifier {
	v := &dpop.Verifier{Replay: dpop.NewMemoryReplayCache(0), Now: func() time.Time { return now }}
	if nonces {
		v.Nonces = dpop.NewNonces(nonceKey, 0)
	}
	return v
}

func TestVerifyAccepts(t *testing.T) {
	now := time.Now()
	keys := map[string]*dpoptest.Key{"ES256": dpoptest.NewKey()}
	if k, err := rsa.GenerateKey(rand.Reader, 2048); err == nil {
		keys["PS256"] = &dpoptest.Key{Signer: k, Alg: jose.PS256}
		keys["RS256"] = &dpoptest.Key{Signer: k, Alg: jose.RS256}
	}
	if _, k, err := ed25519.GenerateKey(rand.Reader); err == nil {
		keys["EdDSA"] = &dpoptest.Key{Signer: k, Alg: jose.EdDSA}
	}
	if k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err == nil {
		keys["ES384"] = &dpoptest.Key{Signer: k, Alg: jose.ES384}
	}
	for name, k := range keys {
		t.Run(name, func(t *testing.T) {
			v := newVerifier(now, true)
			nonce := v.Nonces.Current(now)
			p, err := v.Verify(context.Background(), dpop.Request{
				Proofs: []string{k.Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now, Nonce: nonce})},
				Method: "POST", URL: tokenURL})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.JKT != k.JKT() || p.Alg != name || p.Nonce != nonce {
				t.Errorf("proof = %+v, want jkt %s alg %s", p, k.JKT(), name)
			}
		})
	}
}

// TestVerifyRefuses is every hostile proof of issue 16 at the verifier.
func TestVerifyRefuses(t *testing.T) {
	now := time.Now()
	k, other := dpoptest.NewKey(), dpoptest.NewKey()
	priv := jose.JSONWebKey{Key: k.Signer}
	hmacKey := jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef")}
	ok := func(o dpoptest.Options) dpoptest.Options { o.IssuedAt = now; return o }
	tests := []struct {
		name   string
		proofs []string
		method string
		url    string
		token  string
		code   string
	}{
		{name: "no header", proofs: nil, code: dpop.CodeInvalidProof},
		{name: "two headers", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{})), k.Proof("POST", tokenURL, ok(dpoptest.Options{}))}, code: dpop.CodeInvalidProof},
		{name: "empty", proofs: []string{""}, code: dpop.CodeInvalidProof},
		{name: "garbage", proofs: []string{"a.b.c"}, code: dpop.CodeInvalidProof},
		{name: "oversized", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{Claims: map[string]any{"pad": strings.Repeat("x", dpop.MaxProofBytes)}}))}, code: dpop.CodeInvalidProof},
		{name: "another URL", proofs: []string{k.Proof("POST", "https://as.example.com/other", ok(dpoptest.Options{}))}, code: dpop.CodeInvalidProof},
		{name: "another host", proofs: []string{k.Proof("POST", "https://evil.example.com/oauth2/token", ok(dpoptest.Options{}))}, code: dpop.CodeInvalidProof},
		{name: "another method", proofs: []string{k.Proof("GET", tokenURL, ok(dpoptest.Options{}))}, code: dpop.CodeInvalidProof},
		{name: "method case", proofs: []string{k.Proof("post", tokenURL, ok(dpoptest.Options{}))}, code: dpop.CodeInvalidProof},
		{name: "typ JWT", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{Typ: "JWT"}))}, code: dpop.CodeInvalidProof},
		{name: "jwk of another key", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{JWK: ptr(other.Public())}))}, code: dpop.CodeInvalidProof},
		{name: "private key in jwk", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{JWK: &priv}))}, code: dpop.CodeInvalidProof},
		{name: "symmetric jwk", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{JWK: &hmacKey}))}, code: dpop.CodeInvalidProof},
		{name: "alg none", proofs: []string{unsigned(`{"typ":"dpop+jwt","alg":"none","jwk":`+jwkJSON(k)+`}`, now)}, code: dpop.CodeInvalidProof},
		{name: "HS256 with the public key", proofs: []string{hs256(k, now)}, code: dpop.CodeInvalidProof},
		{name: "iat too old", proofs: []string{k.Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now.Add(-2 * dpop.DefaultMaxAge)})}, code: dpop.CodeInvalidProof},
		{name: "iat in the future", proofs: []string{k.Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now.Add(2 * dpop.DefaultSkew)})}, code: dpop.CodeInvalidProof},
		{name: "no iat", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{Claims: map[string]any{"iat": nil}}))}, code: dpop.CodeInvalidProof},
		{name: "iat a string", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{Claims: map[string]any{"iat": "now"}}))}, code: dpop.CodeInvalidProof},
		{name: "no jti", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{Claims: map[string]any{"jti": nil}}))}, code: dpop.CodeInvalidProof},
		{name: "jti too long", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{JTI: strings.Repeat("j", dpop.MaxJTIBytes+1)}))}, code: dpop.CodeInvalidProof},
		{name: "no ath with a token", token: "tok", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{}))}, code: dpop.CodeInvalidProof},
		{name: "ath of another token", token: "tok", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{AccessToken: "other"}))}, code: dpop.CodeInvalidProof},
		{name: "no nonce", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{}))}, code: dpop.CodeUseNonce},
		{name: "unknown nonce", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{Nonce: "made-up"}))}, code: dpop.CodeUseNonce},
		{name: "stale nonce", proofs: []string{k.Proof("POST", tokenURL, ok(dpoptest.Options{Nonce: dpop.NewNonces(nonceKey, 0).Current(now.Add(-2 * dpop.DefaultNonceWindow))}))}, code: dpop.CodeUseNonce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(now, true)
			if tt.code != dpop.CodeUseNonce {
				v.Nonces = nil
			}
			method, url := "POST", tokenURL
			_, err := v.Verify(context.Background(), dpop.Request{Proofs: tt.proofs, Method: method, URL: url, AccessToken: tt.token})
			var de *dpop.Error
			if errors.As(err, &de) {
				t.Log(de.Description)
			}
			if !errors.As(err, &de) || de.Code != tt.code {
				t.Fatalf("Verify = %v, want %s", err, tt.code)
			}
		})
	}
}

func TestVerifyReplay(t *testing.T) {
	now := time.Now()
	k := dpoptest.NewKey()
	v := newVerifier(now, false)
	proof := k.Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now})
	req := dpop.Request{Proofs: []string{proof}, Method: "POST", URL: tokenURL}
	if _, err := v.Verify(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	_, err := v.Verify(context.Background(), req)
	if !errors.Is(err, dpop.ErrReplayed) {
		t.Fatalf("replayed proof: %v, want ErrReplayed", err)
	}
	// The same jti under another key is another proof.
	other := dpoptest.NewKey().Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now, JTI: jtiOf(t, proof)})
	if _, err := v.Verify(context.Background(), dpop.Request{Proofs: []string{other}, Method: "POST", URL: tokenURL}); err != nil {
		t.Fatalf("same jti, another key: %v", err)
	}
}

func TestVerifyReplayConcurrent(t *testing.T) {
	now := time.Now()
	v := newVerifier(now, false)
	proof := dpoptest.NewKey().Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now})
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := v.Verify(context.Background(), dpop.Request{Proofs: []string{proof}, Method: "POST", URL: tokenURL}); err == nil {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if accepted != 1 {
		t.Fatalf("%d of 16 concurrent uses accepted, want 1", accepted)
	}
}

func TestVerifyReplayCacheFailure(t *testing.T) {
	now := time.Now()
	v := &dpop.Verifier{Replay: failing{}, Now: func() time.Time { return now }}
	_, err := v.Verify(context.Background(), dpop.Request{Proofs: []string{dpoptest.NewKey().Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now})}, Method: "POST", URL: tokenURL})
	if err == nil || errors.Is(err, dpop.ErrReplayed) || !errors.Is(err, errDown) {
		t.Fatalf("Verify with a failing cache = %v, want its error", err)
	}
}

func TestVerifyResourceRequest(t *testing.T) {
	now := time.Now()
	k := dpoptest.NewKey()
	v := newVerifier(now, false)
	url := "https://api.example.com/things"
	_, err := v.Verify(context.Background(), dpop.Request{
		Proofs: []string{k.Proof("GET", url+"?a=1", dpoptest.Options{IssuedAt: now, AccessToken: "tok"})},
		Method: "GET", URL: url + "?b=2#frag", AccessToken: "tok"})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestSameURL(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://AS.Example.com/oauth2/token", "https://as.example.com/oauth2/token", true},
		{"HTTPS://as.example.com:443/oauth2/token", "https://as.example.com/oauth2/token", true},
		{"http://as.example.com:80/t", "http://as.example.com/t", true},
		{"https://as.example.com", "https://as.example.com/", true},
		{"https://as.example.com/%7Eu/t", "https://as.example.com/~u/t", true},
		{"https://as.example.com/a%2fb", "https://as.example.com/a%2Fb", true},
		{"https://as.example.com/a/./b/../t", "https://as.example.com/a/t", true},
		{"https://as.example.com/t?x=1#f", "https://as.example.com/t", true},
		{"https://[::1]:8443/t", "https://[::1]:8443/t", true},
		{"https://as.example.com/a%2Fb", "https://as.example.com/a/b", false},
		{"https://as.example.com:8443/t", "https://as.example.com/t", false},
		{"http://as.example.com/t", "https://as.example.com/t", false},
		{"https://as.example.com/T", "https://as.example.com/t", false},
		{"https://user@as.example.com/t", "https://as.example.com/t", false},
		{"ftp://as.example.com/t", "ftp://as.example.com/t", false},
		{"/t", "/t", false},
		{"https://as.example.com/%zz", "https://as.example.com/%zz", false},
	}
	for _, tt := range tests {
		if got := dpop.SameURL(tt.a, tt.b); got != tt.want {
			t.Errorf("SameURL(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNonces(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	a, b := dpop.NewNonces(nonceKey, time.Minute), dpop.NewNonces(nonceKey, time.Minute)
	n := a.Current(now)
	if !b.Valid(n, now) || !b.IsCurrent(n, now) {
		t.Fatal("a nonce of one instance is not valid on another with the same key")
	}
	if !b.Valid(n, now.Add(time.Minute)) || b.IsCurrent(n, now.Add(time.Minute)) {
		t.Error("the previous window's nonce must be valid but not current")
	}
	if b.Valid(n, now.Add(2*time.Minute)) {
		t.Error("a nonce two windows old is valid")
	}
	if dpop.NewNonces([]byte(strings.Repeat("k", 32)), time.Minute).Valid(n, now) {
		t.Error("a nonce under another key is valid")
	}
	if a.Valid("", now) {
		t.Error("the empty nonce is valid")
	}
}

func TestMemoryReplayCacheBounded(t *testing.T) {
	now := time.Now()
	c := dpop.NewMemoryReplayCache(2)
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		if err := c.UseOnce(ctx, id, now, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.UseOnce(ctx, "c", now, now.Add(time.Minute)); err == nil || errors.Is(err, dpop.ErrReplayed) {
		t.Fatalf("full cache accepted a new id: %v", err)
	}
	if err := c.UseOnce(ctx, "c", now.Add(2*time.Minute), now.Add(3*time.Minute)); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if err := c.UseOnce(ctx, "c", now.Add(2*time.Minute), now.Add(3*time.Minute)); !errors.Is(err, dpop.ErrReplayed) {
		t.Fatalf("replay: %v", err)
	}
}

// TestVerifyAliasURL: a proof may name the request's URL or its alias
// (an mTLS alias, RFC 8705 §5), nothing else.
func TestVerifyAliasURL(t *testing.T) {
	now := time.Now()
	k := dpoptest.NewKey()
	const alias = "https://mtls.as.example.com/oauth2/token"
	for htu, ok := range map[string]bool{tokenURL: true, alias: true, "https://evil.example.com/oauth2/token": false, "": false} {
		v := newVerifier(now, false)
		_, err := v.Verify(context.Background(), dpop.Request{
			Proofs: []string{k.Proof("POST", htu, dpoptest.Options{IssuedAt: now})},
			Method: "POST", URL: tokenURL, AliasURL: alias})
		if (err == nil) != ok {
			t.Errorf("htu %q: err %v, want accepted %v", htu, err, ok)
		}
	}
}

// TestCheckSpendsNothing: Check accepts a proof without spending its jti;
// Spend spends it once.
func TestCheckSpendsNothing(t *testing.T) {
	now := time.Now()
	k := dpoptest.NewKey()
	v := newVerifier(now, false)
	req := dpop.Request{Proofs: []string{k.Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now})}, Method: "POST", URL: tokenURL}
	for range 2 {
		if _, err := v.Check(req); err != nil {
			t.Fatalf("Check: %v", err)
		}
	}
	p, err := v.Check(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Spend(context.Background(), p); err != nil {
		t.Fatalf("first Spend: %v", err)
	}
	if err := v.Spend(context.Background(), p); !errors.Is(err, dpop.ErrReplayed) {
		t.Fatalf("second Spend: %v, want a replay", err)
	}
	if _, err := v.Verify(context.Background(), req); !errors.Is(err, dpop.ErrReplayed) {
		t.Fatalf("Verify after Spend: %v, want a replay", err)
	}
}
