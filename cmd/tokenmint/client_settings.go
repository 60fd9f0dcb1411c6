package main

import (
	"fmt"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/registry"
)

// clientSettingsFlags defines the flags of the per-client settings of
// mutual TLS (RFC 8705), DPoP (RFC 9449), OpenID Connect registration,
// PAR (RFC 9126) and JAR (RFC 9101), each named after its registration
// metadata in kebab case.
func clientSettingsFlags(f *flags, spec *registry.ClientSpec) {
	f.StringVar(&spec.TLSClientAuthSubjectDN, "tls-client-auth-subject-dn", "", "subject `DN` of the certificate of a tls_client_auth client "+
		"(RFC 8705 §2.1.2, e.g. CN=client,O=Example); one of the five --tls-client-auth-* flags")
	f.StringVar(&spec.TLSClientAuthSANDNS, "tls-client-auth-san-dns", "", "dNSName `NAME` of the certificate of a tls_client_auth client")
	f.StringVar(&spec.TLSClientAuthSANURI, "tls-client-auth-san-uri", "", "URI `SAN` of the certificate of a tls_client_auth client")
	f.StringVar(&spec.TLSClientAuthSANIP, "tls-client-auth-san-ip", "", "IP address `SAN` of the certificate of a tls_client_auth client")
	f.StringVar(&spec.TLSClientAuthSANEmail, "tls-client-auth-san-email", "", "email `SAN` of the certificate of a tls_client_auth client")
	f.boolean(&spec.TLSClientCertificateBoundAccessTokens, "tls-client-certificate-bound-access-tokens",
		"bind the client's access tokens to its TLS client certificate (RFC 8705 §3.4)")
	f.boolean(&spec.DPoPBoundAccessTokens, "dpop-bound-access-tokens", "require DPoP proofs of the client, so its access tokens are always DPoP-bound (RFC 9449 §5.2)")
	f.choice(&spec.SubjectType, "subject-type", "subject identifier `TYPE` of its ID tokens: public or pairwise (OIDC Core §8; default public)",
		tokenmint.SubjectPublic, tokenmint.SubjectPairwise)
	f.StringVar(&spec.SectorIdentifierURI, "sector-identifier-uri", "", "https `URL` of a JSON array of the client's redirect URIs, whose host names its pairwise sector (OIDC Core §8.1)")
	f.StringVar(&spec.BackchannelLogoutURI, "backchannel-logout-uri", "", "`URL` receiving the client's logout tokens (OIDC Back-Channel Logout §2.2): https, or http to a loopback host")
	f.boolean(&spec.BackchannelLogoutSessionRequired, "backchannel-logout-session-required", "ask for sid in its logout tokens (with --backchannel-logout-uri)")
	f.boolean(&spec.RequirePushedAuthorizationRequests, "require-pushed-authorization-requests", "accept its authorization requests only through PAR (RFC 9126 §6)")
	f.boolean(&spec.RequireSignedRequestObject, "require-signed-request-object", "accept its authorization requests only as a signed request object (RFC 9101 §10.5), verified with --jwks or --jwks-uri")
}

// patchSettings adds to p the settings of clientSettingsFlags whose flags
// were given; an empty value removes a string setting.
func (u *clientUpdate) patchSettings(p *clientmeta.Fields) {
	s := &u.spec
	for _, m := range []struct {
		flag string
		dst  **string
		v    *string
	}{
		{"tls-client-auth-subject-dn", &p.TLSClientAuthSubjectDN, &s.TLSClientAuthSubjectDN},
		{"tls-client-auth-san-dns", &p.TLSClientAuthSANDNS, &s.TLSClientAuthSANDNS},
		{"tls-client-auth-san-uri", &p.TLSClientAuthSANURI, &s.TLSClientAuthSANURI},
		{"tls-client-auth-san-ip", &p.TLSClientAuthSANIP, &s.TLSClientAuthSANIP},
		{"tls-client-auth-san-email", &p.TLSClientAuthSANEmail, &s.TLSClientAuthSANEmail},
		{"subject-type", &p.SubjectType, &s.SubjectType},
		{"sector-identifier-uri", &p.SectorIdentifierURI, &s.SectorIdentifierURI},
		{"backchannel-logout-uri", &p.BackchannelLogoutURI, &s.BackchannelLogoutURI},
	} {
		if u.set[m.flag] {
			*m.dst = m.v
		}
	}
	for _, m := range []struct {
		flag string
		dst  **bool
		v    *bool
	}{
		{"tls-client-certificate-bound-access-tokens", &p.TLSClientCertificateBoundAccessTokens, &s.TLSClientCertificateBoundAccessTokens},
		{"dpop-bound-access-tokens", &p.DPoPBoundAccessTokens, &s.DPoPBoundAccessTokens},
		{"backchannel-logout-session-required", &p.BackchannelLogoutSessionRequired, &s.BackchannelLogoutSessionRequired},
		{"require-pushed-authorization-requests", &p.RequirePushedAuthorizationRequests, &s.RequirePushedAuthorizationRequests},
		{"require-signed-request-object", &p.RequireSignedRequestObject, &s.RequireSignedRequestObject},
	} {
		if u.set[m.flag] {
			*m.dst = m.v
		}
	}
}

