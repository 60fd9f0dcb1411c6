package oauth

import (
	"slices"
	"strings"
)

// ParseScope splits a scope parameter (RFC 6749 §3.3: space-delimited,
// order irrelevant) into its tokens, dropping duplicates and empty parts.
func ParseScope(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Fields(s)
	out := parts[:0]
	for _, p := range parts {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// JoinScope is the inverse of ParseScope.
func JoinScope(scopes []string) string { return strings.Join(scopes, " ") }

// ValidScope reports whether every character of a raw scope parameter is
// allowed by RFC 6749 §3.3 (printable ASCII but '"' and '\', spaces as
// delimiters).
func ValidScope(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && !scopeChar(s[i]) {
			return false
		}
	}
	return true
}

// ValidScopeToken reports whether s is one scope-token of RFC 6749 §3.3:
// 1*( %x21 / %x23-5B / %x5D-7E ), as a client's registered scopes must be.
func ValidScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !scopeChar(s[i]) {
			return false
		}
	}
	return true
}

// scopeChar reports whether b may appear in a scope-token (RFC 6749
// §3.3): printable ASCII but '"' and '\'.
func scopeChar(b byte) bool { return b >= 0x21 && b <= 0x7e && b != 0x22 && b != 0x5c }
