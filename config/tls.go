package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/textproto"
	"os"
	"strings"
)

// validTLSPair checks that tls_cert and tls_key name a certificate and
// its private key, read now so that a typo fails at start, not at the
// first handshake.
func validTLSPair(cert, key string) error {
	if cert == "" {
		return nil
	}
	if key == "" {
		return errors.New("tls_cert needs tls_key, the certificate's private key")
	}
	if _, err := tls.LoadX509KeyPair(cert, key); err != nil {
		return fmt.Errorf("load the TLS certificate and key: %w", err)
	}
	return nil
}

func validTLSKey(cert, key string) error {
	if key != "" && cert == "" {
		return errors.New("tls_key needs tls_cert")
	}
	return nil
}

// LoadClientCAs reads the PEM bundle of TLSClientCA; nil when unset.
func (c Config) LoadClientCAs() (*x509.CertPool, error) {
	if c.TLSClientCA == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(c.TLSClientCA)
	if err != nil {
		return nil, fmt.Errorf("read the client CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", c.TLSClientCA)
	}
	return pool, nil
}

func (c *Config) validClientCA() error {
	if c.TLSClientCA == "" {
		return nil
	}
	if !c.MutualTLS() {
		return errors.New("tls_client_ca needs tls_cert (the server serves TLS) or tls_client_cert_header (a proxy forwards certificates)")
	}
	_, err := c.LoadClientCAs()
	return err
}

// maxHeaderName bounds a header name setting.
const maxHeaderName = 128

func (c *Config) validClientCertHeader() error {
	h := c.TLSClientCertHeader
	if h == "" {
		return nil
	}
	if len(h) > maxHeaderName || !isToken(h) {
		return fmt.Errorf("invalid header name %q", h)
	}
	switch textproto.CanonicalMIMEHeaderKey(h) {
	case "Authorization", "Cookie", "Host", "Content-Type", "Content-Length", "Dpop", "X-Forwarded-For":
		return fmt.Errorf("header %q has another meaning; name the header your proxy sets the certificate in, like Client-Cert", h)
	}
	if len(c.TrustedProxies) == 0 {
		return errors.New("tls_client_cert_header is read only from trusted proxies: set trusted_proxies to the proxy's address")
	}
	return nil
}

func (c *Config) validMTLSBaseURL() error {
	if c.MTLSBaseURL == "" {
		return nil
	}
	if !c.MutualTLS() {
		return errors.New("mtls_base_url needs tls_cert or tls_client_cert_header: client certificates must reach the server")
	}
	if err := validIssuer(c.MTLSBaseURL); err != nil {
		return fmt.Errorf("mtls_base_url: %w", err)
	}
	return nil
}

// isToken reports whether s is an RFC 9110 §5.6.2 token, the syntax of
// a header name.
func isToken(s string) bool {
	return s != "" && strings.Trim(s, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}
