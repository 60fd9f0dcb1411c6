package grant

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// Bounds of a request object (RFC 9101).
const (
	// RequestObjectMaxLifetime is how far ahead a request object's exp
	// may be, and how old its nbf: a request object is made for one
	// authorization request (the bound FAPI 2.0's Message Signing profile
	// sets, 60 minutes).
	RequestObjectMaxLifetime = time.Hour
	// maxRequestObjectBytes bounds what is parsed.
	maxRequestObjectBytes = 32 << 10
)

// RequestObjectAlgs are the JWS algorithms a request object may be
// signed with: asymmetric only, verified with the client's JWK Set (RFC
// 9101 §6.2). Never none, never a MAC: a request object proves the
// client's key, not a secret the server also holds.
var RequestObjectAlgs = tokenmint.AssertionAlgsAsymmetric

var requestObjectJOSEAlgs = func() []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(RequestObjectAlgs))
	for i, a := range RequestObjectAlgs {
		out[i] = jose.SignatureAlgorithm(a)
	}
	return out
}()

// registeredClaims are the JWT claims of a request object that are not
// authorization request parameters (RFC 7519 §4.1).
var registeredClaims = map[string]bool{"iss": true, "aud": true, "exp": true, "nbf": true, "iat": true, "jti": true, "sub": true}

// VerifyRequestObject verifies the request object of clientID's
// authorization request (RFC 9101 §6): a JWS in compact form (encrypted
// request objects are not supported), signed with an asymmetric
// algorithm by a key of the client's jwks or jwks_uri; iss the
// client_id, aud this server's issuer, exp present and at most
// RequestObjectMaxLifetime ahead, nbf (if any) past and not older than
// that, jti (if any) used once. It returns the authorization request
// parameters the object carries: they are the request's only parameters
// (§6.3). A client_id claim must be clientID.
func (e *Engine) VerifyRequestObject(ctx context.Context, clientID, raw string) (url.Values, error) {
	fail := func(desc string) error { return oauth.NewError(oauth.InvalidRequestObject, "%s", desc) }
	a, m, problem := parseRequestObject(raw)
	if problem != "" {
		return nil, fail(problem)
	}
	c, err := e.clients.GetClient(ctx, clientID)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil, oauth.NewError(oauth.InvalidClient, "unknown client_id")
	}
	if err != nil {
		return nil, storeError("request object: get client", err)
	}
	if err := e.verifyWithClientKeys(ctx, &c, a); err != nil {
		if oe, ok := oauth.As(err); ok && oe.Code == oauth.InvalidClient {
			e.log.DebugContext(ctx, "request object refused", "client_id", c.ID, "reason", oe.Cause)
			return nil, fail("the request object's signature does not verify with a key of the client's jwks or jwks_uri (RFC 9101 §6.2)")
		}
		return nil, err
	}
	if desc := e.checkRequestObjectClaims(&a.claims, c.ID); desc != "" {
		return nil, fail(desc)
	}
	params, desc := claimParams(m)
	if desc != "" {
		return nil, fail(desc)
	}
	if id, ok := params["client_id"]; ok && (len(id) != 1 || id[0] != c.ID) {
		return nil, fail("the request object's client_id differs from the request's (RFC 9101 §6.3)")
	}
	params.Set("client_id", c.ID)
	return params, e.useRequestObject(ctx, c.ID, &a.claims)
}

// parseRequestObject reads the JWS and its claims, not yet verified.
func parseRequestObject(raw string) (*assertion, map[string]any, string) {
	if len(raw) > maxRequestObjectBytes {
		return nil, nil, "the request object is too large"
	}
	if strings.Count(raw, ".") == 4 {
		return nil, nil, "encrypted request objects are not supported: sign it (RFC 9101 §6.2)"
	}
	tok, err := jwt.ParseSigned(raw, requestObjectJOSEAlgs)
	if err != nil {
		return nil, nil, "the request object is not a JWS in compact form signed with an asymmetric algorithm (RFC 9101 §4; never none, never HMAC)"
	}
	h := tok.Headers[0]
	if typ, ok := h.ExtraHeaders[jose.HeaderType]; ok && !requestObjectType(typ) {
		return nil, nil, "the request object's typ is neither oauth-authz-req+jwt nor JWT (RFC 9101 §10.8)"
	}
	a := &assertion{tok: tok, alg: h.Algorithm, kid: h.KeyID}
	var m map[string]any
	if err := tok.UnsafeClaimsWithoutVerification(&a.claims, &m); err != nil {
		return nil, nil, "the request object's claims are not a JSON object with registered claims of the right types"
	}
	return a, m, ""
}

