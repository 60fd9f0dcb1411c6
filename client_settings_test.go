package tokenmint_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
)

const testJWKS = `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`

// settingsClient is a valid confidential client with a secret, for the
// cases below to change one thing of.
func settingsClient() tokenmint.Client {
	return tokenmint.Client{
		ID: "c", Name: "c", SecretHash: []byte("h"), TokenFormat: tokenmint.FormatJWT,
		GrantTypes: []string{tokenmint.GrantClientCredentials},
	}
}

// TestValidateClientSettings: the per-client settings of mutual TLS (RFC
// 8705), DPoP (RFC 9449), OpenID Connect registration, PAR (RFC 9126)
// and JAR (RFC 9101), each accepted in its valid forms and refused, with
// the member named, in the others.
func TestValidateClientSettings(t *testing.T) {
	tlsAuth := func(c *tokenmint.Client) { c.AuthMethod, c.SecretHash = tokenmint.AuthMethodTLSClientAuth, nil }
	selfSigned := func(c *tokenmint.Client) {
		c.AuthMethod, c.SecretHash = tokenmint.AuthMethodSelfSignedTLSClientAuth, nil
	}
	public := func(c *tokenmint.Client) {
		c.Public, c.SecretHash, c.AuthMethod = true, nil, tokenmint.AuthMethodNone
		c.GrantTypes, c.RedirectURIs = []string{tokenmint.GrantAuthorizationCode}, []string{"https://app.example/cb"}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*tokenmint.Client)
		field string // "" when valid
	}{
		{"tls_client_auth with a subject DN", func(c *tokenmint.Client) { tlsAuth(c); c.TLSClientAuthSubjectDN = "CN=client,O=Example" }, ""},
		{"tls_client_auth with a SAN DNS", func(c *tokenmint.Client) { tlsAuth(c); c.TLSClientAuthSANDNS = "client.example" }, ""},
		{"tls_client_auth with a SAN URI", func(c *tokenmint.Client) { tlsAuth(c); c.TLSClientAuthSANURI = "spiffe://example.org/a" }, ""},
		{"tls_client_auth with a SAN IPv6", func(c *tokenmint.Client) { tlsAuth(c); c.TLSClientAuthSANIP = "2001:db8::1" }, ""},
		{"tls_client_auth with a SAN email", func(c *tokenmint.Client) { tlsAuth(c); c.TLSClientAuthSANEmail = "a@example.org" }, ""},
		{"tls_client_auth with keys for request objects", func(c *tokenmint.Client) {
			tlsAuth(c)
			c.TLSClientAuthSANDNS, c.JWKSURI, c.RequireSignedRequestObject = "client.example", "https://c.example/jwks", true
		}, ""},
		{"tls_client_auth with none", tlsAuth, tokenmint.FieldTLSClientAuthSubjectDN},
		{"tls_client_auth with two", func(c *tokenmint.Client) {
			tlsAuth(c)
			c.TLSClientAuthSubjectDN, c.TLSClientAuthSANEmail = "CN=a", "a@example.org"
		}, tokenmint.FieldTLSClientAuthSANEmail},
		{"tls_client_auth with a secret", func(c *tokenmint.Client) {
			tlsAuth(c)
			c.SecretHash, c.TLSClientAuthSANDNS = []byte("h"), "client.example"
		}, tokenmint.FieldAuthMethod},
		{"tls_client_auth SAN IP not an IP", func(c *tokenmint.Client) { tlsAuth(c); c.TLSClientAuthSANIP = "client.example" }, tokenmint.FieldTLSClientAuthSANIP},
		{"tls_client_auth SAN IP with a zone", func(c *tokenmint.Client) { tlsAuth(c); c.TLSClientAuthSANIP = "fe80::1%eth0" }, tokenmint.FieldTLSClientAuthSANIP},
		{"tls_client_auth oversized DN", func(c *tokenmint.Client) { tlsAuth(c); c.TLSClientAuthSubjectDN = "CN=" + strings.Repeat("a", 1100) }, tokenmint.FieldTLSClientAuthSubjectDN},
		{"a subject DN without tls_client_auth", func(c *tokenmint.Client) { c.TLSClientAuthSubjectDN = "CN=a" }, tokenmint.FieldTLSClientAuthSubjectDN},
		{"a SAN URI with self_signed", func(c *tokenmint.Client) {
			selfSigned(c)
			c.JWKS, c.TLSClientAuthSANURI = []byte(testJWKS), "https://c.example"
		}, tokenmint.FieldTLSClientAuthSANURI},
		{"self_signed_tls_client_auth with jwks", func(c *tokenmint.Client) { selfSigned(c); c.JWKS = []byte(testJWKS) }, ""},
		{"self_signed_tls_client_auth with jwks_uri", func(c *tokenmint.Client) { selfSigned(c); c.JWKSURI = "https://c.example/jwks" }, ""},
		{"self_signed_tls_client_auth without keys", selfSigned, tokenmint.FieldJWKS},
		{"self_signed_tls_client_auth with a secret", func(c *tokenmint.Client) {
			selfSigned(c)
			c.JWKS, c.SecretHash = []byte(testJWKS), []byte("h")
		}, tokenmint.FieldAuthMethod},
		{"tls methods on a public client", func(c *tokenmint.Client) {
			public(c)
			c.AuthMethod, c.TLSClientAuthSANDNS = tokenmint.AuthMethodTLSClientAuth, "client.example"
		}, tokenmint.FieldAuthMethod},
		{"jwks on a secret client (request objects)", func(c *tokenmint.Client) { c.JWKS, c.RequireSignedRequestObject = []byte(testJWKS), true }, ""},
		{"jwks_uri on a public client", func(c *tokenmint.Client) { public(c); c.JWKSURI = "https://c.example/jwks" }, ""},
		{"jwks and jwks_uri", func(c *tokenmint.Client) { c.JWKS, c.JWKSURI = []byte(testJWKS), "https://c.example/jwks" }, tokenmint.FieldJWKSURI},
		{"certificate-bound tokens for a public client (RFC 8705 §4)", func(c *tokenmint.Client) { public(c); c.TLSClientCertificateBoundAccessTokens = true }, ""},
		{"dpop_bound_access_tokens", func(c *tokenmint.Client) { public(c); c.DPoPBoundAccessTokens = true }, ""},
		{"require PAR and signed request objects", func(c *tokenmint.Client) {
			c.RequirePushedAuthorizationRequests, c.RequireSignedRequestObject = true, true
		}, ""},
		{"subject_type public", func(c *tokenmint.Client) { c.SubjectType = tokenmint.SubjectPublic }, ""},
		{"subject_type pairwise with a sector", func(c *tokenmint.Client) {
			c.SubjectType, c.SectorIdentifierURI = tokenmint.SubjectPairwise, "https://c.example/sector.json"
		}, ""},
		{"subject_type unknown", func(c *tokenmint.Client) { c.SubjectType = "Pairwise" }, tokenmint.FieldSubjectType},
		{"sector_identifier_uri http", func(c *tokenmint.Client) { c.SectorIdentifierURI = "http://127.0.0.1/s.json" }, tokenmint.FieldSectorIdentifierURI},
		{"sector_identifier_uri relative", func(c *tokenmint.Client) { c.SectorIdentifierURI = "/s.json" }, tokenmint.FieldSectorIdentifierURI},
		{"sector_identifier_uri with a fragment", func(c *tokenmint.Client) { c.SectorIdentifierURI = "https://c.example/s.json#x" }, tokenmint.FieldSectorIdentifierURI},
		{"sector_identifier_uri with an empty fragment", func(c *tokenmint.Client) { c.SectorIdentifierURI = "https://c.example/s.json#" }, tokenmint.FieldSectorIdentifierURI},
		{"sector_identifier_uri with credentials", func(c *tokenmint.Client) { c.SectorIdentifierURI = "https://u:p@c.example/s.json" }, tokenmint.FieldSectorIdentifierURI},
		{"sector_identifier_uri too long", func(c *tokenmint.Client) {
			c.SectorIdentifierURI = "https://c.example/" + strings.Repeat("a", 2048)
		}, tokenmint.FieldSectorIdentifierURI},
		{"backchannel_logout_uri https", func(c *tokenmint.Client) { c.BackchannelLogoutURI = "https://c.example/logout?x=1" }, ""},
		{"backchannel_logout_uri http loopback", func(c *tokenmint.Client) {
			c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired = "http://127.0.0.1:9000/logout", true
		}, ""},
		{"backchannel_logout_uri http [::1]", func(c *tokenmint.Client) { c.BackchannelLogoutURI = "http://[::1]:9000/logout" }, ""},
		{"backchannel_logout_uri http localhost", func(c *tokenmint.Client) { c.BackchannelLogoutURI = "http://localhost/logout" }, ""},
		{"backchannel_logout_uri http elsewhere", func(c *tokenmint.Client) { c.BackchannelLogoutURI = "http://c.example/logout" }, tokenmint.FieldBackchannelLogoutURI},
		{"backchannel_logout_uri http loopback lookalike", func(c *tokenmint.Client) { c.BackchannelLogoutURI = "http://127.0.0.1.c.example/logout" }, tokenmint.FieldBackchannelLogoutURI},
		{"backchannel_logout_uri with a fragment", func(c *tokenmint.Client) { c.BackchannelLogoutURI = "https://c.example/logout#f" }, tokenmint.FieldBackchannelLogoutURI},
		{"backchannel_logout_uri another scheme", func(c *tokenmint.Client) { c.BackchannelLogoutURI = "ftp://c.example/logout" }, tokenmint.FieldBackchannelLogoutURI},
		{"backchannel_logout_session_required alone", func(c *tokenmint.Client) { c.BackchannelLogoutSessionRequired = true }, tokenmint.FieldBackchannelLogoutSessionRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := settingsClient()
			tc.edit(&c)
			err := c.Validate()
			var fe *tokenmint.FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tc.field == "":
			case !errors.As(err, &fe):
				t.Fatalf("Validate() = %v, want a *FieldError about %s", err, tc.field)
			case fe.Field != tc.field:
				t.Fatalf("Validate() names %s (%v), want %s", fe.Field, err, tc.field)
			case strings.Contains(err.Error(), "\n"):
				t.Fatalf("the message is not one line: %q", err)
			}
		})
	}
}

