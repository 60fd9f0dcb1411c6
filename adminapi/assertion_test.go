package adminapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// assertionToken asks for a client_credentials token with a client
// assertion and returns the status.
func assertionToken(t *testing.T, in *servertest.Instance, assertion string) int {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {servertest.AssertionType}, "client_assertion": {assertion}}
	resp, err := http.PostForm(in.URL+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestAssertionClients: the admin API creates private_key_jwt clients
// (jwks inline, no secret) and client_secret_jwt clients (a secret
// shown once), both of which then authenticate at the token endpoint
// with an assertion; a PATCH moves the keys to a jwks_uri; a secret
// rotation of a private_key_jwt client is refused. Every exchange is
// checked against the OpenAPI document.
func TestAssertionClients(t *testing.T) {
	e := newEnv(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Use: "sig"}}})
	pk := e.createClient(map[string]any{"client_name": "pk", "token_endpoint_auth_method": "private_key_jwt",
		"jwks": json.RawMessage(jwks), "token_endpoint_auth_signing_alg": "ES256"})
	if pk.ClientSecret != "" || pk.ClientSecretExpiresAt != nil || pk.TokenEndpointAuthMethod != "private_key_jwt" ||
		pk.TokenEndpointAuthSigningAlg != "ES256" || !strings.Contains(string(pk.JWKS), `"kid":"k1"`) {
		t.Fatalf("private_key_jwt client %+v", pk)
	}
	if s := assertionToken(t, e.in, e.in.ClientAssertion(t, pk.ClientID, key, "ES256", "k1", nil)); s != http.StatusOK {
		t.Fatalf("private_key_jwt token: %d", s)
	}
	sj := e.createClient(map[string]any{"client_name": "sj", "token_endpoint_auth_method": "client_secret_jwt"})
	if !strings.HasPrefix(sj.ClientSecret, "tmcs_") || sj.ClientSecretExpiresAt == nil {
		t.Fatalf("client_secret_jwt client %+v", sj)
	}
	if s := assertionToken(t, e.in, e.in.ClientAssertion(t, sj.ClientID, []byte(sj.ClientSecret), "HS256", "", nil)); s != http.StatusOK {
		t.Fatalf("client_secret_jwt token: %d", s)
	}
	if s, _ := tokenStatus(t, e.in, sj.ClientID, sj.ClientSecret); s != http.StatusUnauthorized {
		t.Fatalf("a client_secret_jwt client sent its secret by Basic: %d, want 401", s)
	}

	r := e.admin(http.MethodPatch, adminapi.PathClients+"/"+pk.ClientID, map[string]any{"jwks": nil, "jwks_uri": "https://pk.example/jwks"})
	want(t, r, http.StatusOK)
	var m clientmeta.Metadata
	r.json(t, &m)
	if m.JWKS != nil || m.JWKSURI != "https://pk.example/jwks" {
		t.Fatalf("patched %+v", m)
	}
	r = e.do(call{method: http.MethodPost, path: adminapi.PathClients + "/" + pk.ClientID + "/secret", token: e.token, body: "{}", hostile: true})
	want(t, r, http.StatusBadRequest)
	for _, body := range []string{
		`{"token_endpoint_auth_method":"client_secret_basic"}`,
		`{"jwks_uri":"https://pk.example/jwks","jwks":{"keys":[]}}`,
		`{"token_endpoint_auth_signing_alg":"HS256"}`,
	} {
		r := e.do(call{method: http.MethodPatch, path: adminapi.PathClients + "/" + pk.ClientID, token: e.token, body: body, hostile: true})
		want(t, r, http.StatusBadRequest)
		if p := r.problem(t); p.Code != "invalid_client_metadata" {
			t.Errorf("%s: %+v", body, p)
		}
	}
}
