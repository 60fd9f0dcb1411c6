package tokenmint

import (
	"strings"
	"testing"
)

func TestNormalizeUserCode(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"WDJB-MJHT", "WDJBMJHT", true},
		{"wdjb-mjht", "WDJBMJHT", true},
		{"wdjbmjht", "WDJBMJHT", true},
		{" WDJB MJHT ", "WDJBMJHT", true},
		{"W-D-J-B-M-J-H-T", "WDJBMJHT", true},
		{"WDJB-MJH", "", false},   // too short
		{"WDJB-MJHTX", "", false}, // too long
		{"WDJB-MJH0", "", false},  // a digit
		{"WDJB-MJHA", "", false},  // a vowel
		{"WDJB–MJHT", "", false},  // an en dash is not a separator
		{"", "", false},
		{strings.Repeat("-", 100) + "WDJBMJHT", "", false}, // beyond MaxUserCodeInput
	}
	for _, c := range cases {
		got, ok := NormalizeUserCode(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizeUserCode(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	if got := FormatUserCode("WDJBMJHT"); got != "WDJB-MJHT" {
		t.Errorf("FormatUserCode = %q", got)
	}
}

// FuzzNormalizeUserCode: whatever a person types, the normalizer does not
// panic, accepts only UserCodeLength letters of the alphabet, is
// idempotent, and reads its own formatted output back.
func FuzzNormalizeUserCode(f *testing.F) {
	for _, s := range []string{"WDJB-MJHT", "wdjb mjht", "", "----", "ÄÖÜ", "BCDFGHJKL", "bcdf-ghjk\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := NormalizeUserCode(s)
		if !ok {
			if code != "" {
				t.Fatalf("refused %q but returned %q", s, code)
			}
			return
		}
		if len(code) != UserCodeLength || strings.Trim(code, UserCodeAlphabet) != "" {
			t.Fatalf("NormalizeUserCode(%q) = %q: not a user code", s, code)
		}
		if again, ok := NormalizeUserCode(code); !ok || again != code {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, code, again)
		}
		if back, ok := NormalizeUserCode(FormatUserCode(code)); !ok || back != code {
			t.Fatalf("formatted %q reads back as %q", FormatUserCode(code), back)
		}
		if !strings.EqualFold(strings.NewReplacer("-", "", " ", "", "\t", "").Replace(s), code) {
			t.Fatalf("%q normalized to %q, which it does not spell", s, code)
		}
	})
}
