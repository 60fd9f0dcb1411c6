package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/internal/testpki"
)

// TestServeMutualTLS: the commands as an operator types them: a
// tls_client_auth client with certificate-bound tokens made by client
// create, then serve --tls-cert --tls-key --tls-client-ca; the client
// gets a token bound to its certificate over TLS, and the same request
// without the certificate is refused.
func TestServeMutualTLS(t *testing.T) {
	e := testEnv(t)
	created := e.ok(t, "", "client", "create", "--name", "partner", "--scope", "api", "--output", "json",
		"--token-endpoint-auth-method", "tls_client_auth", "--tls-client-auth-subject-dn", "CN=cli-partner,O=Example",
		"--tls-client-certificate-bound-access-tokens")
	client := decode[clientView](t, created)
	if client.ClientSecret != "" {
		t.Fatal("a tls_client_auth client got a secret")
	}

	dir := t.TempDir()
	ca := testpki.NewCA(t, "cli CA")
	certFile, keyFile := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "127.0.0.1"}, Server: true,
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}).WriteFiles(t, dir, "server")
	caFile := filepath.Join(dir, "ca.pem")
	testpki.WriteFile(t, caFile, ca.PEM)
	partner := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "cli-partner", Organization: []string{"Example"}}})

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	c := &cli{env: func(k string) string { return e[k] }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: time.Now}
	done := make(chan int, 1)
	go func() {
		done <- c.run(ctx, []string{"serve", "--addr", addr, "--admin-addr", "off",
			"--tls-cert", certFile, "--tls-key", keyFile, "--tls-client-ca", caFile})
	}()
	https := func(certs ...tls.Certificate) *http.Client {
		roots := x509.NewCertPool()
		roots.AddCert(ca.Cert)
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs}}}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := https().Get("https://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve over TLS never answered: %v; stderr:\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client.ClientID}}
	resp, err := https(partner.TLS).PostForm("https://"+addr+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	at, _ := tok["access_token"].(string)
	if resp.StatusCode != 200 || strings.Count(at, ".") != 2 {
		t.Fatalf("token with the certificate: %d %v", resp.StatusCode, tok)
	}
	resp, err = https().PostForm("https://"+addr+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token without the certificate: %d", resp.StatusCode)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("serve exited %d; stderr:\n%s", code, stderr.String())
	}
}
