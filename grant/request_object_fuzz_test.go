package grant

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// FuzzRequestObject: the request object parser and the claims-to-
// parameters conversion, on any input: no panic, never an object signed
// with none or an HMAC, never a nested request or request_uri.
func FuzzRequestObject(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithType("oauth-authz-req+jwt"))
	for _, claims := range []map[string]any{
		{"iss": "c", "aud": "https://as.test", "exp": 2000000000, "response_type": "code", "max_age": 60, "resource": []string{"https://r.test"}},
		{"claims": map[string]any{"userinfo": map[string]any{"email": nil}}},
		{"request_uri": "urn:x"}, {"aud": 5}, {"scope": true},
	} {
		payload, _ := json.Marshal(claims)
		jws, _ := signer.Sign(payload)
		s, _ := jws.CompactSerialize()
		f.Add(s)
	}
	f.Add("eyJhbGciOiJub25lIn0.eyJpc3MiOiJjIn0.")
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.c2ln")
	f.Add("a.b.c.d.e")
	f.Fuzz(func(t *testing.T, raw string) {
		a, m, problem := parseRequestObject(raw)
		if problem != "" {
			return
		}
		switch a.alg {
		case "none", "HS256", "HS384", "HS512", "":
			t.Fatalf("parsed a request object with alg %q", a.alg)
		}
		params, desc := claimParams(m)
		if desc != "" {
			return
		}
		if params.Has("request") || params.Has("request_uri") || params.Has("iss") || params.Has("exp") {
			t.Fatalf("claimParams(%v) = %v: nested request or registered claims as parameters", m, params)
		}
	})
}