// TestMTLSMethodsServed: the mutual-TLS methods are served (grant,
// RFC 8705 §2), so AuthMethods lists them (discovery shows them only when
// certificates reach the server: httpapi, server's TestMTLSListener);
// a grant type named by URN is accepted exactly when it is served.
func TestMTLSMethodsServed(t *testing.T) {
	for _, m := range tokenmint.MutualTLSMethods {
		if !slices.Contains(tokenmint.AuthMethods, m) {
			t.Errorf("AuthMethods lacks %s", m)
		}
	}
	for _, g := range []string{tokenmint.GrantDeviceCode, tokenmint.GrantTokenExchange, tokenmint.GrantJWTBearer} {
		c := settingsClient()
		c.GrantTypes = []string{g}
		served := slices.Contains(tokenmint.KnownGrantTypes, g)
		if err := c.Validate(); served != (err == nil) {
			t.Errorf("grant type %s: served %v, but Validate() = %v", g, served, err)
		}
	}
}

// TestChangeAuthMethodTLS: moving to a method that proves a key drops
// the secret; moving away from tls_client_auth drops the certificate
// name; a client without a secret cannot move to a method that needs one.
func TestChangeAuthMethodTLS(t *testing.T) {
	c := settingsClient()
	c.PreviousSecretHash = []byte("p")
	if err := c.ChangeAuthMethod(tokenmint.AuthMethodTLSClientAuth); err != nil {
		t.Fatal(err)
	}
	if c.SecretHash != nil || c.PreviousSecretHash != nil {
		t.Fatal("tls_client_auth kept the secret")
	}
	c.TLSClientAuthSANDNS = "client.example"
	if err := c.Validate(); err != nil {
		t.Fatalf("after the move: %v", err)
	}
	if err := c.ChangeAuthMethod(tokenmint.AuthMethodSecretBasic); err == nil || !strings.Contains(err.Error(), "no secret") {
		t.Fatalf("tls_client_auth to client_secret_basic: %v", err)
	}
	if err := c.ChangeAuthMethod(tokenmint.AuthMethodSelfSignedTLSClientAuth); err != nil {
		t.Fatal(err)
	}
	if c.TLSClientAuthSANDNS != "" {
		t.Fatal("self_signed_tls_client_auth kept the certificate name of tls_client_auth")
	}
	c.JWKS = []byte(testJWKS)
	if err := c.Validate(); err != nil {
		t.Fatalf("self_signed_tls_client_auth with keys: %v", err)
	}
	if err := c.ChangeAuthMethod(tokenmint.AuthMethodPrivateKeyJWT); err != nil || c.Validate() != nil {
		t.Fatalf("self_signed_tls_client_auth to private_key_jwt: %v, %v", err, c.Validate())
	}
}

func TestConfirmationIsZero(t *testing.T) {
	for _, tc := range []struct {
		c    tokenmint.Confirmation
		zero bool
	}{
		{tokenmint.Confirmation{}, true},
		{tokenmint.Confirmation{JKT: "j"}, false},
		{tokenmint.Confirmation{X5TS256: "x"}, false},
	} {
		if got := tc.c.IsZero(); got != tc.zero {
			t.Errorf("%+v.IsZero() = %v, want %v", tc.c, got, tc.zero)
		}
	}
}
