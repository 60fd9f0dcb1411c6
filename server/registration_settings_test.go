package server_test

import (
	"net/http"
	"testing"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestRegistrationClientSettings: the registration members of OpenID
// Connect (subject_type, sector_identifier_uri, backchannel_logout_*),
// DPoP, mutual TLS token binding, PAR and JAR are accepted by RFC 7591
// registration, echoed in its answer (§3.2.1) and in a read (RFC 7592
// §2.1), replaced whole by an update (§2.2: members left out return to
// their defaults), and refused with invalid_client_metadata when
// invalid. tls_client_auth is outside the default registration policy
// (not served yet), so its certificate names are refused too.
func TestRegistrationClientSettings(t *testing.T) {
	in := servertest.Start(t, withRegistration(config.RegistrationOpen, "openid", "profile", "email"))
	md := rpMetadata()
	settings := map[string]any{
		// public: a pairwise client's sector_identifier_uri is fetched
		// (TestPairwiseSubjects, jwksfetch's TestSectorChecker).
		"subject_type":                               "public",
		"sector_identifier_uri":                      "https://app.example/sector.json",
		"backchannel_logout_uri":                     "https://app.example/logout",
		"backchannel_logout_session_required":        true,
		"dpop_bound_access_tokens":                   true,
		"tls_client_certificate_bound_access_tokens": true,
		"require_pushed_authorization_requests":      true,
		"require_signed_request_object":              true,
		"jwks_uri":                                   "https://app.example/jwks",
	}
	for k, v := range settings {
		md[k] = v
	}
	a := registerClient(t, in, "", md)
	for k, v := range settings {
		if !jsonEqual(a.Body[k], v) {
			t.Errorf("registration answered %s = %v, want %v", k, a.Body[k], v)
		}
	}
	status, _, body := jsonRequest(t, http.MethodGet, a.URI, a.AccessToken, nil)
	if status != http.StatusOK {
		t.Fatalf("read: %d %v", status, body)
	}
	for k, v := range settings {
		if !jsonEqual(body[k], v) {
			t.Errorf("read %s = %v, want %v", k, body[k], v)
		}
	}

	up := rpMetadata()
	up["client_id"], up["client_secret"], up["subject_type"] = a.ID, a.Secret, "public"
	status, _, body = jsonRequest(t, http.MethodPut, a.URI, a.AccessToken, up)
	if status != http.StatusOK {
		t.Fatalf("update: %d %v", status, body)
	}
	if body["subject_type"] != "public" || body["backchannel_logout_uri"] != nil || body["require_signed_request_object"] != false ||
		body["dpop_bound_access_tokens"] != false || body["jwks_uri"] != nil {
		t.Errorf("an update did not replace the settings whole: %v", body)
	}

	for name, bad := range map[string]map[string]any{
		"unknown subject_type":         {"subject_type": "random"},
		"http sector":                  {"sector_identifier_uri": "http://app.example/sector.json"},
		"logout URI with a fragment":   {"backchannel_logout_uri": "https://app.example/logout#x"},
		"http logout URI":              {"backchannel_logout_uri": "http://app.example/logout"},
		"session required alone":       {"backchannel_logout_session_required": true},
		"a boolean as a string":        {"require_pushed_authorization_requests": "true"},
		"a certificate name":           {"tls_client_auth_san_dns": "app.example"},
		"tls_client_auth (not served)": {"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_san_dns": "app.example"},
		"self_signed_tls (not served)": {"token_endpoint_auth_method": "self_signed_tls_client_auth", "jwks_uri": "https://app.example/jwks"},
	} {
		md := rpMetadata()
		for k, v := range bad {
			md[k] = v
		}
		status, _, body := jsonRequest(t, http.MethodPost, in.URL+"/oauth2/register", "", md)
		if status != http.StatusBadRequest || body["error"] != "invalid_client_metadata" {
			t.Errorf("%s: %d %v, want 400 invalid_client_metadata", name, status, body)
		}
	}
}
