package servertest

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/internal/testpki"
)

// ServeTLS is the Option of a server that serves TLS itself (--tls-cert,
// --tls-key) with a certificate ca issues for 127.0.0.1, and takes ca as
// the CA of tls_client_auth client certificates (--tls-client-ca).
func ServeTLS(tb testing.TB, ca *testpki.CA) Option {
	tb.Helper()
	dir := tb.TempDir()
	leaf := ca.Issue(tb, testpki.Spec{Subject: pkix.Name{CommonName: "127.0.0.1"}, Server: true,
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}})
	certFile, keyFile := leaf.WriteFiles(tb, dir, "server")
	// The chain: the server's certificate, then the CA's.
	testpki.WriteFile(tb, certFile, append(leaf.CertPEM, ca.PEM...))
	caFile := filepath.Join(dir, "client-ca.pem")
	testpki.WriteFile(tb, caFile, ca.PEM)
	return func(c *config.Config) {
		c.TLSCert, c.TLSKey, c.TLSClientCA = certFile, keyFile, caFile
	}
}

// HTTPClient is an HTTP client for the instance: over TLS when it serves
// TLS, trusting the certificates of its --tls-cert file and presenting
// certs (a client certificate, for mutual TLS), if any.
func (i *Instance) HTTPClient(tb testing.TB, certs ...tls.Certificate) *http.Client {
	tb.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{Certificates: certs}
	if i.Config.ServesTLS() {
		pem, err := os.ReadFile(i.Config.TLSCert)
		if err != nil {
			tb.Fatal(err)
		}
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(pem)
		tr.TLSClientConfig.RootCAs = roots
	}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}
