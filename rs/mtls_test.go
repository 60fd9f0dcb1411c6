package rs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/rs"
	"github.com/tokenmint/tokenmint/token"
)

// TestCertificateBoundToken (RFC 8705 §3): a token whose cnf names a
// certificate's x5t#S256 (signed with the server's key: its token
// endpoint does not bind to certificates on this branch yet) is accepted
// over TLS with that client certificate, refused with another or none.
func TestCertificateBoundToken(t *testing.T) {
	e := newEnv(t)
	certA, certB := selfSigned(t, "a"), selfSigned(t, "b")
	c := e.claims()
	c.Confirmation = &token.Confirmation{X5TS256: rs.CertificateThumbprint(certA.Leaf)}
	tok := e.sign(c)
	srv := httptest.NewUnstartedServer(e.middleware(e.config()).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := rs.ClaimsFrom(r.Context())
		io.WriteString(w, c.Confirmation.X5TS256)
	})))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	with := func(cert *tls.Certificate) result {
		tr := srv.Client().Transport.(*http.Transport).Clone()
		if cert != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
		}
		return send(t, &http.Client{Transport: tr}, srv.URL+"/", "GET", "Bearer "+tok, nil, nil)
	}
	if r := with(&certA); r.status != 200 || r.body != rs.CertificateThumbprint(certA.Leaf) {
		t.Fatalf("the bound certificate: %d %s", r.status, r.body)
	}
	with(&certB).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
	with(nil).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
	// an unbound token needs no certificate
	if r := send(t, srv.Client(), srv.URL+"/", "GET", "Bearer "+e.sign(e.claims()), nil, nil); r.status != 200 {
		t.Fatalf("an unbound token over TLS: %d %s", r.status, r.body)
	}
}

// TestCertificateFromProxy: Config.ClientCertificate reads the
// certificate a TLS-terminating proxy forwards.
func TestCertificateFromProxy(t *testing.T) {
	e := newEnv(t)
	cert := selfSigned(t, "a")
	c := e.claims()
	c.Confirmation = &token.Confirmation{X5TS256: rs.CertificateThumbprint(cert.Leaf)}
	tok := e.sign(c)
	cfg := e.config()
	cfg.ClientCertificate = func(r *http.Request) *x509.Certificate {
		der, err := base64.StdEncoding.DecodeString(r.Header.Get("X-Test-Client-Cert"))
		if err != nil {
			return nil
		}
		crt, _ := x509.ParseCertificate(der)
		return crt
	}
	srv := newAPI(t, e.middleware(cfg).Handler)
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Test-Client-Cert", base64.StdEncoding.EncodeToString(cert.Leaf.Raw))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("forwarded certificate: %d", resp.StatusCode)
	}
	srv.do(t, "GET", "/", "Bearer "+tok).wantRefused(t, 401, rs.CodeInvalidToken, "Bearer")
}

func selfSigned(t *testing.T, cn string) tls.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k, Leaf: leaf}
}