// clientSettingsView is the part of clientView that shows the settings
// of clientSettingsFlags: strings absent when unset, booleans always.
type clientSettingsView struct {
	TLSClientAuthSubjectDN                string `json:"tls_client_auth_subject_dn,omitempty"`
	TLSClientAuthSANDNS                   string `json:"tls_client_auth_san_dns,omitempty"`
	TLSClientAuthSANURI                   string `json:"tls_client_auth_san_uri,omitempty"`
	TLSClientAuthSANIP                    string `json:"tls_client_auth_san_ip,omitempty"`
	TLSClientAuthSANEmail                 string `json:"tls_client_auth_san_email,omitempty"`
	TLSClientCertificateBoundAccessTokens bool   `json:"tls_client_certificate_bound_access_tokens"`
	DPoPBoundAccessTokens                 bool   `json:"dpop_bound_access_tokens"`
	SubjectType                           string `json:"subject_type,omitempty"`
	SectorIdentifierURI                   string `json:"sector_identifier_uri,omitempty"`
	BackchannelLogoutURI                  string `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired      bool   `json:"backchannel_logout_session_required"`
	RequirePushedAuthorizationRequests    bool   `json:"require_pushed_authorization_requests"`
	RequireSignedRequestObject            bool   `json:"require_signed_request_object"`
}

func newClientSettingsView(c *tokenmint.Client) clientSettingsView {
	return clientSettingsView{
		TLSClientAuthSubjectDN: c.TLSClientAuthSubjectDN, TLSClientAuthSANDNS: c.TLSClientAuthSANDNS,
		TLSClientAuthSANURI: c.TLSClientAuthSANURI, TLSClientAuthSANIP: c.TLSClientAuthSANIP,
		TLSClientAuthSANEmail:                 c.TLSClientAuthSANEmail,
		TLSClientCertificateBoundAccessTokens: c.TLSClientCertificateBoundAccessTokens,
		DPoPBoundAccessTokens:                 c.DPoPBoundAccessTokens,
		SubjectType:                           c.SubjectType, SectorIdentifierURI: c.SectorIdentifierURI,
		BackchannelLogoutURI:               c.BackchannelLogoutURI,
		BackchannelLogoutSessionRequired:   c.BackchannelLogoutSessionRequired,
		RequirePushedAuthorizationRequests: c.RequirePushedAuthorizationRequests,
		RequireSignedRequestObject:         c.RequireSignedRequestObject,
	}
}

// fields lists the settings for the table of client show: those set
// only, so that a client without them shows none.
func (v clientSettingsView) settingsFields() []field {
	var fs []field
	for _, s := range []field{
		{"tls_client_auth_subject_dn", v.TLSClientAuthSubjectDN}, {"tls_client_auth_san_dns", v.TLSClientAuthSANDNS},
		{"tls_client_auth_san_uri", v.TLSClientAuthSANURI}, {"tls_client_auth_san_ip", v.TLSClientAuthSANIP},
		{"tls_client_auth_san_email", v.TLSClientAuthSANEmail},
		{"tls_client_certificate_bound_access_tokens", trueOrEmpty(v.TLSClientCertificateBoundAccessTokens)},
		{"dpop_bound_access_tokens", trueOrEmpty(v.DPoPBoundAccessTokens)},
		{"subject_type", v.SubjectType}, {"sector_identifier_uri", v.SectorIdentifierURI},
		{"backchannel_logout_uri", v.BackchannelLogoutURI},
		{"backchannel_logout_session_required", trueOrEmpty(v.BackchannelLogoutSessionRequired)},
		{"require_pushed_authorization_requests", trueOrEmpty(v.RequirePushedAuthorizationRequests)},
		{"require_signed_request_object", trueOrEmpty(v.RequireSignedRequestObject)},
	} {
		if s.value != "" {
			fs = append(fs, s)
		}
	}
	return fs
}

func trueOrEmpty(b bool) string {
	if b {
		return fmt.Sprint(b)
	}
	return ""
}
