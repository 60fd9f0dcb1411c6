package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestClientCredentialsJWTInterop: golang.org/x/oauth2 obtains a token;
// the JWT verifies against the served JWKS with go-jose's jwt package and
// carries every RFC 9068 claim plus the client's custom claims.
func TestClientCredentialsJWTInterop(t *testing.T) {
	for _, alg := range []string{tokenmint.AlgES256, tokenmint.AlgRS256, tokenmint.AlgEdDSA} {
		t.Run(alg, func(t *testing.T) {
			in := servertest.Start(t)
			c := in.CreateClient(t, registry.ClientSpec{Scopes: []string{"read", "write"}, SigningAlg: alg,
				Audience: []string{"https://api.example.com"}, Claims: map[string]string{"tenant": "acme"}})
			cc := clientcredentials.Config{ClientID: c.ID, ClientSecret: c.Secret, TokenURL: in.URL + "/oauth2/token", Scopes: []string{"read"}}
			tok, err := cc.Token(context.Background())
			if err != nil {
				t.Fatalf("clientcredentials.Token: %v", err)
			}
			if tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
				t.Fatalf("token type %q expiry %v", tok.TokenType, tok.Expiry)
			}
			claims, header := verifyWithJWKS(t, in.URL, tok.AccessToken, alg)
			if header.ExtraHeaders["typ"] != "at+jwt" || header.KeyID == "" {
				t.Errorf("header typ=%v kid=%q, want at+jwt and a kid", header.ExtraHeaders["typ"], header.KeyID)
			}
			for k, want := range map[string]any{"iss": in.URL, "sub": c.ID, "aud": "https://api.example.com", "client_id": c.ID, "scope": "read", "tenant": "acme"} {
				if claims[k] != want {
					t.Errorf("claim %s = %v, want %v", k, claims[k], want)
				}
			}
			for _, k := range []string{"exp", "iat", "nbf", "jti"} {
				if claims[k] == nil {
					t.Errorf("claim %s missing", k)
				}
			}
			if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 3600 {
				t.Errorf("exp-iat = %v, want the default 3600", exp-iat)
			}
		})
	}
}

// verifyWithJWKS fetches the JWKS over HTTP and verifies raw with go-jose.
func verifyWithJWKS(t *testing.T, issuer, raw, alg string) (map[string]any, jose.Header) {
	t.Helper()
	resp, err := http.Get(issuer + "/oauth2/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatalf("decode JWKS: %v", err)
	}
	tok, err := josejwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		t.Fatalf("parse JWT: %v", err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys for kid %q", len(keys), tok.Headers[0].KeyID)
	}
	claims := map[string]any{}
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("verify JWT against JWKS: %v", err)
	}
	return claims, tok.Headers[0]
}

// TestOpaqueTokenIntrospectRevoke: an opaque token is recognisable, stored
// only hashed, introspects with every RFC 7662 member and custom claims,
// and revokes.
func TestOpaqueTokenIntrospectRevoke(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{Scopes: []string{"a", "b"}, TokenFormat: tokenmint.FormatOpaque,
		Claims: map[string]string{"environment": "Test"}})
	tok := issue(t, in, c, "a b")
	if !strings.HasPrefix(tok, "tmat_") || len(tok) < 5+43 {
		t.Fatalf("opaque token %q: want prefix tmat_ and 256 bits", tok)
	}
	status, _, body := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {tok}}, c.ID, c.Secret)
	if status != 200 || body["active"] != true {
		t.Fatalf("introspect: %d %v", status, body)
	}
	for k, want := range map[string]any{"scope": "a b", "client_id": c.ID, "sub": c.ID, "iss": in.URL, "token_type": "Bearer", "environment": "Test", "aud": in.URL} {
		if body[k] != want {
			t.Errorf("%s = %v, want %v", k, body[k], want)
		}
	}
	for _, k := range []string{"exp", "iat", "nbf"} {
		if body[k] == nil {
			t.Errorf("%s missing", k)
		}
	}
	if status, _, body := post(t, in.URL+"/oauth2/revoke", url.Values{"token": {tok}}, c.ID, c.Secret); status != 200 || body != nil {
		t.Fatalf("revoke: %d %v", status, body)
	}
	wantInactive(t, in, c, tok)
}

func wantInactive(t *testing.T, in *servertest.Instance, c servertest.Client, tok string) {
	t.Helper()
	status, _, body := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {tok}}, c.ID, c.Secret)
	if status != 200 || len(body) != 1 || body["active"] != false {
		t.Fatalf("introspect: %d %v, want exactly {\"active\": false}", status, body)
	}
}

