package grant_test

import (
	"context"
	"crypto/x509/pkix"
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/internal/testpki"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/registry"
)

// mtlsFixture is a fixture whose engine receives client certificates,
// tls_client_auth ones chaining to ca.
func mtlsFixture(tb testing.TB, ca *testpki.CA, on bool) *fixture {
	tb.Helper()
	return newFixtureWrapped(tb, password.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, true, nil,
		func(c *grant.Config) { c.ClientCAs, c.MutualTLS = testpki.Pool(ca), on })
}

// certCred are the credentials of a mutual-TLS client: client_id and the
// certificate of the connection.
func certCred(id string, l *testpki.Leaf) grant.Credentials {
	return grant.Credentials{ID: id, Method: grant.AuthNone, Certificate: &grant.ClientCertificate{Leaf: l.Cert}}
}

// TestMutualTLSOff: a server that receives no client certificates (no
// --tls-cert nor --tls-client-cert-header) authenticates no mutual-TLS
// client and binds no token, whatever a request claims to carry.
func TestMutualTLSOff(t *testing.T) {
	ca := testpki.NewCA(t, "ca")
	f := mtlsFixture(t, ca, false)
	leaf := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "p"}})
	c, _ := f.client(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodTLSClientAuth, TLSClientAuthSubjectDN: "CN=p"})
	if _, err := f.e.AuthenticateClient(context.Background(), certCred(c.ID, leaf)); !isCode(err, oauth.InvalidClient) {
		t.Fatalf("tls_client_auth without mutual TLS: %v", err)
	}
	pub, cred := f.client(t, registry.ClientSpec{Public: true, TLSClientCertificateBoundAccessTokens: true,
		GrantTypes: []string{tokenmint.GrantPassword}})
	cred.Certificate = &grant.ClientCertificate{Leaf: leaf.Cert}
	f.user(t, "ada", "password-1")
	_, err := f.e.Token(context.Background(), grant.TokenRequest{GrantType: tokenmint.GrantPassword, Client: cred, Username: "ada", Password: "password-1"})
	if !isCode(err, oauth.InvalidClient) {
		t.Fatalf("bound tokens of %s without mutual TLS: %v", pub.ID, err)
	}
}

func isCode(err error, code string) bool {
	oe, ok := oauth.As(err)
	return ok && oe.Code == code
}

// Benchmarks of client authentication by certificate (RFC 8705 §2): the
// chain verified and the subject DN parsed and compared, or a SAN; the
// key looked up in the client's JWK Set; and issuance of a
// certificate-bound JWT. Compare BenchmarkAuthenticateClient (a secret).
func benchCertAuth(b *testing.B, spec registry.ClientSpec, leaf *testpki.Leaf, ca *testpki.CA) {
	f := mtlsFixture(b, ca, true)
	c, _ := f.client(b, spec)
	cred := certCred(c.ID, leaf)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.e.AuthenticateClient(ctx, cred); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticateTLSClientAuthDN(b *testing.B) {
	ca := testpki.NewCA(b, "ca")
	leaf := ca.Issue(b, testpki.Spec{Subject: pkix.Name{CommonName: "partner-1", Organization: []string{"Example Corp"}, Country: []string{"DE"}}})
	benchCertAuth(b, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodTLSClientAuth, TLSClientAuthSubjectDN: "CN=partner-1,O=Example Corp,C=DE"}, leaf, ca)
}

func BenchmarkAuthenticateTLSClientAuthSAN(b *testing.B) {
	ca := testpki.NewCA(b, "ca")
	leaf := ca.Issue(b, testpki.Spec{Subject: pkix.Name{CommonName: "partner-1"}, DNSNames: []string{"client.partner.example"}})
	benchCertAuth(b, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodTLSClientAuth, TLSClientAuthSANDNS: "client.partner.example"}, leaf, ca)
}

func BenchmarkAuthenticateSelfSignedTLSClientAuth(b *testing.B) {
	leaf := testpki.SelfSigned(b, testpki.Spec{Subject: pkix.Name{CommonName: "self"}})
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &leaf.Key.PublicKey, KeyID: "k", Use: "sig"}}})
	benchCertAuth(b, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodSelfSignedTLSClientAuth, JWKS: jwks}, leaf, testpki.NewCA(b, "unused"))
}

func BenchmarkIssueJWTCertBound(b *testing.B) {
	ca := testpki.NewCA(b, "ca")
	leaf := ca.Issue(b, testpki.Spec{Subject: pkix.Name{CommonName: "partner-1"}})
	f := mtlsFixture(b, ca, true)
	c, _ := f.client(b, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodTLSClientAuth, TLSClientAuthSubjectDN: "CN=partner-1",
		TLSClientCertificateBoundAccessTokens: true})
	req := grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials, Client: certCred(c.ID, leaf)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.e.Token(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestValidateCertBound: a certificate-bound token is valid at
// tokenmint's own resources only with its certificate
// (ValidatePresentation); where no certificate is known (ValidateBearer:
// the admin API, registration) it is refused, as RFC 8705 §3 has the
// resource check the binding.
func TestValidateCertBound(t *testing.T) {
	ca := testpki.NewCA(t, "ca")
	f := mtlsFixture(t, ca, true)
	leaf := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "p"}})
	other := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "p"}})
	c, _ := f.client(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodTLSClientAuth, TLSClientAuthSubjectDN: "CN=p",
		TLSClientCertificateBoundAccessTokens: true, TokenFormat: tokenmint.FormatOpaque})
	ctx := context.Background()
	resp, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials, Client: certCred(c.ID, leaf)})
	if err != nil {
		t.Fatal(err)
	}
	info, err := f.e.ValidatePresentation(ctx, grant.Presentation{Token: resp.AccessToken, Certificate: &grant.ClientCertificate{Leaf: leaf.Cert}})
	if err != nil || info.Confirmation.X5TS256 != grant.CertThumbprint(leaf.Cert.Raw) {
		t.Fatalf("with its certificate: %v %+v", err, info)
	}
	for name, cert := range map[string]*grant.ClientCertificate{"none": nil, "another": {Leaf: other.Cert}} {
		if _, err := f.e.ValidatePresentation(ctx, grant.Presentation{Token: resp.AccessToken, Certificate: cert}); !isCode(err, oauth.InvalidToken) {
			t.Errorf("%s certificate: %v", name, err)
		}
	}
	if _, err := f.e.ValidateBearer(ctx, resp.AccessToken); !isCode(err, oauth.InvalidToken) {
		t.Errorf("ValidateBearer: %v", err)
	}
}
