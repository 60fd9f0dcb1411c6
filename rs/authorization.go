package rs

import "strings"

// MaxTokenBytes bounds the access token read from a request: tokenmint's
// JWTs are under 2 KiB; 16 KiB leaves room for large custom claims.
const MaxTokenBytes = 16 << 10

// Schemes of an Authorization header (RFC 6750 §2.1, RFC 9449 §7.1).
const (
	schemeBearer = "Bearer"
	schemeDPoP   = "DPoP"
)

// credentials is a parsed Authorization header.
type credentials struct {
	dpop  bool // the DPoP scheme; else Bearer
	token string
}

// parseAuthorization reads the one Authorization header of a request:
// "Bearer <token68>" or "DPoP <token68>" (RFC 9110 §11.4, RFC 6750 §2.1:
// the scheme is case-insensitive, one or more spaces before the token,
// no parameters). It returns errNoToken without a header and an
// invalid_request Error for anything malformed: several headers, another
// scheme, a token that is not a token68 or is too long.
func parseAuthorization(values []string) (credentials, *Error) {
	switch len(values) {
	case 0:
		return credentials{}, errNoToken
	case 1:
	default:
		return credentials{}, invalidRequest("the request carries more than one Authorization header")
	}
	scheme, rest, _ := strings.Cut(values[0], " ")
	var c credentials
	switch {
	case strings.EqualFold(scheme, schemeBearer):
	case strings.EqualFold(scheme, schemeDPoP):
		c.dpop = true
	case scheme == "" && rest == "":
		return credentials{}, errNoToken
	default:
		return credentials{}, invalidRequest("the Authorization header must be: Bearer <token> or DPoP <token>")
	}
	c.token = strings.TrimLeft(rest, " ")
	switch {
	case c.token == "":
		return credentials{}, invalidRequest("the Authorization header carries no token")
	case len(c.token) > MaxTokenBytes:
		return credentials{}, invalidRequest("the access token is too long")
	case !isToken68(c.token):
		return credentials{}, invalidRequest("the access token is not a token68 (RFC 9110 §11.2)")
	}
	return c, nil
}

// isToken68 reports whether s is a token68 (RFC 9110 §11.2): 1*( ALPHA /
// DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isToken68(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/') {
			break
		}
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}
