package registration

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/oauth"
)

// testHandler is a Handler whose policy and defaults are set, enough for
// the request decoding and the policy (no store is touched).
func testHandler() *Handler {
	p := DefaultPolicy()
	p.GrantTypes = append(p.GrantTypes, tokenmint.GrantClientCredentials)
	p.Scopes = append(p.Scopes, "api")
	return &Handler{cfg: Config{Policy: p}}
}

// wantRFC7591Error fails unless err is an *oauth.Error with one of the
// codes of RFC 7591 §3.2.2, a 400.
func wantRFC7591Error(t *testing.T, what string, err error) *oauth.Error {
	t.Helper()
	oe, ok := oauth.As(err)
	if !ok || (oe.Code != clientmeta.CodeInvalidClientMetadata && oe.Code != clientmeta.CodeInvalidRedirectURI) || oe.HTTPStatus() != 400 || oe.Description == "" {
		t.Fatalf("%s: error %T %v, want a 400 invalid_client_metadata or invalid_redirect_uri with a description", what, err, err)
	}
	return oe
}

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name, body string
		code       string // "" when accepted
	}{
		{"minimal", `{"redirect_uris":["https://a.example/cb"]}`, ""},
		{"unknown members ignored", `{"redirect_uris":["https://a.example/cb"],"logo_uri":7,"foo":{"bar":[1,2]},"REDIRECT_URIS":"x"}`, ""},
		{"operator settings ignored", `{"redirect_uris":["https://a.example/cb"],"claims":"not even an object","token_format":9}`, ""},
		{"read-only members ignored", `{"redirect_uris":["https://a.example/cb"],"client_secret_expires_at":"x","registration_access_token":1}`, ""},
		{"duplicate", `{"scope":"openid","scope":"tokenmint:admin"}`, clientmeta.CodeInvalidClientMetadata},
		{"duplicate of an ignored member", `{"logo_uri":"a","logo_uri":"b"}`, clientmeta.CodeInvalidClientMetadata},
		{"not an object", `"x"`, clientmeta.CodeInvalidClientMetadata},
		{"truncated", `{"redirect_uris":["https://a.example/cb"`, clientmeta.CodeInvalidClientMetadata},
		{"trailing", `{} x`, clientmeta.CodeInvalidClientMetadata},
		{"client_id of the wrong type", `{"client_id":5}`, clientmeta.CodeInvalidClientMetadata},
		{"client_secret of the wrong type", `{"client_secret":["a"]}`, clientmeta.CodeInvalidClientMetadata},
		{"grant_types of the wrong type", `{"grant_types":"client_credentials"}`, clientmeta.CodeInvalidClientMetadata},
		{"client settings", `{"redirect_uris":["https://a.example/cb"],"subject_type":"pairwise","backchannel_logout_uri":"https://a.example/l","dpop_bound_access_tokens":true,"require_signed_request_object":true}`, ""},
		{"a client setting of the wrong type", `{"require_pushed_authorization_requests":"yes"}`, clientmeta.CodeInvalidClientMetadata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := decodeRequest([]byte(tt.body))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got := req.fields.Present(); slices.ContainsFunc(got, func(m string) bool { return !slices.Contains(understood, m) }) {
					t.Errorf("decoded members %v beyond %v", got, understood)
				}
				return
			}
			if oe := wantRFC7591Error(t, tt.name, err); oe.Code != tt.code {
				t.Errorf("code %s, want %s", oe.Code, tt.code)
			}
		})
	}
}

