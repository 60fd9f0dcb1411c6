package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// introspectAccept posts an introspection request with the Accept header
// accept ("" for none) and returns the status, the Content-Type and the
// raw body.
func introspectAccept(t *testing.T, in *servertest.Instance, c servertest.Client, tok, accept string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, in.URL+"/oauth2/introspect", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if c.ID != "" {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

const introspectionJWT = "application/token-introspection+jwt"

// TestIntrospectionJWT: RFC 9701 through the real server. Asked with
// Accept: application/token-introspection+jwt, introspection answers a
// JWT of that media type, which go-jose verifies against the served JWKS:
// typ token-introspection+jwt, RS256 by default (§6), iss the server, aud
// the client that asked, iat, and token_introspection holding exactly the
// JSON answer of RFC 7662, an inactive token's {"active":false}
// included; no sub or exp of its own.
func TestIntrospectionJWT(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{Scopes: []string{"api"}, Resources: []string{resOrders},
		Claims: map[string]string{"tenant": "acme"}})
	rs := in.CreateClient(t, registry.ClientSpec{Name: "orders API", Resources: []string{resOrders}})
	status, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}, "resource": {resOrders}}, c.ID, c.Secret)
	if status != 200 {
		t.Fatalf("token: %d %v", status, body)
	}
	tok := body["access_token"].(string)

	for _, tc := range []struct {
		name   string
		caller servertest.Client
		token  string
		active bool
	}{
		{"the client's own token", c, tok, true},
		{"the resource server of its aud", rs, tok, true},
		{"an inactive token", rs, "not-a-token", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, plain := introspectAccept(t, in, tc.caller, tc.token, "")
			var want map[string]any
			if err := json.Unmarshal([]byte(plain), &want); err != nil {
				t.Fatalf("JSON answer %q: %v", plain, err)
			}
			status, ct, raw := introspectAccept(t, in, tc.caller, tc.token, introspectionJWT)
			if status != 200 || ct != introspectionJWT {
				t.Fatalf("JWT answer: %d %q %q", status, ct, raw)
			}
			claims, header := verifyWithJWKS(t, in.URL, raw, tokenmint.AlgRS256)
			if header.ExtraHeaders["typ"] != "token-introspection+jwt" || header.Algorithm != tokenmint.AlgRS256 || header.KeyID == "" {
				t.Errorf("header %+v: want typ token-introspection+jwt, alg RS256 and a kid", header)
			}
			if claims["iss"] != in.URL || claims["aud"] != tc.caller.ID || claims["iat"] == nil {
				t.Errorf("claims iss %v aud %v iat %v: want %s, %s and a time", claims["iss"], claims["aud"], claims["iat"], in.URL, tc.caller.ID)
			}
			for _, k := range []string{"sub", "exp", "scope", "client_id", "active"} {
				if _, ok := claims[k]; ok {
					t.Errorf("top-level claim %s: the token's members belong in token_introspection (RFC 9701 §5)", k)
				}
			}
			if !reflect.DeepEqual(claims["token_introspection"], want) {
				t.Errorf("token_introspection = %v, want the JSON answer %v", claims["token_introspection"], want)
			}
			if ti, _ := claims["token_introspection"].(map[string]any); ti["active"] != tc.active {
				t.Errorf("active = %v, want %v", ti["active"], tc.active)
			}
		})
	}
}

// TestIntrospectionJWTAlg: a client registered with
// introspection_signed_response_alg gets its answers signed so; discovery
// advertises the algs the server signs with (RFC 9701 §7).
func TestIntrospectionJWTAlg(t *testing.T) {
	in := servertest.Start(t)
	for _, alg := range tokenmint.KnownAlgs {
		c := in.CreateClient(t, registry.ClientSpec{IntrospectionAlg: alg})
		status, ct, raw := introspectAccept(t, in, c, issue(t, in, c, ""), introspectionJWT)
		if status != 200 || ct != introspectionJWT {
			t.Fatalf("%s: %d %q %q", alg, status, ct, raw)
		}
		if _, header := verifyWithJWKS(t, in.URL, raw, alg); header.Algorithm != alg {
			t.Errorf("alg %s, want %s", header.Algorithm, alg)
		}
	}
	for _, doc := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		_, _, meta := get(t, in.URL+doc)
		got, _ := meta["introspection_signing_alg_values_supported"].([]any)
		var algs []string
		for _, a := range got {
			algs = append(algs, a.(string))
		}
		if !slices.Equal(algs, tokenmint.KnownAlgs) {
			t.Errorf("%s: introspection_signing_alg_values_supported = %v, want %v", doc, got, tokenmint.KnownAlgs)
		}
	}
}

// TestIntrospectionAcceptNegotiation: only a request that prefers the JWT
// media type gets it; everything else, and every error, is JSON.
func TestIntrospectionAcceptNegotiation(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{})
	tok := issue(t, in, c, "")
	for _, tc := range []struct {
		accept string
		jwt    bool
	}{
		{"", false},
		{"application/json", false},
		{"*/*", false},
		{introspectionJWT, true},
		{"Application/Token-Introspection+JWT", true},
		{introspectionJWT + ", application/json;q=0.5", true},
		{"application/json, " + introspectionJWT, true},
		{"application/json;q=1, " + introspectionJWT + ";q=0.5", false},
		{introspectionJWT + ";q=0", false},
		{introspectionJWT + ";q=2", false},
		{introspectionJWT + ";q=NaN", false},
		{"application/token-introspection+jwtx", false},
		{"text/html", false},
	} {
		status, ct, raw := introspectAccept(t, in, c, tok, tc.accept)
		if status != 200 {
			t.Fatalf("Accept %q: %d %s", tc.accept, status, raw)
		}
		if got := ct == introspectionJWT; got != tc.jwt || (!got && ct != "application/json") {
			t.Errorf("Accept %q: Content-Type %q, want the JWT: %v", tc.accept, ct, tc.jwt)
		}
	}
	// Errors are RFC 6749 §5.2 JSON whatever Accept says.
	for _, who := range []servertest.Client{{}, {ID: c.ID, Secret: "wrong"}} {
		status, ct, raw := introspectAccept(t, in, who, tok, introspectionJWT)
		if status != http.StatusUnauthorized || ct != "application/json" || !strings.Contains(raw, `"invalid_client"`) {
			t.Errorf("unauthenticated JWT introspection: %d %q %s", status, ct, raw)
		}
	}
	pub := in.CreateClient(t, registry.ClientSpec{Public: true, GrantTypes: []string{tokenmint.GrantAuthorizationCode},
		RedirectURIs: []string{"https://app.example/callback"}})
	if status, ct, _ := introspectAccept(t, in, servertest.Client{ID: pub.ID}, tok, introspectionJWT); status != http.StatusUnauthorized || ct != "application/json" {
		t.Errorf("public client asking for a JWT: %d %q, want 401 JSON", status, ct)
	}
}
