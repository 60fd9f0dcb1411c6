package fastpath

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TestJWSSigner: the signer's tokens are go-jose's, byte for byte where
// the signature is deterministic (RS256, EdDSA), and verify with go-jose
// under the same protected header where it is not (ES256).
func TestJWSSigner(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"iss":"https://id.example.com","sub":"<a&b>","exp":1700000000}`)
	for _, tc := range []struct {
		alg           string
		key           crypto.Signer
		deterministic bool
	}{
		{"ES256", ec, false},
		{"RS256", rs, true},
		{"EdDSA", ed, true},
	} {
		for _, typ := range []string{"at+jwt", "JWT"} {
			t.Run(tc.alg+"/"+typ, func(t *testing.T) {
				s, err := NewJWSSigner(tc.alg, "kid-1", typ, tc.key)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Sign(payload)
				if err != nil {
					t.Fatal(err)
				}
				want := joseSign(t, tc.alg, "kid-1", typ, tc.key, payload)
				if tc.deterministic && got != want {
					t.Fatalf("token\n%s\ngo-jose's\n%s", got, want)
				}
				if head(got) != head(want) {
					t.Fatalf("protected header %s, go-jose's %s", head(got), head(want))
				}
				jws, err := jose.ParseSignedCompact(got, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tc.alg)})
				if err != nil {
					t.Fatal(err)
				}
				out, err := jws.Verify(tc.key.Public())
				if err != nil || string(out) != string(payload) {
					t.Fatalf("go-jose verifies %q, %v", out, err)
				}
			})
		}
	}
}

func TestJWSSignerUnknownKey(t *testing.T) {
	if _, err := NewJWSSigner("ES256", "k", "JWT", nil); err == nil {
		t.Fatal("signer without a key")
	}
}

func joseSign(t *testing.T, alg, kid, typ string, key crypto.Signer, payload []byte) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	jwk := jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: jwk}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func head(raw string) string { h, _, _ := strings.Cut(raw, "."); return h }

// BenchmarkSign compares the signer with go-jose on an ES256 token.
//
//	go test ./internal/fastpath -run '^$' -bench Sign -benchmem
func BenchmarkSign(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"iss":"https://id.example.com","sub":"alice","aud":"api","exp":1700003600,"iat":1700000000,"jti":"j1","client_id":"c1","scope":"read write"}`)
	b.Run("fastpath", func(b *testing.B) {
		s, err := NewJWSSigner("ES256", "kid-1", "at+jwt", key)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Sign(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-jose", func(b *testing.B) {
		opts := (&jose.SignerOptions{}).WithType("at+jwt")
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "kid-1", Algorithm: "ES256"}}, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			jws, err := s.Sign(payload)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := jws.CompactSerialize(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
