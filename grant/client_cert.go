package grant

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
)

// ClientCertificate is the X.509 certificate a client presented in the
// TLS handshake (mutual TLS, RFC 8705), as the adapter that saw it hands
// it over: the HTTP layer reads it from its own TLS connection or, behind
// a TLS-terminating proxy it trusts, from the header the proxy forwards
// it in. The TLS handshake proved the client holds the certificate's
// private key; nothing else about the certificate is known yet.
type ClientCertificate struct {
	Leaf *x509.Certificate
	// Intermediates are the other certificates the client sent, for
	// building a chain to a CA of Config.ClientCAs.
	Intermediates []*x509.Certificate
	// Forwarded is true for a certificate a trusted proxy forwarded:
	// without Config.ClientCAs the proxy's chain validation is relied on
	// (docs/mtls.md says what it must be configured to check).
	Forwarded bool
}

// Thumbprint is the certificate's x5t#S256 (RFC 8705 §3.1): the
// base64url SHA-256 of its DER encoding, the confirmation a
// certificate-bound access token carries.
func (c *ClientCertificate) Thumbprint() string {
	if c == nil || c.Leaf == nil {
		return ""
	}
	return CertThumbprint(c.Leaf.Raw)
}

// CertThumbprint is the x5t#S256 of a DER certificate (RFC 8705 §3.1).
func CertThumbprint(der []byte) string {
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
