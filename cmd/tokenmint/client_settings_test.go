package main

import (
	"strings"
	"testing"
)

// TestClientSettingsFlags: the flags of the per-client settings of
// issues 16 and 18 on client create and client update, their JSON and
// table output, and their refusals; locally and through the admin API,
// with the same output.
func TestClientSettingsFlags(t *testing.T) {
	e := testEnv(t)
	// A pairwise client's sector_identifier_uri is fetched and checked
	// (OIDC Registration §5) with the server's address policy: here a
	// loopback one, refused without --allow-private-fetch.
	if r := e.exec(t, "", "client", "create", "--name", "p", "--grant-type", "authorization_code", "--redirect-uri", "https://mtls.example/cb",
		"--subject-type", "pairwise", "--sector-identifier-uri", "https://127.0.0.1:1/sector.json"); r.code == exitOK || !strings.Contains(r.stderr, "sector_identifier_uri") {
		t.Fatalf("an unreachable sector document: exit %d, stderr %q", r.code, r.stderr)
	}
	r := e.ok(t, "", "client", "create", "--name", "mtls", "--id", "mtls", "--token-endpoint-auth-method", "tls_client_auth",
		"--tls-client-auth-subject-dn", "CN=mtls,O=Example", "--tls-client-certificate-bound-access-tokens", "--dpop-bound-access-tokens",
		"--grant-type", "authorization_code", "--redirect-uri", "https://mtls.example/cb",
		"--subject-type", "pairwise",
		"--backchannel-logout-uri", "https://mtls.example/logout", "--backchannel-logout-session-required",
		"--require-pushed-authorization-requests", "--require-signed-request-object", "--jwks-uri", "https://mtls.example/jwks")
	if got, want := jsonKeys(t, r), withKeys("tls_client_auth_subject_dn", "subject_type", "backchannel_logout_uri", "jwks_uri"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("keys %v, want %v", got, want)
	}
	v := decode[clientView](t, r)
	if v.ClientSecret != "" || v.AuthMethod != "tls_client_auth" || v.TLSClientAuthSubjectDN != "CN=mtls,O=Example" ||
		!v.TLSClientCertificateBoundAccessTokens || !v.DPoPBoundAccessTokens || v.SubjectType != "pairwise" ||
		v.SectorIdentifierURI != "" || v.BackchannelLogoutURI != "https://mtls.example/logout" ||
		!v.BackchannelLogoutSessionRequired || !v.RequirePushedAuthorizationRequests || !v.RequireSignedRequestObject {
		t.Fatalf("created %+v", v)
	}

	v = decode[clientView](t, e.ok(t, "", "client", "update", "mtls", "--tls-client-auth-subject-dn", "", "--tls-client-auth-san-ip", "2001:db8::7",
		"--dpop-bound-access-tokens=false", "--subject-type", "public", "--sector-identifier-uri", "",
		"--backchannel-logout-session-required=false", "--backchannel-logout-uri", "http://127.0.0.1:9000/logout"))
	if v.TLSClientAuthSubjectDN != "" || v.TLSClientAuthSANIP != "2001:db8::7" || v.DPoPBoundAccessTokens || v.SubjectType != "public" ||
		v.SectorIdentifierURI != "" || v.BackchannelLogoutSessionRequired || v.BackchannelLogoutURI != "http://127.0.0.1:9000/logout" ||
		!v.RequireSignedRequestObject || !v.TLSClientCertificateBoundAccessTokens {
		t.Fatalf("updated %+v", v)
	}
	table := e.ok(t, "", "client", "get", "mtls", "--output", "table").stdout
	for _, want := range []string{"token_endpoint_auth_method", "tls_client_auth", "tls_client_auth_san_ip", "2001:db8::7",
		"require_signed_request_object", "backchannel_logout_uri"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %s:\n%s", want, table)
		}
	}
	if strings.Contains(table, "dpop_bound_access_tokens") || strings.Contains(table, "sector_identifier_uri") {
		t.Errorf("table shows settings that are off:\n%s", table)
	}
	// Moving to self_signed_tls_client_auth drops the certificate name.
	v = decode[clientView](t, e.ok(t, "", "client", "update", "mtls", "--token-endpoint-auth-method", "self_signed_tls_client_auth"))
	if v.TLSClientAuthSANIP != "" || v.AuthMethod != "self_signed_tls_client_auth" {
		t.Errorf("to self_signed_tls_client_auth: %+v", v)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "--name", "x", "--tls-client-auth-san-dns", "x.example"}, "goes with token_endpoint_auth_method tls_client_auth"},
		{[]string{"create", "--name", "x", "--token-endpoint-auth-method", "tls_client_auth", "--tls-client-auth-san-dns", "x.example", "--tls-client-auth-san-email", "x@x.example"}, "only one of"},
		{[]string{"create", "--name", "x", "--token-endpoint-auth-method", "tls_client_auth", "--tls-client-auth-san-ip", "x.example"}, "not an IPv4 or IPv6 address"},
		{[]string{"create", "--name", "x", "--token-endpoint-auth-method", "self_signed_tls_client_auth"}, "jwks or jwks_uri"},
		{[]string{"create", "--name", "x", "--subject-type", "secret"}, "invalid value"},
		{[]string{"create", "--name", "x", "--sector-identifier-uri", "http://x.example/s.json"}, "must be https"},
		{[]string{"create", "--name", "x", "--backchannel-logout-uri", "https://x.example/l#f"}, "fragment"},
		{[]string{"create", "--name", "x", "--backchannel-logout-session-required"}, "goes with a backchannel_logout_uri"},
		{[]string{"create", "--name", "x", "--dpop-bound-access-tokens=maybe"}, "invalid boolean"},
		{[]string{"update", "mtls", "--token-endpoint-auth-method", "client_secret_basic"}, "no secret"},
	} {
		r := e.exec(t, "", append([]string{"client"}, tc.args...)...)
		if r.code == exitOK || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestRemoteClientSettings: the same flags through the admin API give the
// same client and the same output as against the database.
func TestRemoteClientSettings(t *testing.T) {
	s := newRemoteSetup(t)
	args := []string{"client", "create", "--name", "rp", "--grant-type", "authorization_code", "--redirect-uri", "https://rp.example/cb",
		"--subject-type", "pairwise", "--backchannel-logout-uri", "https://rp.example/logout", "--backchannel-logout-session-required",
		"--dpop-bound-access-tokens", "--require-pushed-authorization-requests", "--output", "json"}
	v := decode[clientView](t, s.remote.ok(t, "", args...))
	if v.SubjectType != "pairwise" || v.BackchannelLogoutURI != "https://rp.example/logout" || !v.BackchannelLogoutSessionRequired ||
		!v.DPoPBoundAccessTokens || !v.RequirePushedAuthorizationRequests {
		t.Fatalf("remote create: %+v", v)
	}
	upd := decode[clientView](t, s.remote.ok(t, "", "client", "update", v.ClientID, "--require-signed-request-object", "--jwks-uri", "https://rp.example/jwks",
		"--subject-type", "public"))
	if !upd.RequireSignedRequestObject || upd.SubjectType != "public" || !upd.DPoPBoundAccessTokens {
		t.Errorf("remote update: %+v", upd)
	}
	sameJSON(t, "client get", s.local.ok(t, "", "client", "get", v.ClientID), s.remote.ok(t, "", "client", "get", v.ClientID))
}
