package registry

import (
	"context"
	"errors"
	"testing"

	"github.com/tokenmint/tokenmint"
)

// TestMTLSClientSettings: a tls_client_auth client is made without a
// secret (it proves its certificate, RFC 8705 §2.1), a secret given for
// it is refused, and every per-client setting of the spec reaches the
// stored record.
func TestMTLSClientSettings(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	spec := ClientSpec{
		Name: "mtls", AuthMethod: tokenmint.AuthMethodTLSClientAuth, TLSClientAuthSANDNS: "client.example",
		TLSClientCertificateBoundAccessTokens: true, DPoPBoundAccessTokens: true,
		GrantTypes: []string{tokenmint.GrantAuthorizationCode}, RedirectURIs: []string{"https://client.example/cb"},
		SubjectType: tokenmint.SubjectPairwise, SectorIdentifierURI: "https://client.example/sector.json",
		BackchannelLogoutURI: "https://client.example/logout", BackchannelLogoutSessionRequired: true,
		RequirePushedAuthorizationRequests: true, RequireSignedRequestObject: true, JWKSURI: "https://client.example/jwks",
	}
	c, creds, err := r.CreateClient(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if creds.ClientSecret != "" || c.SecretHash != nil {
		t.Fatal("a tls_client_auth client got a secret")
	}
	got, err := r.Store.GetClient(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.TLSClientAuthSANDNS != "client.example" || !got.TLSClientCertificateBoundAccessTokens || !got.DPoPBoundAccessTokens ||
		got.SubjectType != tokenmint.SubjectPairwise || got.SectorIdentifierURI != spec.SectorIdentifierURI ||
		got.BackchannelLogoutURI != spec.BackchannelLogoutURI || !got.BackchannelLogoutSessionRequired ||
		!got.RequirePushedAuthorizationRequests || !got.RequireSignedRequestObject {
		t.Fatalf("stored client lost settings: %+v", got)
	}
	spec.GivenSecret = "s3cret-given-by-the-operator"
	if _, _, err := r.CreateClient(ctx, spec); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a secret given for a tls_client_auth client: %v", err)
	}
}
