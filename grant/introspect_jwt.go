package grant

import (
	"encoding/json"
	"slices"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/token"
)

// TypeIntrospectionJWT is the "typ" of a JWT introspection response, and
// with "application/" its media type (RFC 9701 §5, §12.3).
const TypeIntrospectionJWT = "token-introspection+jwt"

// claimTokenIntrospection holds the RFC 7662 answer in a JWT
// introspection response (RFC 9701 §5).
const claimTokenIntrospection = "token_introspection"

// IntrospectionAlg is the JWS alg of caller's JWT introspection
// responses: the one it registered (introspection_signed_response_alg),
// else RS256, the default of RFC 9701 §6, when the server has an RS256
// key, else the server's default alg.
func (e *Engine) IntrospectionAlg(caller *tokenmint.Client) string {
	if caller.IntrospectionAlg != "" {
		return caller.IntrospectionAlg
	}
	if slices.Contains(e.cfg.Keys.Algs(), tokenmint.AlgRS256) {
		return tokenmint.AlgRS256
	}
	return e.cfg.DefaultAlg
}

// SignIntrospection returns the JWT introspection response of RFC 9701
// §5 for caller, the client that asked: body, the RFC 7662 §2.2 JSON
// object (an inactive token's {"active":false} included), becomes the
// token_introspection claim, beside iss (this server), aud (the caller's
// client ID) and iat; the header's typ is token-introspection+jwt, so
// that the answer cannot pass for an access token or an ID token (RFC
// 8725 §3.11). It carries no sub or exp of its own: those of the token
// are inside token_introspection.
func (e *Engine) SignIntrospection(caller *tokenmint.Client, body []byte) (string, error) {
	claims := &token.Claims{
		Issuer:   e.cfg.Issuer,
		Audience: []string{caller.ID},
		IssuedAt: e.now(),
		Extra:    map[string]any{claimTokenIntrospection: json.RawMessage(body)},
	}
	raw, err := e.cfg.Keys.Sign(e.IntrospectionAlg(caller), claims, token.SignOptions{Type: TypeIntrospectionJWT})
	if err != nil {
		return "", serverError("sign introspection response", err)
	}
	return raw, nil
}
