package grant

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// PKCE methods (RFC 7636 §4.2).
const (
	PKCES256  = "S256"
	PKCEPlain = "plain"
)

// checkChallenge validates a code_challenge at authorization time. Public
// clients must use PKCE with S256 (RFC 9700 §2.1.1) unless noPKCE says the
// request is one of the few that may go without (see pkceOptional);
// confidential clients may; plain is refused unless the client was
// registered to allow it.
func checkChallenge(c *tokenmint.Client, challenge, method string, noPKCE bool) (string, error) {
	if challenge == "" {
		if method != "" {
			return "", oauth.NewError(oauth.InvalidRequest, "code_challenge_method without code_challenge")
		}
		if c.Public && !noPKCE {
			return "", oauth.NewError(oauth.InvalidRequest, "public clients must use PKCE: code_challenge with code_challenge_method=S256 is required")
		}
		return "", nil
	}
	if method == "" {
		method = PKCEPlain // RFC 7636 §4.3 default
	}
	switch {
	case method == PKCES256:
	case method == PKCEPlain && c.AllowPlainPKCE:
	case method == PKCEPlain:
		return "", oauth.NewError(oauth.InvalidRequest, "code_challenge_method=plain is not allowed for this client; use S256")
	default:
		return "", oauth.NewError(oauth.InvalidRequest, "code_challenge_method must be S256")
	}
	if !validVerifierSyntax(challenge) {
		return "", oauth.NewError(oauth.InvalidRequest, "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]")
	}
	return method, nil
}

// verifyPKCE checks a code_verifier against the challenge the code is
// bound to (RFC 7636 §4.6), in constant time. A verifier sent for a code
// issued without a challenge is refused too: accepting it would let an
// attacker downgrade PKCE away (RFC 9700 §2.1.1).
func verifyPKCE(challenge, method, verifier string) error {
	if challenge == "" {
		if verifier != "" {
			return invalidGrant("code_verifier sent, but the authorization request had no code_challenge")
		}
		return nil
	}
	if verifier == "" {
		return invalidGrant("code_verifier is required: the authorization request used PKCE")
	}
	if !validVerifierSyntax(verifier) {
		return oauth.NewError(oauth.InvalidRequest, "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]")
	}
	computed := verifier
	if method == PKCES256 {
		sum := sha256.Sum256([]byte(verifier))
		computed = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if subtle.ConstantTimeCompare([]byte(computed), []byte(challenge)) != 1 {
		return invalidGrant("code_verifier does not match the code_challenge")
	}
	return nil
}

// validVerifierSyntax checks RFC 7636 §4.1: 43*128 unreserved characters.
func validVerifierSyntax(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		ok := b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~'
		if !ok {
			return false
		}
	}
	return true
}
