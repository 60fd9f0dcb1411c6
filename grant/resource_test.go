package grant_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// FuzzParseResources: the resource parameters of a request (RFC 8707
// §2), one per line here, are either refused with invalid_target or
// accepted as absolute URIs without a fragment, each valid, none
// repeated, in the order given, at most MaxResources.
func FuzzParseResources(f *testing.F) {
	for _, s := range []string{
		"https://api.example", "https://a.example\nhttps://a.example\nurn:x", "/relative", "https://a.example/#f",
		"", "\n", "https://a.example/a b", "urn:", "https:", "HTTPS://A.EXAMPLE/%41?q=1", "mailto:a@b", "a:b:c",
		strings.Repeat("urn:x\n", 17),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lines string) {
		raw := strings.Split(lines, "\n")
		got, err := grant.ParseResources(raw)
		if err != nil {
			if oe, ok := oauth.As(err); !ok || oe.Code != oauth.InvalidTarget || oe.Description == "" || oe.HTTPStatus() != 400 {
				t.Fatalf("error %v: want a 400 invalid_target with a description", err)
			}
			return
		}
		if len(got) > tokenmint.MaxResources || len(got) == 0 {
			t.Fatalf("accepted %d resources", len(got))
		}
		for i, r := range got {
			if tokenmint.CheckResource(r) != nil || strings.Contains(r, "#") || slices.Contains(got[:i], r) || !slices.Contains(raw, r) {
				t.Fatalf("accepted %q from %q", r, raw)
			}
		}
		for _, r := range raw {
			if !slices.Contains(got, r) {
				t.Fatalf("dropped %q", r)
			}
		}
	})
}

func TestParseResourcesNone(t *testing.T) {
	if got, err := grant.ParseResources(nil); got != nil || err != nil {
		t.Errorf("no resource: %v, %v", got, err)
	}
}
