package httpapi

import (
	"strings"
	"testing"
)

func TestWantsIntrospectionJWT(t *testing.T) {
	for _, tc := range []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{MediaTypeIntrospectionJWT}, true},
		{[]string{"application/json", MediaTypeIntrospectionJWT}, true}, // two header lines, equal weights
		{[]string{"text/html, " + MediaTypeIntrospectionJWT + ";q=0.9, */*;q=0.8"}, true},
		{[]string{"*/*, " + MediaTypeIntrospectionJWT + ";q=0.9"}, false},
		{[]string{MediaTypeIntrospectionJWT + ";q=0.001"}, true},
		{[]string{MediaTypeIntrospectionJWT + ";q=0"}, false},
		{[]string{MediaTypeIntrospectionJWT + ";q=-1"}, false},
		{[]string{MediaTypeIntrospectionJWT + ";q=Inf"}, false},
		{[]string{MediaTypeIntrospectionJWT + ";;"}, false},
		{[]string{"application/jwt"}, false},
		{[]string{strings.Repeat("text/plain, ", maxAcceptRanges) + MediaTypeIntrospectionJWT}, false},
	} {
		if got := WantsIntrospectionJWT(tc.accept); got != tc.want {
			t.Errorf("WantsIntrospectionJWT(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}

// FuzzWantsIntrospectionJWT: any Accept header is read without a panic,
// and a JWT is never chosen unless its media type is named.
func FuzzWantsIntrospectionJWT(f *testing.F) {
	for _, s := range []string{"", MediaTypeIntrospectionJWT, "application/json;q=0.5, " + MediaTypeIntrospectionJWT + ";q=0.7",
		"*/*;q=x", ";;;,,,", MediaTypeIntrospectionJWT + `;q="1"`, "a/b;c=\"\\\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		if WantsIntrospectionJWT([]string{accept}) && !strings.Contains(strings.ToLower(accept), MediaTypeIntrospectionJWT) {
			t.Fatalf("chose a JWT for %q", accept)
		}
	})
}