func issue(t *testing.T, in *servertest.Instance, c servertest.Client, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	status, h, body := post(t, in.URL+"/oauth2/token", form, c.ID, c.Secret)
	if status != 200 {
		t.Fatalf("token: %d %v", status, body)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("token response Cache-Control = %q", h.Get("Cache-Control"))
	}
	return body["access_token"].(string)
}

// TestIdleAndAbsoluteExpiry: an opaque token with --access-ttl 2h
// --idle-ttl 15m lives while used every <15 min, dies 15 min after its
// last use, and never outlives 2 h.
func TestIdleAndAbsoluteExpiry(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque, AccessTTL: 2 * time.Hour, IdleTTL: 15 * time.Minute})
	idle := issue(t, in, c, "")
	kept := issue(t, in, c, "")
	in.Clock.Advance(14 * time.Minute)
	introspectActive(t, in, c, kept)
	in.Clock.Advance(2 * time.Minute) // idle token unused for 16 min
	wantInactive(t, in, c, idle)
	for range 8 { // 16 + 8*12 = 112 min: still alive, used every 12-14 min
		in.Clock.Advance(12 * time.Minute)
		introspectActive(t, in, c, kept)
	}
	in.Clock.Advance(9 * time.Minute) // 121 min, 9 min after last use: past the absolute 2 h
	wantInactive(t, in, c, kept)
}

func introspectActive(t *testing.T, in *servertest.Instance, c servertest.Client, tok string) map[string]any {
	t.Helper()
	status, _, body := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {tok}}, c.ID, c.Secret)
	if status != 200 || body["active"] != true {
		t.Fatalf("introspect at %v: %d %v, want active", in.Clock.Now(), status, body)
	}
	return body
}

// TestJWTRevocation: a revoked JWT introspects inactive until it expires;
// a client cannot revoke another's token; unknown tokens answer 200.
func TestJWTRevocation(t *testing.T) {
	in := servertest.Start(t)
	a := in.CreateClient(t, registry.ClientSpec{})
	b := in.CreateClient(t, registry.ClientSpec{})
	tok := issue(t, in, a, "")
	body := introspectActive(t, in, a, tok)
	if body["jti"] == nil {
		t.Fatalf("JWT introspection lacks jti: %v", body)
	}
	status, h, eb := post(t, in.URL+"/oauth2/revoke", url.Values{"token": {tok}}, b.ID, b.Secret)
	wantError(t, status, h, eb, 400, "unauthorized_client")
	introspectActive(t, in, a, tok)
	if status, _, _ := post(t, in.URL+"/oauth2/revoke", url.Values{"token": {"tmat_unknown"}}, a.ID, a.Secret); status != 200 {
		t.Fatalf("revoke unknown: %d, want 200", status)
	}
	if status, _, _ := post(t, in.URL+"/oauth2/revoke", url.Values{"token": {tok}, "token_type_hint": {"access_token"}}, a.ID, a.Secret); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	wantInactive(t, in, a, tok)
	// Another client sees nothing of a's tokens either.
	wantInactive(t, in, b, issue(t, in, a, ""))
}

