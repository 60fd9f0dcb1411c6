package password

import (
	"errors"
	"strings"
	"testing"
)

// fast are cheap parameters so the tests run quickly; the code paths are
// the same as with DefaultParams.
var fast = Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// refVector is from the argon2 reference implementation's test suite
// (phc-winner-argon2, test.c): argon2id, v=19, t=2, m=64 MiB, p=1,
// password "password", salt "somesalt". It proves the PHC encoding
// interoperates with other implementations.
const refVector = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"

func TestHashVerify(t *testing.T) {
	h := NewHasher(fast)
	tests := []struct {
		name   string
		stored string
		try    string
		want   bool
	}{
		{"same password", "correct horse", "correct horse", true},
		{"different password", "correct horse", "correct horsf", false},
		{"prefix only", "correct horse", "correct", false},
		{"empty against non-empty", "correct horse", "", false},
		{"empty against empty", "", "", true},
		{"unicode", "pässwörd ✓", "pässwörd ✓", true},
		{"unicode normal forms differ", "e\u0301", "\u00e9", false},
		{"max length", strings.Repeat("a", MaxLength), strings.Repeat("a", MaxLength), true},
		{"over max length never matches", strings.Repeat("a", MaxLength), strings.Repeat("a", MaxLength+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phc, err := h.Hash(tt.stored)
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			got, err := h.Verify(tt.try, phc)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got != tt.want {
				t.Errorf("Verify(%q) = %v, want %v", tt.try, got, tt.want)
			}
		})
	}
}

func TestHashFormat(t *testing.T) {
	h := NewHasher(fast)
	a, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=64,t=1,p=1$"; !strings.HasPrefix(a, want) {
		t.Errorf("hash %q does not start with %q", a, want)
	}
	b, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two hashes of the same password are equal: salt is not random")
	}
}

func TestHashTooLong(t *testing.T) {
	_, err := NewHasher(fast).Hash(strings.Repeat("x", MaxLength+1))
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("Hash of an over-long password: err = %v, want ErrTooLong", err)
	}
}

func TestVerifyReferenceVector(t *testing.T) {
	// The Hasher's own parameters differ: Verify must use the string's.
	h := NewHasher(fast)
	for pw, want := range map[string]bool{"password": true, "Password": false} {
		got, err := h.Verify(pw, refVector)
		if err != nil {
			t.Fatalf("Verify(%q): %v", pw, err)
		}
		if got != want {
			t.Errorf("Verify(%q) = %v, want %v", pw, got, want)
		}
	}
}

