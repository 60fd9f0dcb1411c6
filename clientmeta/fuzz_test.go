package clientmeta

import (
	"encoding/json"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect/dialects"
)

// FuzzDecode: whatever the body, Decode answers fields or an *Error (never
// a panic); fields it accepts marshal to JSON that decodes to the same
// members, and building a client from them answers a spec or an *Error.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"client_name":"svc","scope":"api read","access_token_ttl":600}`,
		`{"client_name":"web","grant_types":["authorization_code"],"redirect_uris":["https://a.example/cb"],"response_types":["code"]}`,
		`{"client_name":"p","profile":"epc","claims":{"a":"b"},"signing_alg":null}`,
		`{"client_name":"a","client_name":"b"}`,
		`{"client_name":"m","token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_ip":"::1","dpop_bound_access_tokens":true}`,
		`{"client_name":"o","subject_type":"pairwise","sector_identifier_uri":"https://o.example/s","backchannel_logout_uri":"http://[::1]/l","backchannel_logout_session_required":true}`,
		`{"jwks":{}}`, `[]`, `{`, `{"access_token_ttl":1e400}`, `{"claims":{"\u0000":"x"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fields, err := Decode(body)
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("Decode error %T %v is not an *Error", err, err)
			}
			return
		}
		again, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(again)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", again, err)
		}
		if len(back.Present()) > len(fields.Present()) {
			t.Fatalf("members %v became %v", fields.Present(), back.Present())
		}
		if _, err := fields.Spec(CreateOptions{Profiles: dialects.Profile}); err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("Spec error %T %v is not an *Error", err, err)
			}
		}
		c := tokenmint.Client{ID: "c", Name: "n", SecretHash: []byte("h"), GrantTypes: []string{tokenmint.GrantClientCredentials}, TokenFormat: tokenmint.FormatJWT}
		if err := fields.Apply(&c, dialects.Profile); err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("Apply error %T %v is not an *Error", err, err)
			}
		}
	})
}
