package oauth

import "strings"

// ParseScope splits a scope parameter (RFC 6749 §3.3: space-delimited,
// order irrelevant) into its tokens, dropping duplicates and empty parts.
func ParseScope(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Fields(s)
	out := parts[:0]
	for _, p := range parts {
		if !containsString(out, p) {
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
		b := s[i]
		if b == ' ' {
			continue
		}
		if b < 0x21 || b == 0x22 || b == 0x5c || b > 0x7e {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