func TestVerifyOldParamsAfterTuning(t *testing.T) {
	old, err := NewHasher(fast).Hash("s3cret-pass")
	if err != nil {
		t.Fatal(err)
	}
	tuned := NewHasher(Params{Memory: 128, Iterations: 2, Parallelism: 2})
	ok, err := tuned.Verify("s3cret-pass", old)
	if err != nil || !ok {
		t.Fatalf("Verify with tuned hasher = %v, %v; want true, nil", ok, err)
	}
	if !tuned.NeedsRehash(old) {
		t.Error("NeedsRehash = false for a hash made with older parameters")
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := NewHasher(fast)
	good, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	tests := []struct{ name, phc string }{
		{"empty", ""},
		{"plain text", "pw"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", with(1, "argon2i")},
		{"old version", with(2, "v=16")},
		{"missing version", with(2, "")},
		{"params out of order", with(3, "t=1,m=64,p=1")},
		{"too few params", with(3, "m=64,t=1")},
		{"non-numeric param", with(3, "m=x,t=1,p=1")},
		{"leading zero", with(3, "m=064,t=1,p=1")},
		{"negative param", with(3, "m=-64,t=1,p=1")},
		{"zero iterations", with(3, "m=64,t=0,p=1")},
		{"zero lanes", with(3, "m=64,t=1,p=0")},
		{"lanes overflow uint8", with(3, "m=64,t=1,p=256")},
		{"memory below 8 per lane", with(3, "m=8,t=1,p=2")},
		{"memory too large", with(3, "m=4194304,t=1,p=1")},
		{"iterations too large", with(3, "m=64,t=1000,p=1")},
		{"bad salt base64", with(4, "!!!!")},
		{"padded salt", with(4, parts[4]+"==")},
		{"short salt", with(4, "c2FsdA")},
		{"bad hash base64", with(5, "####")},
		{"short hash", with(5, "AAAA")},
		{"extra field", good + "$x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify("pw", tt.phc)
			if ok || !errors.Is(err, ErrMalformed) {
				t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformed", tt.phc, ok, err)
			}
			if !h.NeedsRehash(tt.phc) {
				t.Errorf("NeedsRehash(%q) = false for a malformed hash", tt.phc)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	h := NewHasher(fast)
	current, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	longerKey, err := NewHasher(Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 64}).Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		phc  string
		want bool
	}{
		{"current parameters", current, false},
		{"reference vector", refVector, true},
		{"different key length", longerKey, true},
		{"malformed", "nope", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.NeedsRehash(tt.phc); got != tt.want {
				t.Errorf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerifyDummy(t *testing.T) {
	h := NewHasher(fast)
	h.VerifyDummy("anything")
	h.VerifyDummy(strings.Repeat("x", MaxLength+10))
	if _, _, _, err := decode(h.dummy); err != nil {
		t.Fatalf("dummy hash is malformed: %v", err)
	}
	if ok, err := h.Verify("", h.dummy); ok || err != nil {
		t.Errorf("Verify against the dummy = %v, %v; want false, nil", ok, err)
	}
	if h.NeedsRehash(h.dummy) {
		t.Error("the dummy hash does not use the hasher's parameters, so it would not cost the same")
	}
}

func TestNewHasherDefaults(t *testing.T) {
	if got := NewHasher(Params{}).Params(); got != DefaultParams {
		t.Errorf("NewHasher(Params{}).Params() = %+v, want %+v", got, DefaultParams)
	}
	if got := NewHasher(Params{Iterations: 1}).Params().Iterations; got != 1 {
		t.Errorf("explicit Iterations lost: got %d", got)
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		ok   bool
	}{
		{"defaults", DefaultParams, true},
		{"fast", fast, true},
		{"no lanes", Params{Memory: 64, Iterations: 1, SaltLen: 16, KeyLen: 32}, false},
		{"no iterations", Params{Memory: 64, Parallelism: 1, SaltLen: 16, KeyLen: 32}, false},
		{"memory below 8 per lane", Params{Memory: 15, Iterations: 1, Parallelism: 2, SaltLen: 16, KeyLen: 32}, false},
		{"memory too large", Params{Memory: maxMemory + 1, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, false},
		{"short salt", Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 4, KeyLen: 32}, false},
		{"short key", Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 8}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestNewHasherPanicsOnInvalid(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewHasher accepted a 4-byte salt")
		}
	}()
	NewHasher(Params{SaltLen: 4})
}

func TestConcurrentUse(t *testing.T) {
	h := NewHasher(fast)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			pw := strings.Repeat("p", i+8)
			phc, err := h.Hash(pw)
			if err == nil {
				var ok bool
				ok, err = h.Verify(pw, phc)
				if err == nil && !ok {
					err = errors.New("own hash did not verify")
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("pw", refVector)
	f.Add("", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("x", "$argon2id$v=19$m=,t=,p=$$")
	h := NewHasher(fast)
	f.Fuzz(func(t *testing.T, pw, phc string) {
		if p, _, _, err := decode(phc); err == nil && (p.Memory > 1024 || p.Iterations > 4) {
			t.Skip("keep fuzzing cheap")
		}
		ok, err := h.Verify(pw, phc)
		if err != nil && ok {
			t.Fatal("Verify returned true with an error")
		}
	})
}

func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultParams)
	for b.Loop() {
		if _, err := h.Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDefault(b *testing.B) {
	h := NewHasher(DefaultParams)
	phc, err := h.Hash("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := h.Verify("correct horse battery staple", phc); err != nil || !ok {
			b.Fatal("verify failed", err)
		}
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	h := NewHasher(DefaultParams)
	h.VerifyDummy("warm up")
	for b.Loop() {
		h.VerifyDummy("no such user's password")
	}
}
