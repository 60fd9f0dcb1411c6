package oauth4webapi_test

import (
	"context"
	"crypto/x509/pkix"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/internal/testpki"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestOAuth4WebAPIMutualTLS: oauth4webapi, with undici presenting the
// client certificate, through mutual TLS (RFC 8705) on a real server
// serving TLS (mtls.mjs): tls_client_auth and
// self_signed_tls_client_auth at the token, introspection and
// revocation endpoints of mtls_endpoint_aliases, a certificate-bound
// token (cnf x5t#S256) accepted at UserInfo with its certificate and
// refused without it or with another, and certificates that do not
// match the client refused with 401 invalid_client.
func TestOAuth4WebAPIMutualTLS(t *testing.T) {
	node := requireNode(t) // which installs undici too (package.json)
	clock := servertest.NewClock()
	realTime(t, clock)
	ca := testpki.NewCA(t, "tokenmint test CA")
	cfg := config.Default()
	cfg.Issuer = ""
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db")
	servertest.ServeTLS(t, ca)(&cfg)
	in := servertest.StartWithClock(t, clock, cfg)
	in.CreateUser(t, "ada", "correct horse battery")

	partner := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "partner-1", Organization: []string{"Example Corp"}}})
	other := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "partner-2", Organization: []string{"Example Corp"}}})
	self := testpki.SelfSigned(t, testpki.Spec{Subject: pkix.Name{CommonName: "self-signed partner"}})
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &self.Key.PublicKey, KeyID: "tls", Use: "sig"}}})
	tlsClient := in.CreateClient(t, registry.ClientSpec{Name: "oauth4webapi tls", AuthMethod: tokenmint.AuthMethodTLSClientAuth,
		TLSClientAuthSubjectDN: "CN=partner-1,O=Example Corp", TLSClientCertificateBoundAccessTokens: true,
		GrantTypes: []string{tokenmint.GrantClientCredentials, tokenmint.GrantPassword, tokenmint.GrantRefreshToken}, Scopes: []string{"api", "openid", "profile"}})
	selfClient := in.CreateClient(t, registry.ClientSpec{Name: "oauth4webapi self-signed", AuthMethod: tokenmint.AuthMethodSelfSignedTLSClientAuth,
		JWKS: jwks, Scopes: []string{"api"}})

	// The user's first tokens, by the password grant (which oauth4webapi
	// does not implement), over a connection with the certificate.
	form := url.Values{"grant_type": {"password"}, "client_id": {tlsClient.ID}, "username": {"ada"},
		"password": {"correct horse battery"}, "scope": {"openid profile"}}
	resp, err := in.HTTPClient(t, partner.TLS).PostForm(in.URL+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok.RefreshToken == "" {
		t.Fatalf("password grant: %d", resp.StatusCode)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "mtls.mjs")
	cmd.Env = append(os.Environ(),
		"TOKENMINT_ISSUER="+in.Config.Issuer, "CA_PEM="+string(ca.PEM),
		"TLS_CLIENT_ID="+tlsClient.ID, "CERT_PEM="+string(partner.CertPEM), "KEY_PEM="+string(partner.KeyPEM),
		"OTHER_CERT_PEM="+string(other.CertPEM), "OTHER_KEY_PEM="+string(other.KeyPEM),
		"SELF_CLIENT_ID="+selfClient.ID, "SELF_CERT_PEM="+string(self.CertPEM), "SELF_KEY_PEM="+string(self.KeyPEM),
		"REFRESH_TOKEN="+tok.RefreshToken, "USERNAME=ada",
	)
	out, err := cmd.CombinedOutput()
	t.Logf("node mtls.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("oauth4webapi: %v", err)
	}
}