// TestTokenEndpointErrors is the table of malformed and refused requests.
func TestTokenEndpointErrors(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{Scopes: []string{"read"}})
	pub := in.CreateClient(t, registry.ClientSpec{Public: true, GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://app.example.com/cb"}})
	tokenURL := in.URL + "/oauth2/token"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(c.ID+":"+c.Secret))
	cases := []struct {
		name        string
		contentType string
		body        string
		auth        string
		query       string
		wantStatus  int
		wantCode    string
		wantBasic   bool
	}{
		{"missing grant_type", "", "scope=read", basic, "", 400, "invalid_request", false},
		{"unknown grant", "", "grant_type=urn:made:up", basic, "", 400, "unsupported_grant_type", false},
		{"repeated parameter", "", "grant_type=client_credentials&scope=read&scope=read", basic, "", 400, "invalid_request", false},
		{"wrong content type", "application/json", `{"grant_type":"client_credentials"}`, basic, "", 415, "invalid_request", false},
		{"no content type", "-", "grant_type=client_credentials", basic, "", 415, "invalid_request", false},
		{"params in query string", "", "grant_type=client_credentials", basic, "client_secret=x", 400, "invalid_request", false},
		{"wrong secret basic", "", "grant_type=client_credentials", "Basic " + base64.StdEncoding.EncodeToString([]byte(c.ID+":nope")), "", 401, "invalid_client", true},
		{"wrong secret post", "", "grant_type=client_credentials&client_id=" + c.ID + "&client_secret=nope", "", "", 401, "invalid_client", false},
		{"unknown client", "", "grant_type=client_credentials&client_id=ghost&client_secret=x", "", "", 401, "invalid_client", false},
		{"no client auth", "", "grant_type=client_credentials", "", "", 401, "invalid_client", false},
		{"two auth methods", "", "grant_type=client_credentials&client_secret=" + c.Secret, basic, "", 400, "invalid_request", false},
		{"malformed basic", "", "grant_type=client_credentials", "Basic !!!notbase64", "", 401, "invalid_client", true},
		{"bearer as client auth", "", "grant_type=client_credentials", "Bearer abc", "", 401, "invalid_client", true},
		{"scope not allowed", "", "grant_type=client_credentials&scope=admin", basic, "", 400, "invalid_scope", false},
		{"bad scope characters", "", "grant_type=client_credentials&scope=%22read%22", basic, "", 400, "invalid_scope", false},
		{"grant not allowed", "", "grant_type=password&username=u&password=p", basic, "", 400, "unauthorized_client", false},
		{"public client client_credentials", "", "grant_type=client_credentials&client_id=" + pub.ID, "", "", 400, "unauthorized_client", false},
		{"bad code", "", "grant_type=authorization_code&client_id=" + pub.ID + "&code=tmac_nope&redirect_uri=https://app.example.com/cb", "", "", 400, "invalid_grant", false},
		{"malformed form", "", "grant_type=%zz", basic, "", 400, "invalid_request", false},
		{"oversized body", "", "grant_type=client_credentials&pad=" + strings.Repeat("x", 70<<10), basic, "", 413, "invalid_request", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := tokenURL
			if tc.query != "" {
				u += "?" + tc.query
			}
			req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(tc.body))
			switch tc.contentType {
			case "":
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			case "-":
			default:
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			status, h, body := do(t, req)
			wantError(t, status, h, body, tc.wantStatus, tc.wantCode)
			if got := strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic"); got != tc.wantBasic {
				t.Errorf("WWW-Authenticate = %q, want Basic challenge: %v", h.Get("WWW-Authenticate"), tc.wantBasic)
			}
		})
	}
	t.Run("GET is 405", func(t *testing.T) {
		status, h, body := get(t, tokenURL)
		if status != 405 || h.Get("Allow") != "POST" || body["error"] != "invalid_request" {
			t.Fatalf("GET token: %d %v %v", status, h, body)
		}
	})
	// The server survived all of it.
	issue(t, in, c, "read")
}

// TestDiscoveryAndOperations: metadata lists what is served; health,
// readiness and metrics answer.
func TestDiscoveryAndOperations(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{})
	issue(t, in, c, "")
	status, _, md := get(t, in.URL+"/.well-known/oauth-authorization-server")
	if status != 200 || md["issuer"] != in.URL {
		t.Fatalf("metadata: %d %v", status, md)
	}
	for _, k := range []string{"token_endpoint", "jwks_uri", "introspection_endpoint", "revocation_endpoint"} {
		ep, _ := md[k].(string)
		if !strings.HasPrefix(ep, in.URL+"/") {
			t.Errorf("%s = %q", k, ep)
		}
	}
	grants := md["grant_types_supported"].([]any)
	if !slices.Contains(grants, any("client_credentials")) {
		t.Errorf("grant_types_supported = %v", grants)
	}
	algs := md["access_token_signing_alg_values_supported"].([]any)
	if !slices.Contains(algs, any("ES256")) || !slices.Contains(algs, any("RS256")) {
		t.Errorf("algs = %v", algs)
	}
	if status, _, oidc := get(t, in.URL+"/.well-known/openid-configuration"); status != 200 || oidc["issuer"] != in.URL {
		t.Fatalf("openid-configuration: %d %v", status, oidc)
	}
	if status, _, jwks := get(t, md["jwks_uri"].(string)); status != 200 || len(jwks["keys"].([]any)) < 3 {
		t.Fatalf("jwks: %d %v", status, jwks)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(in.URL + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, resp, err)
		}
		resp.Body.Close()
	}
	metrics := metricsText(t, in.AdminURL)
	for _, want := range []string{`tokenmint_tokens_issued_total{format="jwt",grant_type="client_credentials"} 1`, `tokenmint_http_requests_total{code="200",endpoint="token"} 1`, "tokenmint_http_request_duration_seconds_bucket", "tokenmint_revoked_tokens 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
