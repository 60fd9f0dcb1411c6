package config

import (
	"crypto/x509/pkix"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/internal/testpki"
)

// TestTLSSettings: the mutual-TLS settings load together, the issuer
// defaults to https with --tls-cert, and each inconsistent or unreadable
// value is refused naming its setting.
func TestTLSSettings(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, "ca")
	cert, key := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "server"}, Server: true}).WriteFiles(t, dir, "server")
	caFile := filepath.Join(dir, "ca.pem")
	testpki.WriteFile(t, caFile, ca.PEM)
	junk := filepath.Join(dir, "junk.pem")
	testpki.WriteFile(t, junk, []byte("not PEM"))
	env := func(string) string { return "" }

	c, err := Load([]string{"--addr", "127.0.0.1:8443", "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", caFile,
		"--mtls-base-url", "https://mtls.auth.example"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://127.0.0.1:8443" || !c.ServesTLS() || !c.MutualTLS() {
		t.Fatalf("issuer %s, TLS %v, mutual %v", c.Issuer, c.ServesTLS(), c.MutualTLS())
	}
	if pool, err := c.LoadClientCAs(); err != nil || pool == nil {
		t.Fatalf("client CAs: %v", err)
	}
	c, err = Load([]string{"--tls-client-cert-header", "X-SSL-Client-Cert", "--trusted-proxies", "10.0.0.1"}, env)
	if err != nil || c.ServesTLS() || !c.MutualTLS() || !strings.HasPrefix(c.Issuer, "http://") {
		t.Fatalf("behind a proxy: %v %+v", err, c)
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"cert without key", []string{"--tls-cert", cert}, "--tls-cert: tls_cert needs tls_key"},
		{"key without cert", []string{"--tls-key", key}, "--tls-key: tls_key needs tls_cert"},
		{"cert and key swapped", []string{"--tls-cert", key, "--tls-key", cert}, "--tls-cert: load the TLS certificate and key"},
		{"missing cert file", []string{"--tls-cert", filepath.Join(dir, "nope.pem"), "--tls-key", key}, "--tls-cert: load the TLS certificate and key"},
		{"client CA without mutual TLS", []string{"--tls-client-ca", caFile}, "--tls-client-ca: tls_client_ca needs tls_cert"},
		{"client CA not PEM", []string{"--tls-cert", cert, "--tls-key", key, "--tls-client-ca", junk}, "--tls-client-ca: " + junk + " holds no PEM certificate"},
		{"header without proxies", []string{"--tls-client-cert-header", "Client-Cert"}, "--tls-client-cert-header: tls_client_cert_header is read only from trusted proxies"},
		{"header not a token", []string{"--tls-client-cert-header", "Client Cert", "--trusted-proxies", "10.0.0.1"}, `--tls-client-cert-header: invalid header name "Client Cert"`},
		{"header Authorization", []string{"--tls-client-cert-header", "authorization", "--trusted-proxies", "10.0.0.1"}, "has another meaning"},
		{"base URL without mutual TLS", []string{"--mtls-base-url", "https://mtls.example"}, "--mtls-base-url: mtls_base_url needs tls_cert"},
		{"base URL plain http", []string{"--tls-cert", cert, "--tls-key", key, "--mtls-base-url", "http://mtls.example"}, "must use https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}
