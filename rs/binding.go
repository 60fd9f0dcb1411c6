package rs

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/tokenmint/tokenmint/dpop"
)

// checkBinding enforces the token's cnf: a DPoP key needs the DPoP scheme
// and a proof by that key for this request (RFC 9449 §7.1); a
// certificate thumbprint needs that client certificate (RFC 8705 §3). A
// token without a DPoP key is refused with the DPoP scheme (it would let
// a client believe its token is protected).
func (m *Middleware) checkBinding(r *http.Request, cred credentials, c *Claims) *Error {
	if x5t := c.Confirmation.X5TS256; x5t != "" {
		if err := m.checkCertificate(r, x5t); err != nil {
			err.DPoP = cred.dpop
			return err
		}
	}
	switch jkt := c.Confirmation.JKT; {
	case jkt != "" && !cred.dpop:
		return &Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken, DPoP: true,
			Description: "the access token is DPoP-bound: present it with the DPoP scheme and a proof (RFC 9449 §7.1)"}
	case jkt == "" && cred.dpop:
		return &Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken, DPoP: true,
			Description: "the access token is not DPoP-bound: present it as a Bearer token"}
	case jkt != "":
		return m.checkProof(r, cred.token, jkt)
	}
	return nil
}

// checkProof verifies the request's DPoP proof (RFC 9449 §4.3, §7.1) and
// that its key is the token's.
func (m *Middleware) checkProof(r *http.Request, tok, jkt string) *Error {
	p, err := m.dpop.Verify(r.Context(), dpop.Request{
		Proofs:      r.Header.Values(dpop.Header),
		Method:      r.Method,
		URL:         m.requestURL(r),
		AccessToken: tok,
	})
	if err != nil {
		return proofError(err)
	}
	if subtle.ConstantTimeCompare([]byte(p.JKT), []byte(jkt)) != 1 {
		return &Error{Status: http.StatusUnauthorized, Code: CodeInvalidDPoPProof, DPoP: true,
			Description: "the DPoP proof is signed by another key than the one the access token is bound to"}
	}
	return nil
}

// proofError answers a refused proof: 401 invalid_dpop_proof or
// use_dpop_nonce with a DPoP challenge (§7.1, §9), or 503 when the replay
// cache failed (neither a replay nor a verdict on the proof).
func proofError(err error) *Error {
	var de *dpop.Error
	if !errors.As(err, &de) {
		return unavailable("the DPoP proof cannot be checked", err)
	}
	if de.Cause != nil && !errors.Is(de.Cause, dpop.ErrReplayed) {
		return unavailable("the DPoP proof cannot be checked for replay", de.Cause)
	}
	return &Error{Status: http.StatusUnauthorized, Code: de.Code, Description: de.Description, DPoP: true}
}

// requestURL is the URL a proof's htu must name: Config.BaseURL and the
// request's path; without BaseURL, what the request says (its TLS state
// and Host header), right only when no proxy stands in front.
func (m *Middleware) requestURL(r *http.Request) string {
	if m.cfg.BaseURL != "" {
		return m.cfg.BaseURL + r.URL.EscapedPath()
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return scheme + r.Host + r.URL.EscapedPath()
}

// checkCertificate compares the client certificate with the token's
// x5t#S256 (RFC 8705 §3.1).
func (m *Middleware) checkCertificate(r *http.Request, x5t string) *Error {
	cert := m.clientCertificate(r)
	if cert == nil {
		return invalidToken("the access token is bound to a client certificate the request does not present (RFC 8705 §3)")
	}
	if subtle.ConstantTimeCompare([]byte(CertificateThumbprint(cert)), []byte(x5t)) != 1 {
		return invalidToken("the access token is bound to another client certificate (RFC 8705 §3)")
	}
	return nil
}

func (m *Middleware) clientCertificate(r *http.Request) *x509.Certificate {
	if m.cfg.ClientCertificate != nil {
		return m.cfg.ClientCertificate(r)
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		return r.TLS.PeerCertificates[0]
	}
	return nil
}

// CertificateThumbprint is the x5t#S256 of cert (RFC 8705 §3.1): the
// base64url SHA-256 of its DER encoding.
func CertificateThumbprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
