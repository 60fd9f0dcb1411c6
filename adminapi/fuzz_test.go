package adminapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/tokenmint/tokenmint/registry"
)

// FuzzDecodeUser: whatever the body, the user decoder answers fields or
// a 400 problem naming at most one member, never panics, and what it
// accepts passes the registry's own checks.
func FuzzDecodeUser(f *testing.F) {
	for _, s := range []string{
		`{"username":"ada","password":"a long passphrase","email":"ada@example.com","roles":["admin"]}`,
		`{"username":"ada","username":"bob"}`, `{"roles":[1]}`, `{"password":null}`, `[]`, `{`, `{} {}`,
		`{"name":"\u0000"}`, `{"disabled":true}`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, create bool) {
		u, err := decodeUser(body, create)
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) || p.Status != http.StatusBadRequest || len(p.Errors) > 1 {
				t.Fatalf("error %T %v is not a 400 problem", err, err)
			}
			return
		}
		if create {
			if _, err := json.Marshal(u); err != nil {
				t.Fatal(err)
			}
			if registry.ValidateUsername(u.Username) != nil || registry.ValidatePassword(u.Password) != nil {
				t.Fatalf("accepted an invalid user %+v", u)
			}
		}
		for _, r := range u.Roles {
			if registry.ValidateRole(r) != nil {
				t.Fatalf("accepted role %q", r)
			}
		}
	})
}

// FuzzGrace: a grace period is a whole number of seconds or a duration,
// from 0 to registry.MaxSecretGrace, or a 400 naming grace.
func FuzzGrace(f *testing.F) {
	for _, s := range []string{`0`, `86400`, `"24h"`, `"90m"`, `-1`, `1.5`, `"forever"`, `null`, `1e10`, `"9223372036854775807ns"`, `{"x":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		body, _ := json.Marshal(map[string]json.RawMessage{"grace": raw})
		var g json.RawMessage
		given, err := decodeObject(body, map[string]any{"grace": &g})
		if err != nil || !given["grace"] {
			return // not JSON: the decoder refused it
		}
		d, err := parseGrace(g)
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) || len(p.Errors) != 1 || p.Errors[0].Field != "grace" {
				t.Fatalf("error %v does not name grace", err)
			}
			return
		}
		if d < 0 || d > registry.MaxSecretGrace {
			t.Fatalf("grace %s out of bounds from %s", d, raw)
		}
	})
}
