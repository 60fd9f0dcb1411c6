package manifest

import (
	"testing"
)

// FuzzParse: no input makes Parse panic, and what it accepts marshals
// and parses again to the same entries.
func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("clients:\n  - {client_id: a, client_name: a, claims: {k: v}}\n")
	f.Add("users:\n  - username: a\n    roles: [x]\n    password: {env: P}\n")
	f.Add("clients: [&a {client_id: x}, *a]")
	f.Add("clients:\n  - client_id: 0x1F\n    access_token_ttl: 1e400\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := Parse("fuzz.yaml", []byte(text))
		if err != nil {
			return
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("marshal of a parsed manifest: %v", err)
		}
		m2, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("a marshalled manifest does not parse: %v\n%s", err, out)
		}
		if len(m2.Clients) != len(m.Clients) || len(m2.Users) != len(m.Users) {
			t.Fatalf("round trip lost entries:\n%s", out)
		}
	})
}

// FuzzImport: no export makes the converters panic.
func FuzzImport(f *testing.F) {
	f.Add([]byte(hydraExport))
	f.Add([]byte(`[{"client_id":"a","grant_types":["implicit"]}]`))
	f.Add([]byte(`{"client_id":"a","access_token_ttl":1.5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ignore := range []bool{false, true} {
			FromHydra(data, ImportOptions{IgnoreUnsupported: ignore})
			FromRFC7591(data, ImportOptions{IgnoreUnsupported: ignore})
		}
	})
}
