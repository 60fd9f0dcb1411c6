package rs

import (
	"context"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// DefaultAlgs are the JWS algorithms a JWT access token may be signed
// with: every asymmetric one go-jose verifies. "none" and the HMAC
// algorithms are never accepted, whatever Config.Algs says: a resource
// server holds no secret to check an HMAC with, and accepting one keyed
// with the issuer's public key is the classic forgery.
var DefaultAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// typ values of a JWT access token (RFC 9068 §2.1, §4).
const (
	typAccessToken     = "at+jwt"
	typAccessTokenFull = "application/at+jwt"
)

// isJWT reports whether a token has the shape of a compact JWS.
func isJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// verifyJWT checks the signature and the header of a JWT access token
// (RFC 9068 §4 steps 1 to 4, as for an ID token in OIDC Core §3.1.3.7)
// and returns its claims, not yet validated.
func (m *Middleware) verifyJWT(ctx context.Context, raw string) (*Claims, *Error) {
	jws, err := jose.ParseSignedCompact(raw, m.algs)
	if err != nil {
		return nil, invalidToken("the access token is not a JWS signed with an accepted algorithm")
	}
	if len(jws.Signatures) != 1 {
		return nil, invalidToken("the access token must have one signature")
	}
	h := jws.Signatures[0].Protected
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	if !strings.EqualFold(typ, typAccessToken) && !strings.EqualFold(typ, typAccessTokenFull) {
		return nil, invalidToken("the access token's typ is not at+jwt (RFC 9068 §4)")
	}
	keys, err := m.keys.lookup(ctx, h.KeyID)
	if err != nil {
		return nil, unavailable("the authorization server's keys cannot be read", err)
	}
	for _, k := range keys {
		if k.Algorithm != "" && k.Algorithm != h.Algorithm {
			continue
		}
		payload, err := jws.Verify(k)
		if err != nil {
			continue
		}
		c, err := decodeClaims(payload)
		if err != nil {
			return nil, invalidToken("the access token's claims are malformed")
		}
		return c, nil
	}
	return nil, invalidToken("the access token's signature does not verify with the issuer's keys")
}
