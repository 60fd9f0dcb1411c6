package token

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/internal/fastpath"
)

// JWT "typ" header values (RFC 7515 §4.1.9).
const (
	TypeAccessToken = "at+jwt" // RFC 9068 §2.1
	TypeJWT         = "JWT"    // ID tokens (RFC 7519 §5.1)
)

// maxJWTSize bounds what Verify parses; tokenmint's own tokens are a
// fraction of it.
const maxJWTSize = 64 << 10

// SignOptions are the per-token choices of Sign.
type SignOptions struct {
	// Type is the "typ" header; "" means "at+jwt" (RFC 9068 §2.1). ID
	// tokens pass "JWT".
	Type string
	// ExtraHeaders are added to the protected header, e.g. {"jti": "..."}
	// for a platform that wants it there. The JWS header parameters of
	// RFC 7515 §4.1 ("alg", "kid", "typ", "crit", ...) are refused.
	ExtraHeaders map[string]any
}

// Sign returns c as a compact JWS (RFC 7515 §7.1) signed by the current
// key of alg, with "alg", "kid" and "typ" in the protected header.
func (k *Keyset) Sign(alg string, c *Claims, opts SignOptions) (string, error) {
	if c == nil {
		return "", errors.New("sign: nil claims")
	}
	e := k.snap.Load().signing[alg]
	if e == nil {
		return "", fmt.Errorf("sign: %w for alg %q", ErrNoSigningKey, alg)
	}
	payload, err := c.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	if fast := e.cachedSigner(opts); fast != nil {
		return fast.Sign(payload)
	}
	typ := opts.Type
	if typ == "" {
		typ = TypeAccessToken
	}
	signer, err := e.newSigner(typ, opts.ExtraHeaders)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("sign: serialize: %w", err)
	}
	return raw, nil
}

// buildSigners makes the cached signers of a current key.
func (e *keyEntry) buildSigners() error {
	if e.atSigner != nil {
		return nil
	}
	at, err := fastpath.NewJWSSigner(e.rec.Alg, e.rec.ID, TypeAccessToken, e.priv)
	if err != nil {
		return err
	}
	id, err := fastpath.NewJWSSigner(e.rec.Alg, e.rec.ID, TypeJWT, e.priv)
	if err != nil {
		return err
	}
	e.atSigner, e.jwtSigner = at, id
	return nil
}

// cachedSigner returns the fixed-header signer for the common headers, or
// nil when the token needs another "typ" or extra headers (go-jose then
// builds a signer for it). The fixed-header signer is hand-written
// (internal/fastpath) for the reason its package documentation gives.
func (e *keyEntry) cachedSigner(opts SignOptions) *fastpath.JWSSigner {
	if len(opts.ExtraHeaders) > 0 {
		return nil
	}
	switch opts.Type {
	case "", TypeAccessToken:
		return e.atSigner
	case TypeJWT:
		return e.jwtSigner
	}
	return nil
}

func (e *keyEntry) newSigner(typ string, extra map[string]any) (jose.Signer, error) {
	so := &jose.SignerOptions{}
	for name, v := range extra {
		if reservedHeader(name) {
			return nil, fmt.Errorf("header %q is reserved", name)
		}
		so.WithHeader(jose.HeaderKey(name), v)
	}
	so.WithType(jose.ContentType(typ))
	key := jose.JSONWebKey{Key: e.priv, KeyID: e.rec.ID, Algorithm: e.rec.Alg}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: e.alg, Key: key}, so)
	if err != nil {
		return nil, fmt.Errorf("new signer: %w", err)
	}
	return s, nil
}

// reservedHeader reports whether name is a JWS header parameter of RFC
// 7515 §4.1 (or "b64", RFC 7797), which Sign sets itself or never sets.
func reservedHeader(name string) bool {
	switch name {
	case "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256",
		"typ", "cty", "crit", "b64", "enc", "zip":
		return true
	}
	return false
}

// Verify parses a compact JWS and checks it was signed by a published key
// of this keyset, returning its claims. A token is rejected, with an error
// wrapping ErrInvalidJWT, when:
//   - its "alg" is not one this keyset has keys for ("none" and HMAC
//     never are: RFC 8725 §3.1);
//   - it has no "kid", or the kid names no published key;
//   - its "alg" is not the alg of that key (RFC 8725 §3.1: no algorithm
//     confusion);
//   - its "typ" is not wantType, compared case-insensitively with an
//     optional "application/" prefix (RFC 7515 §4.1.9, RFC 8725 §3.11);
//     wantType "" means "at+jwt";
//   - the signature does not verify, or the payload is not a claims set.
//
// Verify does not check "exp", "nbf", "iss" or "aud": callers do, against
// their own clock and policy.
func (k *Keyset) Verify(raw string, wantType string) (*Claims, error) {
	if len(raw) > maxJWTSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidJWT, maxJWTSize)
	}
	now := k.now()
	s := k.current(now)
	if len(s.algs) == 0 {
		return nil, fmt.Errorf("%w: no verification keys loaded", ErrInvalidJWT)
	}
	if c, ok := s.verified.get(raw, wantType); ok {
		return c, nil
	}
	jws, err := jose.ParseSignedCompact(raw, s.algs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJWT, err)
	}
	e, err := s.verificationKey(jws, wantType)
	if err != nil {
		return nil, err
	}
	if !published(e.rec, now) {
		return nil, fmt.Errorf("%w: signing key retired", ErrInvalidJWT)
	}
	payload, err := jws.Verify(e.public)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJWT, err)
	}
	c := new(Claims)
	if err := c.UnmarshalJSON(payload); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJWT, err)
	}
	s.verified.put(raw, wantType, c)
	return c, nil
}

// verificationKey checks the protected header of jws and returns the key
// it names.
func (s *snapshot) verificationKey(jws *jose.JSONWebSignature, wantType string) (*keyEntry, error) {
	if len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("%w: want exactly one signature", ErrInvalidJWT)
	}
	h := jws.Signatures[0].Protected
	if h.KeyID == "" {
		return nil, fmt.Errorf("%w: no kid in header", ErrInvalidJWT)
	}
	e := s.byKid[h.KeyID]
	if e == nil {
		return nil, fmt.Errorf("%w: unknown kid", ErrInvalidJWT)
	}
	if h.Algorithm != string(e.alg) {
		return nil, fmt.Errorf("%w: alg %q does not match the key's %s", ErrInvalidJWT, clip(h.Algorithm), e.alg)
	}
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	if wantType == "" {
		wantType = TypeAccessToken
	}
	if !sameMediaType(typ, wantType) {
		return nil, fmt.Errorf("%w: typ %q, want %q", ErrInvalidJWT, clip(typ), wantType)
	}
	return e, nil
}

// sameMediaType compares "typ" values as RFC 7515 §4.1.9 says: case-
// insensitively, "application/" being implied when absent.
func sameMediaType(got, want string) bool {
	return strings.EqualFold(trimApplication(got), trimApplication(want))
}

func trimApplication(t string) string {
	const prefix = "application/"
	if len(t) >= len(prefix) && strings.EqualFold(t[:len(prefix)], prefix) {
		return t[len(prefix):]
	}
	return t
}

// clip shortens a header value copied into an error, which may be logged:
// it comes from the token, so from anyone.
func clip(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
