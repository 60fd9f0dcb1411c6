package grant

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
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

// maxIntermediates bounds the certificates a client may send besides
// its own for chain building.
const maxIntermediates = 8

// authenticateCertificate authenticates a client of a mutual-TLS method
// by the certificate it presented in the TLS handshake (RFC 8705 §2):
// valid now, and for tls_client_auth chaining to a CA of
// Config.ClientCAs with the subject DN or the SAN the client registered
// (§2.1), for self_signed_tls_client_auth holding a public key of the
// client's JWK Set (§2.2), the chain not checked. The certificate is no
// secret, so the description says what did not match.
func (e *Engine) authenticateCertificate(ctx context.Context, c *tokenmint.Client, cc *ClientCertificate) error {
	failf := func(desc string, cause error) error {
		return &oauth.Error{Code: oauth.InvalidClient, Description: desc, Cause: cause}
	}
	switch {
	case !e.cfg.MutualTLS:
		return failf("client authentication failed", errors.New("the server receives no client certificates (no --tls-cert nor --tls-client-cert-header)"))
	case cc == nil || cc.Leaf == nil:
		return failf("a "+c.AuthMethod+" client authenticates with the TLS client certificate it registered: present it in the TLS handshake (RFC 8705 §2)", nil)
	}
	now := e.now()
	if now.Before(cc.Leaf.NotBefore) || now.After(cc.Leaf.NotAfter) {
		return failf("the client certificate is expired or not yet valid", nil)
	}
	if c.AuthMethod == tokenmint.AuthMethodSelfSignedTLSClientAuth {
		return e.certKeyRegistered(ctx, c, cc.Leaf)
	}
	if err := e.verifyCertChain(cc); err != nil {
		return failf("the client certificate does not chain to a CA this server trusts for tls_client_auth", err)
	}
	if !certMatches(c, cc.Leaf) {
		return failf("the client certificate does not match the subject DN or SAN the client registered (RFC 8705 §2.1.2)", nil)
	}
	return nil
}

// verifyCertChain checks that the certificate chains to a CA of
// Config.ClientCAs for client authentication. A certificate a trusted
// proxy forwarded is taken as validated by the proxy when the server has
// no CAs of its own (docs/mtls.md).
func (e *Engine) verifyCertChain(cc *ClientCertificate) error {
	if e.cfg.ClientCAs == nil {
		if cc.Forwarded {
			return nil
		}
		return errors.New("no --tls-client-ca to verify tls_client_auth certificates against")
	}
	now := e.now()
	sum := sha256.Sum256(cc.Leaf.Raw)
	if e.chains.verified(sum, now) {
		return nil
	}
	inter := x509.NewCertPool()
	for i, c := range cc.Intermediates {
		if i == maxIntermediates {
			break
		}
		inter.AddCert(c)
	}
	chains, err := cc.Leaf.Verify(x509.VerifyOptions{
		Roots: e.cfg.ClientCAs, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return err
	}
	e.chains.add(sum, chains[0])
	return nil
}

// chainCache remembers the client certificates whose chain to a CA of
// Config.ClientCAs verified, each until the earliest notAfter of its
// chain, so that a client verifies its chain (a signature per
// certificate, BENCHMARKS.md) on its first request rather than on every
// one. The answer is the same: a certificate's signatures do not change,
// the CAs are fixed for the engine's life, and the entry ends when a
// certificate of the chain does. Bounded: past maxVerifiedChains it
// starts over.
type chainCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]time.Time
}

const maxVerifiedChains = 4096

func (c *chainCache) verified(sum [sha256.Size]byte, now time.Time) bool {
	c.mu.Lock()
	until, ok := c.m[sum]
	c.mu.Unlock()
	return ok && now.Before(until)
}

