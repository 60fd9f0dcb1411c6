package grant

import (
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
)

// TestNewUserCode: user codes are UserCodeLength letters of the RFC 8628
// §6.1 alphabet, and every letter of it turns up (no modulo bias that
// would skip the last ones, no fixed characters).
func TestNewUserCode(t *testing.T) {
	seen := map[rune]int{}
	codes := map[string]bool{}
	for range 2000 {
		c := NewUserCode()
		if len(c) != tokenmint.UserCodeLength || strings.Trim(c, tokenmint.UserCodeAlphabet) != "" {
			t.Fatalf("user code %q", c)
		}
		codes[c] = true
		for _, r := range c {
			seen[r]++
		}
	}
	if len(seen) != len(tokenmint.UserCodeAlphabet) {
		t.Fatalf("letters drawn: %v", seen)
	}
	if len(codes) < 1990 {
		t.Fatalf("only %d distinct codes in 2000", len(codes))
	}
}