func TestSpecAppliesPolicyAndDefaults(t *testing.T) {
	h := testHandler()
	req, err := decodeRequest([]byte(`{"redirect_uris":["https://a.example/cb"],"client_id":"mine","profile":"eptura","require_consent":false}`))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := h.spec(req, "generated")
	if err != nil {
		t.Fatal(err)
	}
	if spec.ID != "generated" || spec.Name != "generated" || spec.Public || spec.AuthMethod != tokenmint.AuthMethodSecretBasic ||
		!slices.Equal(spec.GrantTypes, []string{tokenmint.GrantAuthorizationCode}) || !slices.Equal(spec.Scopes, h.cfg.Policy.Scopes) ||
		!spec.RequireConsent || spec.Profile != "" || spec.TokenFormat != "" {
		t.Errorf("spec %+v", spec)
	}
	for _, tt := range []struct{ body, code, mention string }{
		{`{"redirect_uris":["https://a.example/cb"],"scope":"openid tokenmint:clients:write"}`, clientmeta.CodeInvalidClientMetadata, "tokenmint:clients:write"},
		{`{"redirect_uris":["https://a.example/cb"],"grant_types":["password"]}`, clientmeta.CodeInvalidClientMetadata, "password"},
		{`{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"tls_client_auth"}`, clientmeta.CodeInvalidClientMetadata, "tls_client_auth"},
		{`{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`, clientmeta.CodeInvalidClientMetadata, "jwks"},
		{`{"redirect_uris":["vbscript:msgbox"]}`, clientmeta.CodeInvalidRedirectURI, "vbscript"},
		{`{"grant_types":["authorization_code"]}`, clientmeta.CodeInvalidRedirectURI, "redirect URI"},
	} {
		req, err := decodeRequest([]byte(tt.body))
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		_, err = h.spec(req, "id")
		if oe := wantRFC7591Error(t, tt.body, err); oe.Code != tt.code || !strings.Contains(oe.Description, tt.mention) {
			t.Errorf("%s: %s %q, want %s naming %s", tt.body, oe.Code, oe.Description, tt.code, tt.mention)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, p := range []Policy{
		{Mode: "closed", GrantTypes: []string{"authorization_code"}, AuthMethods: []string{"none"}},
		{Mode: ModeOpen, GrantTypes: []string{"password"}, AuthMethods: []string{"none"}},
		{Mode: ModeOpen, GrantTypes: []string{"authorization_code"}, Scopes: []string{"tokenmint:admin"}, AuthMethods: []string{"none"}},
		{Mode: ModeOpen, GrantTypes: []string{"authorization_code"}, AuthMethods: []string{"magic_tls"}},
		{Mode: ModeOpen, AuthMethods: []string{"none"}},
	} {
		if err := p.Validate(); err == nil {
			t.Errorf("policy %+v accepted", p)
		}
	}
	if p := DefaultPolicy(); p.Validate() != nil {
		t.Error("the default policy is refused")
	}
	// An operator may leave the assertion methods out.
	h := testHandler()
	h.cfg.Policy.AuthMethods = []string{tokenmint.AuthMethodSecretBasic}
	req, _ := decodeRequest([]byte(`{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://a.example/jwks"}`))
	if _, err := h.spec(req, "id"); err == nil || !strings.Contains(err.Error(), "not allowed here") {
		t.Errorf("private_key_jwt under a policy without it: %v", err)
	}
}

// FuzzDecodeRequest: whatever the body, the registration request decoder
// answers a request or an RFC 7591 §3.2.2 error (never a panic, never a
// server error); what it accepts holds only the members registration
// understands, and building the client from it under the policy answers
// a spec inside the policy or an RFC 7591 error.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"client_name":"Example RP","redirect_uris":["https://app.example/callback"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"client_secret_basic","scope":"openid profile email"}`,
		`{"grant_types":["client_credentials"],"scope":"api","token_endpoint_auth_method":"client_secret_post"}`,
		`{"redirect_uris":["com.example.app:/cb","http://127.0.0.1/cb"],"token_endpoint_auth_method":"none"}`,
		`{"client_id":"x","client_secret":"y","redirect_uris":["https://a.example/cb"]}`,
		`{"redirect_uris":["javascript:alert(1)"]}`, `{"scope":"tokenmint:admin"}`, `{"claims":{"role":"admin"},"audience":["x"]}`,
		`{"redirect_uris":["https://a.example/cb"],"subject_type":"pairwise","sector_identifier_uri":"https://a.example/s","backchannel_logout_uri":"http://127.0.0.1/l","backchannel_logout_session_required":true,"dpop_bound_access_tokens":true,"tls_client_certificate_bound_access_tokens":true,"require_pushed_authorization_requests":true,"require_signed_request_object":true}`,
		`{"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_ip":"192.0.2.1","redirect_uris":["https://a.example/cb"]}`,
		`{"a":1,"a":2}`, `[]`, `{`, `null`, `{"redirect_uris":null,"grant_types":null}`, "{\"client_name\":\"\\u0000\\ud800\"}",
	} {
		f.Add([]byte(s))
	}
	h := testHandler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeRequest(body)
		if err != nil {
			wantRFC7591Error(t, "decodeRequest", err)
			return
		}
		for _, m := range req.fields.Present() {
			if !slices.Contains(understood, m) {
				t.Fatalf("decoded member %s, which registration does not understand", m)
			}
		}
		again, err := json.Marshal(req.fields)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeRequest(again); err != nil {
			t.Fatalf("re-decoding %s: %v", again, err)
		}
		spec, err := h.spec(req, "id")
		if err != nil {
			wantRFC7591Error(t, "spec", err)
			return
		}
		p := h.cfg.Policy
		if !slices.Contains(p.AuthMethods, spec.AuthMethod) || !spec.RequireConsent || spec.Profile != "" || len(spec.Claims) != 0 || len(spec.Audience) != 0 {
			t.Fatalf("spec outside the policy: %+v", spec)
		}
		for _, g := range spec.GrantTypes {
			if !slices.Contains(p.GrantTypes, g) {
				t.Fatalf("grant %s outside the policy", g)
			}
		}
		for _, s := range spec.Scopes {
			if !slices.Contains(p.Scopes, s) || clientmeta.OperatorOnlyScope(s) {
				t.Fatalf("scope %s outside the policy", s)
			}
		}
		for _, u := range spec.RedirectURIs {
			if tokenmint.CheckRedirectURI(u) != nil {
				t.Fatalf("redirect URI %q accepted", u)
			}
		}
	})
}
