package adminapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/clientmeta"
)

// TestClientSettings: the per-client settings of issues 16 and 18
// through the admin API, every exchange checked against the OpenAPI
// document: a tls_client_auth client is created without a secret and,
// as that method is not served yet, cannot authenticate at all; the
// OpenID Connect, DPoP, PAR and JAR settings are read back, changed and
// removed by PATCH; invalid values are refused naming the member.
func TestClientSettings(t *testing.T) {
	e := newEnv(t)
	m := e.createClient(map[string]any{"client_name": "mtls", "token_endpoint_auth_method": "tls_client_auth",
		"tls_client_auth_san_dns": "mtls.example", "tls_client_certificate_bound_access_tokens": true})
	if m.ClientSecret != "" || m.ClientSecretExpiresAt != nil || m.TokenEndpointAuthMethod != "tls_client_auth" ||
		m.TLSClientAuthSANDNS != "mtls.example" || !m.TLSClientCertificateBoundAccessTokens {
		t.Fatalf("created %+v", m)
	}
	for _, secret := range []string{"", "guess"} {
		if status, _ := tokenStatus(t, e.in, m.ClientID, secret); status != http.StatusUnauthorized {
			t.Errorf("a tls_client_auth client authenticated with secret %q: %d", secret, status)
		}
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {m.ClientID}}
	resp, err := http.Post(e.in.URL+"/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a tls_client_auth client authenticated with its client_id alone: %d", resp.StatusCode)
	}

	path := adminapi.PathClients + "/" + m.ClientID
	// subject_type public: a pairwise client's sector_identifier_uri is
	// fetched (TestPairwiseSubjects, jwksfetch's TestSectorChecker).
	r := e.admin(http.MethodPatch, path, map[string]any{"tls_client_auth_san_dns": nil, "tls_client_auth_subject_dn": "CN=mtls,O=Example",
		"dpop_bound_access_tokens": true, "subject_type": "public", "sector_identifier_uri": "https://mtls.example/sector.json",
		"backchannel_logout_uri": "https://mtls.example/logout", "backchannel_logout_session_required": true,
		"require_pushed_authorization_requests": true, "require_signed_request_object": true, "jwks_uri": "https://mtls.example/jwks"})
	want(t, r, http.StatusOK)
	var got clientmeta.Metadata
	r.json(t, &got)
	if got.TLSClientAuthSANDNS != "" || got.TLSClientAuthSubjectDN != "CN=mtls,O=Example" || !got.DPoPBoundAccessTokens ||
		got.SubjectType != "public" || got.SectorIdentifierURI != "https://mtls.example/sector.json" ||
		got.BackchannelLogoutURI != "https://mtls.example/logout" || !got.BackchannelLogoutSessionRequired ||
		!got.RequirePushedAuthorizationRequests || !got.RequireSignedRequestObject || got.JWKSURI != "https://mtls.example/jwks" {
		t.Fatalf("patched %+v", got)
	}
	r = e.admin(http.MethodGet, path, nil)
	want(t, r, http.StatusOK)
	var read clientmeta.Metadata
	r.json(t, &read)
	if read.TLSClientAuthSubjectDN != got.TLSClientAuthSubjectDN || read.SubjectType != got.SubjectType || !read.RequireSignedRequestObject {
		t.Errorf("read back %+v", read)
	}
	r = e.admin(http.MethodPatch, path, map[string]any{"subject_type": nil, "sector_identifier_uri": nil,
		"backchannel_logout_uri": nil, "backchannel_logout_session_required": nil, "dpop_bound_access_tokens": nil})
	want(t, r, http.StatusOK)
	got = clientmeta.Metadata{}
	r.json(t, &got)
	if got.SubjectType != "" || got.SectorIdentifierURI != "" || got.BackchannelLogoutURI != "" || got.BackchannelLogoutSessionRequired || got.DPoPBoundAccessTokens {
		t.Errorf("null removes them: %+v", got)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"tls_client_auth_san_ip":"192.0.2.1"}`, "tls_client_auth_san_ip"},
		{`{"tls_client_auth_subject_dn":""}`, "tls_client_auth_subject_dn"},
		{`{"backchannel_logout_session_required":true}`, "backchannel_logout_session_required"},
		{`{"sector_identifier_uri":"https://mtls.example/s#f"}`, "sector_identifier_uri"},
		{`{"token_endpoint_auth_method":"client_secret_basic"}`, "token_endpoint_auth_method"},
		{`{"require_signed_request_object":1}`, "require_signed_request_object"},
	} {
		r := e.do(call{method: http.MethodPatch, path: path, token: e.token, body: tc.body, hostile: true})
		want(t, r, http.StatusBadRequest)
		if pr := r.problem(t); len(pr.Errors) != 1 || pr.Errors[0].Field != tc.field {
			t.Errorf("%s: %+v", tc.body, pr)
		}
	}
}
