package grant

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/oauth"
)

func TestParseClaimsRequest(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		bad            bool
	}{
		{"empty", ``, ``, false},
		{"userinfo and id_token", `{"userinfo":{"email":{"essential":true},"name":null},"id_token":{"acr":{"values":["urn:tokenmint:pwd"]}}}`,
			`{"userinfo":{"email":{"essential":true},"name":null},"id_token":{"acr":{"values":["urn:tokenmint:pwd"]}}}`, false},
		{"unknown claims and members dropped", `{"userinfo":{"shoe_size":null},"other":1}`, ``, false},
		{"not an object", `[1]`, ``, true},
		{"trailing data", `{} {}`, ``, true},
		{"member not an object", `{"userinfo":[]}`, ``, true},
		{"query not an object", `{"id_token":{"acr":"x"}}`, ``, true},
		{"essential not a boolean", `{"id_token":{"acr":{"essential":"yes"}}}`, ``, true},
		{"values not an array", `{"id_token":{"acr":{"values":"x"}}}`, ``, true},
		{"too long", `{"userinfo":{"name":{"value":"` + strings.Repeat("a", MaxClaimsRequest) + `"}}}`, ``, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cr, err := ParseClaimsRequest(tc.in)
			if tc.bad {
				if oe, ok := err.(*oauth.Error); !ok || oe.Code != oauth.InvalidRequest {
					t.Fatalf("err %v, want invalid_request", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cr.Encode(); got != tc.want {
				var a, b any
				json.Unmarshal([]byte(got), &a)
				json.Unmarshal([]byte(tc.want), &b)
				if ja, _ := json.Marshal(a); string(ja) != func() string { jb, _ := json.Marshal(b); return string(jb) }() {
					t.Errorf("Encode() = %s, want %s", got, tc.want)
				}
			}
		})
	}
}

func TestChooseACR(t *testing.T) {
	essential := func(v string) *ClaimsRequest {
		return &ClaimsRequest{IDToken: map[string]*ClaimRequest{"acr": {Essential: true, Values: []any{v}}}}
	}
	for _, tc := range []struct {
		name, acrValues string
		cr              *ClaimsRequest
		want            string
		ok              bool
	}{
		{"default", "", nil, ACRPassword, true},
		{"acr_values: first met", "urn:x:mfa 0", nil, ACRNone, true},
		{"acr_values unmet: voluntary", "urn:x:mfa", nil, ACRPassword, true},
		{"essential met", "", essential(ACRPassword), ACRPassword, true},
		{"essential unmet", "", essential("urn:x:mfa"), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := chooseACR(tc.acrValues, tc.cr)
			if got != tc.want || ok != tc.ok {
				t.Errorf("chooseACR = %q %v, want %q %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// FuzzParseClaimsRequest: the parser of the claims parameter never
// panics, answers only invalid_request, and what it accepts encodes to a
// form it accepts again unchanged.
func FuzzParseClaimsRequest(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"userinfo":{"email":null}}`, `{"id_token":{"acr":{"essential":true,"values":["0"]}}}`,
		`{"userinfo":{"name":{"value":1.5e400}}}`, `{"id_token":null}`, `[`, `{"userinfo":{"email":{"values":[{}]}}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cr, err := ParseClaimsRequest(s)
		if err != nil {
			if oe, ok := err.(*oauth.Error); !ok || oe.Code != oauth.InvalidRequest {
				t.Fatalf("error %v, want invalid_request", err)
			}
			return
		}
		enc := cr.Encode()
		if enc == "" {
			return
		}
		again, err := ParseClaimsRequest(enc)
		if err != nil {
			t.Fatalf("the encoded form %q does not parse: %v", enc, err)
		}
		if again.Encode() != enc {
			t.Fatalf("encoding is not stable: %q then %q", enc, again.Encode())
		}
		chooseACR("", again)
	})
}
