package rs

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"time"
)

// Claims are what the middleware learnt of the token of a request: the
// claims of a JWT access token (RFC 9068 §2.2) or the members of an
// introspection answer (RFC 7662 §2.2), which name the same things.
type Claims struct {
	Issuer    string
	Subject   string
	ClientID  string
	Scopes    []string
	Audience  []string
	Expiry    time.Time
	IssuedAt  time.Time
	NotBefore time.Time // zero when absent
	ID        string    // "jti"
	// Confirmation is the key the token is bound to (RFC 7800 "cnf");
	// zero for a bearer token. The middleware has checked it.
	Confirmation Confirmation
	// Introspected: the authorization server vouched for the token by
	// introspection (an opaque token, or a JWT with Config.IntrospectJWT).
	Introspected bool
	// Extra holds every other claim or member (custom claims, "username",
	// "token_type", "auth_time"...), as encoding/json decodes them.
	Extra map[string]any
}

// Confirmation is the "cnf" claim (RFC 7800 §3.1) of a sender-constrained
// token: the thumbprint of a DPoP key (RFC 9449 §6.1) or of a client
// certificate (RFC 8705 §3.1).
type Confirmation struct {
	JKT     string `json:"jkt,omitempty"`
	X5TS256 string `json:"x5t#S256,omitempty"`
}

// HasScope reports whether the token was granted scope.
func (c *Claims) HasScope(scope string) bool { return slices.Contains(c.Scopes, scope) }

type ctxKey struct{}

// ClaimsFrom returns the claims the middleware put in the context of an
// accepted request.
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(ctxKey{}).(*Claims)
	return c, ok
}

// WithClaims returns ctx carrying c, as the middleware passes it on (for
// tests of handlers that read ClaimsFrom).
func WithClaims(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

var errClaims = errors.New("malformed claims")

// decodeClaims reads a JWT payload or an introspection answer. It fails
// only on JSON that is not an object or registered members of the wrong
// type; which members are required is the caller's business.
func decodeClaims(b []byte) (*Claims, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, errClaims
	}
	c := &Claims{}
	for name, raw := range m {
		if err := c.set(name, raw); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// set decodes one member into its field, or into Extra.
func (c *Claims) set(name string, raw json.RawMessage) error {
	var err error
	switch name {
	case "iss":
		err = json.Unmarshal(raw, &c.Issuer)
	case "sub":
		err = json.Unmarshal(raw, &c.Subject)
	case "client_id":
		err = json.Unmarshal(raw, &c.ClientID)
	case "jti":
		err = json.Unmarshal(raw, &c.ID)
	case "scope":
		var s string
		err = json.Unmarshal(raw, &s)
		c.Scopes = strings.Fields(s)
	case "aud":
		c.Audience, err = audience(raw)
	case "exp":
		c.Expiry, err = numericDate(raw)
	case "iat":
		c.IssuedAt, err = numericDate(raw)
	case "nbf":
		c.NotBefore, err = numericDate(raw)
	case "cnf":
		err = json.Unmarshal(raw, &c.Confirmation)
	default:
		var v any
		if err = json.Unmarshal(raw, &v); err == nil {
			if c.Extra == nil {
				c.Extra = make(map[string]any)
			}
			c.Extra[name] = v
		}
	}
	if err != nil {
		return errClaims
	}
	return nil
}

// audience reads "aud": a string or an array of strings (RFC 7519
// §4.1.3).
func audience(raw json.RawMessage) ([]string, error) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return []string{s}, err
	}
	var a []string
	err := json.Unmarshal(raw, &a)
	return a, err
}

// numericDate reads a NumericDate (RFC 7519 §2): seconds, whole or not.
func numericDate(raw json.RawMessage) (time.Time, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f < 0 || f > 1e11 || math.IsNaN(f) {
		return time.Time{}, errClaims
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}