func (c *chainCache) add(sum [sha256.Size]byte, chain []*x509.Certificate) {
	until := chain[0].NotAfter
	for _, cert := range chain[1:] {
		if cert.NotAfter.Before(until) {
			until = cert.NotAfter
		}
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxVerifiedChains {
		c.m = make(map[[sha256.Size]byte]time.Time)
	}
	c.m[sum] = until
	c.mu.Unlock()
}

// certMatches reports whether the certificate is the one a
// tls_client_auth client registered, by the one value it registered (RFC
// 8705 §2.1.2): the subject DN (compared as names, dn.go), or a SAN of
// the certificate's equal to it.
func certMatches(c *tokenmint.Client, leaf *x509.Certificate) bool {
	switch {
	case c.TLSClientAuthSubjectDN != "":
		want, err := parseDN(c.TLSClientAuthSubjectDN)
		if err != nil {
			return false
		}
		got, ok := certSubject(leaf.RawSubject)
		return ok && want.equal(got)
	case c.TLSClientAuthSANDNS != "":
		return slices.ContainsFunc(leaf.DNSNames, func(n string) bool { return strings.EqualFold(n, c.TLSClientAuthSANDNS) })
	case c.TLSClientAuthSANURI != "":
		return slices.ContainsFunc(leaf.URIs, func(u *url.URL) bool { return u.String() == c.TLSClientAuthSANURI })
	case c.TLSClientAuthSANIP != "":
		want, err := netip.ParseAddr(c.TLSClientAuthSANIP)
		return err == nil && slices.ContainsFunc(leaf.IPAddresses, func(ip net.IP) bool {
			got, ok := netip.AddrFromSlice(ip)
			return ok && got.Unmap() == want.Unmap()
		})
	case c.TLSClientAuthSANEmail != "":
		return slices.ContainsFunc(leaf.EmailAddresses, func(m string) bool { return sameEmail(m, c.TLSClientAuthSANEmail) })
	}
	return false
}

// sameEmail compares addresses with the local part as written and the
// domain case-insensitively (RFC 5321 §2.4).
func sameEmail(a, b string) bool {
	la, da, okA := strings.Cut(a, "@")
	lb, db, okB := strings.Cut(b, "@")
	return okA && okB && la == lb && strings.EqualFold(da, db)
}

// certKeyRegistered checks that the certificate's public key is one of
// the client's JWK Set (RFC 8705 §2.2.2: "the certificate ... matches one
// of the certificates registered"): its inline jwks, or its jwks_uri,
// fetched again once for a key it lacks (the client may have rotated).
func (e *Engine) certKeyRegistered(ctx context.Context, c *tokenmint.Client, leaf *x509.Certificate) error {
	set, err := e.clientKeys(ctx, c, false)
	if err != nil {
		return err
	}
	if !hasKey(set, leaf) && c.JWKSURI != "" {
		if set, err = e.clientKeys(ctx, c, true); err != nil {
			return err
		}
	}
	if !hasKey(set, leaf) {
		return &oauth.Error{Code: oauth.InvalidClient, Description: "the client certificate's public key is not in the client's registered JWK Set (RFC 8705 §2.2)"}
	}
	return nil
}

// hasKey reports whether set holds the certificate's public key.
func hasKey(set *jose.JSONWebKeySet, leaf *x509.Certificate) bool {
	pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return false
	}
	return slices.ContainsFunc(set.Keys, func(k jose.JSONWebKey) bool {
		return k.Use != "enc" && pub.Equal(k.Key)
	})
}

// certBinding returns the confirmation a client's tokens are bound to
// (RFC 8705 §3): the thumbprint of the certificate it presented, when it
// registered tls_client_certificate_bound_access_tokens (§3.4), public
// clients too (§4). Such a client that presents none is refused: its
// tokens are never bearer tokens.
func (e *Engine) certBinding(c *tokenmint.Client, cc *ClientCertificate) (string, error) {
	if !c.TLSClientCertificateBoundAccessTokens {
		return "", nil
	}
	if !e.cfg.MutualTLS {
		return "", &oauth.Error{Code: oauth.InvalidClient, Description: "this client's tokens are bound to its TLS certificate, and this server receives no client certificates",
			Cause: errors.New("tls_client_certificate_bound_access_tokens without --tls-cert or --tls-client-cert-header")}
	}
	if cc == nil || cc.Leaf == nil {
		return "", oauth.NewError(oauth.InvalidRequest, "this client's access tokens are bound to its TLS client certificate (tls_client_certificate_bound_access_tokens, RFC 8705 §3): present one in the TLS handshake")
	}
	return cc.Thumbprint(), nil
}

// checkCertBinding is the resource server's check of RFC 8705 §3 for a
// token presented to tokenmint itself (UserInfo): a certificate-bound
// token goes with the certificate it is bound to, on the request's own
// connection, else it is invalid_token.
func checkCertBinding(info *Introspection, cc *ClientCertificate) error {
	want := info.Confirmation.X5TS256
	if want == "" {
		return nil
	}
	if cc == nil || cc.Leaf == nil {
		return &oauth.Error{Code: oauth.InvalidToken, Status: 401,
			Description: "the access token is bound to a TLS client certificate (RFC 8705 §3): present it on this connection"}
	}
	if subtle.ConstantTimeCompare([]byte(cc.Thumbprint()), []byte(want)) != 1 {
		return &oauth.Error{Code: oauth.InvalidToken, Status: 401,
			Description: "the access token is bound to another TLS client certificate than this connection's (RFC 8705 §3)"}
	}
	return nil
}

// checkFamilyCert checks that a refresh of a family whose refresh tokens
// are bound to a certificate (a public client's, RFC 8705 §4) comes with
// that certificate.
func checkFamilyCert(f *tokenmint.Family, cc *ClientCertificate) error {
	want := f.Confirmation.X5TS256
	if want == "" || (cc != nil && cc.Thumbprint() == want) {
		return nil
	}
	return invalidGrant("the refresh token is bound to the TLS client certificate it was issued with (RFC 8705 §4)")
}
