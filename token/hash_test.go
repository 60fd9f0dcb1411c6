package token

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func referenceHMAC(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func TestHasher(t *testing.T) {
	key := testKeyBytes()
	h := NewHasher(key)
	other := NewHasher(GenerateMasterKey().Derive(PurposeTokenHash))
	tests := []struct {
		name   string
		secret string
	}{
		{name: "generated token", secret: Generate(PrefixAccessToken)},
		{name: "empty", secret: ""},
		{name: "unicode", secret: "pässwörd ✓"},
		{name: "long", secret: strings.Repeat("x", 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum := h.Sum(tt.secret)
			if want := referenceHMAC(key, tt.secret); !bytes.Equal(sum, want) {
				t.Fatalf("Sum = %x, want HMAC-SHA256 %x", sum, want)
			}
			if again := h.Sum(tt.secret); !bytes.Equal(again, sum) {
				t.Error("Sum is not deterministic")
			}
			id := h.ID(tt.secret)
			if want := base64.RawURLEncoding.EncodeToString(sum); id != want {
				t.Errorf("ID = %q, want %q", id, want)
			}
			if bytes.Equal(other.Sum(tt.secret), sum) {
				t.Error("two keys give the same hash")
			}
			checkVerify(t, h, tt.secret, sum)
		})
	}
}

// TestTimedID: the ID of a GenerateTimed credential is its time in hex
// followed by the keyed hash, so IDs sort by issuance time whatever their
// random parts; anything shaped otherwise keeps the plain keyed hash.
func TestTimedID(t *testing.T) {
	h := NewHasher(testKeyBytes())
	t0 := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	var prev string
	for i, at := range []time.Time{t0, t0.Add(time.Microsecond), t0.Add(time.Second), t0.Add(time.Hour), t0.AddDate(1, 0, 0)} {
		for range 50 {
			tok := GenerateTimed(PrefixAccessToken, at)
			id := h.ID(tok)
			want := fmt.Sprintf("%016x", at.UnixMicro()) + base64.RawURLEncoding.EncodeToString(referenceHMAC(testKeyBytes(), tok))
			if id != want {
				t.Fatalf("ID(%q) = %q, want %q", tok, id, want)
			}
			if i > 0 && id <= prev {
				t.Fatalf("ID issued at %v sorts before one issued earlier: %q <= %q", at, id, prev)
			}
		}
		prev = h.ID(GenerateTimed(PrefixAccessToken, at))
	}
	tok := GenerateTimed(PrefixRefreshToken, t0)
	for name, s := range map[string]string{
		"untimed":            Generate(PrefixAccessToken),
		"time field invalid": tok[:5] + "*" + tok[6:],
		"non-canonical time": tok[:15] + string(tok[15]^1) + tok[16:], // low bits of the last time character
		"no prefix":          "abcde" + tok[6:] + "x",
		"one character more": tok + "x",
	} {
		if id, want := h.ID(s), base64.RawURLEncoding.EncodeToString(referenceHMAC(testKeyBytes(), s)); id != want {
			t.Errorf("%s: ID = %q, want the plain keyed hash %q", name, id, want)
		}
	}
}

func checkVerify(t *testing.T, h *Hasher, secret string, sum []byte) {
	t.Helper()
	flipped := bytes.Clone(sum)
	flipped[31] ^= 1
	cases := []struct {
		name   string
		secret string
		sum    []byte
		want   bool
	}{
		{"right secret", secret, sum, true},
		{"wrong secret", secret + "x", sum, false},
		{"flipped bit", secret, flipped, false},
		{"truncated sum", secret, sum[:16], false},
		{"extended sum", secret, append(bytes.Clone(sum), 0), false},
		{"empty sum", secret, []byte{}, false},
		{"nil sum", secret, nil, false},
	}
	for _, c := range cases {
		if got := h.Verify(c.secret, c.sum); got != c.want {
			t.Errorf("Verify(%s) = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestNewHasherCopiesKey(t *testing.T) {
	key := testKeyBytes()
	h := NewHasher(key)
	want := h.Sum("s")
	key[0] ^= 0xff
	if !bytes.Equal(h.Sum("s"), want) {
		t.Error("changing the caller's key slice changed the Hasher")
	}
}

func TestNewHasherEmptyKeyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewHasher(nil) did not panic")
		}
	}()
	NewHasher(nil)
}

func TestHasherConcurrent(t *testing.T) {
	key := testKeyBytes()
	h := NewHasher(key)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				s := fmt.Sprintf("secret-%d-%d", g, i)
				if !bytes.Equal(h.Sum(s), referenceHMAC(key, s)) || !h.Verify(s, referenceHMAC(key, s)) {
					t.Errorf("wrong hash for %q under concurrency", s)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestHasherRedacted(t *testing.T) {
	key := testKeyBytes()
	h := NewHasher(key)
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		out := fmt.Sprintf(format, h)
		if strings.Contains(out, fmt.Sprint(key[1:5])) || strings.Contains(out, "0102030405") || !strings.Contains(out, redacted) {
			t.Errorf("Sprintf(%q, hasher) = %q", format, out)
		}
	}
}

func BenchmarkHasherSum(b *testing.B) {
	h := NewHasher(testKeyBytes())
	tok := Generate(PrefixAccessToken)
	b.ReportAllocs()
	for b.Loop() {
		h.Sum(tok)
	}
}

func BenchmarkHasherID(b *testing.B) {
	h := NewHasher(testKeyBytes())
	tok := Generate(PrefixAccessToken)
	b.ReportAllocs()
	for b.Loop() {
		h.ID(tok)
	}
}

func BenchmarkHasherVerify(b *testing.B) {
	h := NewHasher(testKeyBytes())
	tok := Generate(PrefixClientSecret)
	sum := h.Sum(tok)
	b.ReportAllocs()
	for b.Loop() {
		if !h.Verify(tok, sum) {
			b.Fatal("Verify failed")
		}
	}
}

func TestVerifyEither(t *testing.T) {
	h := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	a, b := h.Sum("first"), h.Sum("second")
	for _, tc := range []struct {
		secret     string
		a, b       []byte
		wantA, wnB bool
	}{
		{"first", a, b, true, false},
		{"second", a, b, false, true},
		{"third", a, b, false, false},
		{"first", nil, a, false, true},
		{"", nil, nil, false, false},
	} {
		if gotA, gotB := h.VerifyEither(tc.secret, tc.a, tc.b); gotA != tc.wantA || gotB != tc.wnB {
			t.Errorf("VerifyEither(%q) = %v, %v; want %v, %v", tc.secret, gotA, gotB, tc.wantA, tc.wnB)
		}
	}
}