// requestObjectType reports whether typ fits a request object: its own
// media type (RFC 9101 §10.8) or plain JWT, with or without
// application/; not another JWT's (a client assertion, a DPoP proof).
func requestObjectType(typ any) bool {
	s, ok := typ.(string)
	if !ok {
		return false
	}
	s = strings.TrimPrefix(strings.ToLower(s), "application/")
	return s == "oauth-authz-req+jwt" || s == "jwt"
}

// checkRequestObjectClaims checks the verified registered claims (RFC
// 9101 §6.3, §10.2 the client as iss, this server as aud); a description
// for the client, or "".
func (e *Engine) checkRequestObjectClaims(cl *jwt.Claims, clientID string) string {
	now := e.now()
	switch {
	case cl.Issuer != clientID:
		return "the request object's iss must be the client_id"
	case !cl.Audience.Contains(e.cfg.Issuer):
		return "the request object's aud must be this server's issuer identifier"
	case cl.Expiry == nil:
		return "the request object has no exp"
	case !now.Before(cl.Expiry.Time().Add(AssertionSkew)):
		return "the request object has expired"
	case cl.Expiry.Time().After(now.Add(RequestObjectMaxLifetime + AssertionSkew)):
		return "the request object's exp is too far ahead: at most 60 minutes"
	case cl.NotBefore != nil && cl.NotBefore.Time().After(now.Add(AssertionSkew)):
		return "the request object is not valid yet (nbf)"
	case cl.NotBefore != nil && cl.NotBefore.Time().Before(now.Add(-RequestObjectMaxLifetime)):
		return "the request object's nbf is more than 60 minutes ago"
	case len(cl.ID) > maxJTIBytes:
		return "the request object's jti is too long"
	}
	return ""
}

// claimParams turns the claims of a request object into authorization
// request parameters: strings as they are, numbers (max_age) in decimal,
// arrays of strings as a repeated parameter (resource, RFC 8707 §2),
// objects (claims, OIDC Core §5.5) as their JSON. A request object must
// not itself carry request or request_uri (RFC 9101 §4).
func claimParams(m map[string]any) (url.Values, string) {
	q := url.Values{}
	for k, v := range m {
		if registeredClaims[k] || v == nil {
			continue
		}
		if k == "request" || k == "request_uri" {
			return nil, "a request object must not contain request or request_uri (RFC 9101 §4)"
		}
		vals, ok := claimValues(v)
		if !ok {
			return nil, "the request object's " + truncate(k) + " is not a string, number, object or array of strings"
		}
		q[k] = vals
	}
	return q, ""
}

func claimValues(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case float64:
		return []string{strconv.FormatFloat(v, 'f', -1, 64)}, true
	case bool:
		return []string{strconv.FormatBool(v)}, true
	case map[string]any:
		b, err := json.Marshal(v)
		return []string{string(b)}, err == nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, len(out) > 0
	}
	return nil, false
}

// useRequestObject spends the request object's jti, when it has one,
// until its exp: a request object is good for one request.
func (e *Engine) useRequestObject(ctx context.Context, clientID string, cl *jwt.Claims) error {
	if cl.ID == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(clientID + "\x00" + cl.ID))
	key := base64.RawURLEncoding.EncodeToString(sum[:])
	err := e.cfg.Store.UseOnce(ctx, tokenmint.ReplayRequestObject, key, e.now(), cl.Expiry.Time().Add(AssertionSkew))
	if errors.Is(err, tokenmint.ErrAlreadyUsed) {
		return oauth.NewError(oauth.InvalidRequestObject, "the request object was used before: its jti is single-use")
	}
	if err != nil {
		return storeError("spend request object", err)
	}
	return nil
}
