// Package testpki makes the certificates of mutual TLS tests: a CA, the
// server's certificate for a loopback address, client certificates (by
// the CA, by another CA, self-signed, expired), with crypto/x509 and
// ECDSA P-256 keys, written as PEM files where the server wants files.
// For tests only.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Validity is a window every certificate of a test is valid in by
// default, wide enough for the wall clock and for servertest's clock.
var (
	DefaultNotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	DefaultNotAfter  = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
)

// CA is a certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	PEM  []byte
}

// NewCA makes a self-signed CA named cn.
func NewCA(tb testing.TB, cn string) *CA {
	tb.Helper()
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(tb),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"tokenmint tests"}},
		NotBefore:             DefaultNotBefore,
		NotAfter:              DefaultNotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	cert := create(tb, tmpl, tmpl, key, key)
	return &CA{Cert: cert, Key: key, PEM: pemOf(cert)}
}

// Spec describes a leaf certificate.
type Spec struct {
	Subject   pkix.Name
	DNSNames  []string
	IPs       []net.IP
	URIs      []string
	Emails    []string
	NotBefore time.Time // zero: DefaultNotBefore
	NotAfter  time.Time // zero: DefaultNotAfter
	Server    bool      // a server certificate (else a client one)
}

// Leaf is a certificate, its key, and both in the forms clients take.
type Leaf struct {
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	TLS     tls.Certificate
	CertPEM []byte
	KeyPEM  []byte
}

// Issue makes a certificate of spec signed by ca.
func (ca *CA) Issue(tb testing.TB, spec Spec) *Leaf {
	tb.Helper()
	return issue(tb, spec, ca)
}

// SelfSigned makes a self-signed client certificate of spec.
func SelfSigned(tb testing.TB, spec Spec) *Leaf {
	tb.Helper()
	return issue(tb, spec, nil)
}

func issue(tb testing.TB, spec Spec, ca *CA) *Leaf {
	tb.Helper()
	return issueWithKey(tb, spec, ca, newKey(tb))
}

func issueWithKey(tb testing.TB, spec Spec, ca *CA, key *ecdsa.PrivateKey) *Leaf {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:   serial(tb),
		Subject:        spec.Subject,
		DNSNames:       spec.DNSNames,
		IPAddresses:    spec.IPs,
		EmailAddresses: spec.Emails,
		NotBefore:      spec.NotBefore,
		NotAfter:       spec.NotAfter,
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if spec.Server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = DefaultNotBefore
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = DefaultNotAfter
	}
	for _, u := range spec.URIs {
		parsed, err := url.Parse(u)
		if err != nil {
			tb.Fatal(err)
		}
		tmpl.URIs = append(tmpl.URIs, parsed)
	}
	parent, parentKey := tmpl, key
	if ca != nil {
		parent, parentKey = ca.Cert, ca.Key
	}
	cert := create(tb, tmpl, parent, key, parentKey)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	l := &Leaf{Cert: cert, Key: key, CertPEM: pemOf(cert),
		KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})}
	l.TLS = tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
	return l
}

// WriteFiles writes the certificate and key as PEM files in dir and
// returns their paths.
func (l *Leaf) WriteFiles(tb testing.TB, dir, name string) (certFile, keyFile string) {
	tb.Helper()
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	WriteFile(tb, certFile, l.CertPEM)
	WriteFile(tb, keyFile, l.KeyPEM)
	return certFile, keyFile
}

// WriteFile writes data to path, failing tb on error.
func WriteFile(tb testing.TB, path string, data []byte) {
	tb.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// Pool is a certificate pool of the given CAs.
func Pool(cas ...*CA) *x509.CertPool {
	p := x509.NewCertPool()
	for _, ca := range cas {
		p.AddCert(ca.Cert)
	}
	return p
}

func newKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func serial(tb testing.TB) *big.Int {
	tb.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func create(tb testing.TB, tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) *x509.Certificate {
	tb.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// SelfSignedWithKey makes a self-signed client certificate of spec for
// an existing key (a renewed certificate of the same key).
func SelfSignedWithKey(tb testing.TB, spec Spec, key *ecdsa.PrivateKey) *Leaf {
	tb.Helper()
	return issueWithKey(tb, spec, nil, key)
}
