package rs

import (
	"fmt"
	"strings"
	"testing"
)

func fmtConfig(c Config) string { return fmt.Sprintf("%v %+v", c, c) }

// FuzzParseAuthorization: any header value is parsed without panic; an
// accepted one yields a bounded token68 and a known scheme.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"Bearer abc", "DPoP a.b.c", "bearer  x==", "Basic YTpi", "Bearer", "", "Bearer a b", "DPoP =", "Bearer a=b="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		c, err := parseAuthorization([]string{h})
		if err != nil {
			if err.Status != 400 && err.Status != 401 {
				t.Fatalf("status %d", err.Status)
			}
			return
		}
		if c.token == "" || len(c.token) > MaxTokenBytes || !isToken68(c.token) || strings.ContainsAny(c.token, " \t\r\n\"") {
			t.Fatalf("accepted token %q", c.token)
		}
		scheme, _, _ := strings.Cut(h, " ")
		if c.dpop != strings.EqualFold(scheme, "dpop") {
			t.Fatalf("scheme %q read as dpop=%v", scheme, c.dpop)
		}
	})
}

// FuzzIntrospectionAnswer: any answer body is decoded without panic; an
// active one always says so.
func FuzzIntrospectionAnswer(f *testing.F) {
	for _, s := range []string{`{"active":true,"aud":["a"],"exp":1e9,"scope":"a b","cnf":{"jkt":"x"}}`, `{"active":false}`, `{"active":1}`, `{"exp":-1,"active":true}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := introspectionAnswer(b)
		if err == nil && c != nil && (!c.Introspected || c.Extra["active"] != nil) {
			t.Fatalf("active answer %+v", c)
		}
	})
}

// FuzzDecodeClaims: any JWT payload is decoded without panic, times in
// range.
func FuzzDecodeClaims(f *testing.F) {
	for _, s := range []string{`{"iss":"i","aud":"a","exp":1.5,"iat":1,"nbf":0,"scope":"x y","cnf":{"x5t#S256":"t"},"z":{}}`, `{"aud":[]}`, `{"exp":1e300}`, `{"exp":NaN}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeClaims(b)
		if err != nil {
			return
		}
		if !c.Expiry.IsZero() && (c.Expiry.Unix() < 0 || c.Expiry.Unix() > 1e11) {
			t.Fatalf("exp %v", c.Expiry)
		}
	})
}
