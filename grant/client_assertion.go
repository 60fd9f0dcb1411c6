package grant

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// tokenEndpointPath is the path of the standard token endpoint, whose URL
// identifies the server in an assertion's aud at any endpoint.
const tokenEndpointPath = "/oauth2/token"

// AssertionTypeJWT is the client_assertion_type of a JWT client
// assertion (RFC 7523 §2.2).
const AssertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Bounds of a client assertion (RFC 7523 §3).
const (
	// AssertionMaxLifetime is how far in the future an assertion's exp
	// may be, and how long ago its iat: an assertion is made for one
	// request, and its jti is remembered until its exp.
	AssertionMaxLifetime = 5 * time.Minute
	// AssertionSkew is the clock difference tolerated between the client
	// and the server, on every time claim.
	AssertionSkew = 30 * time.Second
	// maxAssertionBytes bounds what is parsed: an RS512 assertion with a
	// 4096-bit key is under 2 KiB.
	maxAssertionBytes = 16 << 10
	// maxJTIBytes bounds the jti a client chooses.
	maxJTIBytes = 256
)

// KeySource fetches the JWK Sets of private_key_jwt clients registered
// with a jwks_uri (the server's is package jwksfetch). ClientKeys
// returns the set at uri, from its cache while fresh; refresh asks for it
// anew, for a kid the cached set lacks, which the source may decline
// (returning what it has) when it fetched the set very recently.
type KeySource interface {
	ClientKeys(ctx context.Context, uri string, refresh bool) (*jose.JSONWebKeySet, error)
}

// assertionAlgs is every algorithm a client assertion may be parsed
// with; the client's registration narrows it (Client.AssertionAlgs).
// "none" is not among them, so go-jose refuses it at parse time.
var assertionAlgs = func() []jose.SignatureAlgorithm {
	var out []jose.SignatureAlgorithm
	for _, a := range slices.Concat(tokenmint.AssertionAlgsAsymmetric, tokenmint.AssertionAlgsHMAC) {
		out = append(out, jose.SignatureAlgorithm(a))
	}
	return out
}()

// assertion is a parsed, not yet verified, client assertion.
type assertion struct {
	tok    *jwt.JSONWebToken
	alg    string
	kid    string
	claims jwt.Claims // of the payload, verified once verifyAssertion succeeds
}

// parseAssertion reads the JWS of a client assertion and its claims,
// without verifying them yet: the iss says which client's keys verify
// it. Its errors are descriptions for the client.
func parseAssertion(raw string) (*assertion, string) {
	if len(raw) > maxAssertionBytes {
		return nil, "client_assertion is too large"
	}
	tok, err := jwt.ParseSigned(raw, assertionAlgs)
	if err != nil {
		return nil, "client_assertion is not a JWS in compact form signed with an algorithm tokenmint accepts (RFC 7523 §2.2; never none)"
	}
	h := tok.Headers[0]
	if typ, ok := h.ExtraHeaders[jose.HeaderType]; ok && !assertionType(typ) {
		return nil, "client_assertion has a typ that is not a client assertion's"
	}
	a := &assertion{tok: tok, alg: h.Algorithm, kid: h.KeyID}
	if err := tok.UnsafeClaimsWithoutVerification(&a.claims); err != nil {
		return nil, "client_assertion claims are not a JSON object of registered claims (RFC 7519 §4.1)"
	}
	return a, ""
}

// assertionType reports whether a typ header fits a client assertion:
// JWT (RFC 7519 §5.1) or client-authentication+jwt, with or without
// application/.
func assertionType(typ any) bool {
	s, ok := typ.(string)
	if !ok {
		return false
	}
	s = strings.TrimPrefix(strings.ToLower(s), "application/")
	return s == "jwt" || s == "client-authentication+jwt"
}

// authenticateAssertion authenticates a client by a JWT assertion (RFC
// 7521 §4.2, RFC 7523 §2.2 and §3, OIDC Core §9): signed with a key of
// the client's JWK Set (private_key_jwt) or MACed with its secret
// (client_secret_jwt), whichever it registered, and only that; iss and
// sub are the client_id; aud names this server (its issuer, its token
// endpoint's URL, or the URL of the endpoint called); exp is near; the jti is used once, on every instance
// (Store.UseOnce). Failures before the signature is verified are
// described alike, so that they tell nothing about the client; once it
// is, the description says what was wrong.
func (e *Engine) authenticateAssertion(ctx context.Context, cred Credentials) (*tokenmint.Client, error) {
	failf := func(desc string) error { return &oauth.Error{Code: oauth.InvalidClient, Description: desc} }
	generic := failf("client authentication failed")
	if cred.AssertionType != AssertionTypeJWT {
		return nil, failf("client_assertion_type must be " + AssertionTypeJWT)
	}
	a, problem := parseAssertion(cred.Assertion)
	if problem != "" {
		return nil, failf(problem)
	}
	id := a.claims.Issuer
	switch {
	case id == "" || a.claims.Subject != id:
		return nil, failf("the client assertion's iss and sub must both be the client_id (RFC 7523 §3)")
	case cred.ID != "" && cred.ID != id:
		return nil, failf("client_id differs from the client assertion's iss (RFC 7521 §4.2)")
	}
	c, err := e.clients.GetClient(ctx, id)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil, generic
	}
	if err != nil {
		return nil, storeError("authenticate client", err)
	}
	if !slices.Contains(c.AssertionAlgs(), a.alg) {
		e.log.DebugContext(ctx, "client assertion refused", "client_id", c.ID, "reason", "method or alg", "alg", a.alg)
		return nil, generic
	}
	if err := e.verifyAssertion(ctx, &c, a); err != nil {
		if oe, ok := oauth.As(err); ok && oe.Code == oauth.InvalidClient && oe.Cause != nil {
			e.log.DebugContext(ctx, "client assertion refused", "client_id", c.ID, "reason", oe.Cause)
		}
		return nil, err
	}
	if desc := e.checkAssertionClaims(&a.claims, cred.Endpoint); desc != "" {
		return nil, failf(desc)
	}
	return &c, e.useAssertion(ctx, c.ID, &a.claims)
}

// verifyAssertion checks the signature with the client's keys, or the MAC
// with its secret, over the payload whose claims were read.
func (e *Engine) verifyAssertion(ctx context.Context, c *tokenmint.Client, a *assertion) error {
	if c.AuthMethod == tokenmint.AuthMethodSecretJWT {
		return e.verifySecretJWT(c, a)
	}
	return e.verifyWithClientKeys(ctx, c, a)
}

// verifyWithClientKeys checks a JWS with the keys of the client's JWK Set
// (jwks, or jwks_uri fetched again once on an unknown kid): for
// private_key_jwt assertions and for request objects (RFC 9101 §6.2).
func (e *Engine) verifyWithClientKeys(ctx context.Context, c *tokenmint.Client, a *assertion) error {
	set, err := e.clientKeys(ctx, c, false)
	if err != nil {
		return err
	}
	found, err := verifyWithKeys(a, set)
	if err == nil {
		return nil
	}
	// The client may have rotated its keys: fetch its jwks_uri again
	// (the source allows it at most once a minute per URI).
	if c.JWKSURI != "" && (!found || a.kid == "") {
		if set, err = e.clientKeys(ctx, c, true); err != nil {
			return err
		}
		_, err = verifyWithKeys(a, set)
	}
	return err
}

// verifyWithKeys tries the keys of set that fit the assertion's kid and
// alg; found reports whether any key had its kid.
func verifyWithKeys(a *assertion, set *jose.JSONWebKeySet) (found bool, err error) {
	const maxTries = 8
	tries := 0
	for _, k := range set.Keys {
		if a.kid != "" && k.KeyID != a.kid {
			continue
		}
		found = true
		if (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != a.alg) || !slices.Contains(token.KeyAlgs(k.Key), a.alg) {
			continue
		}
		if tries++; tries > maxTries {
			break
		}
		// Claims with no destination verifies only: the claims read
		// before are those of the payload it verified.
		if a.tok.Claims(k.Key) == nil {
			return true, nil
		}
	}
	return found, &oauth.Error{Code: oauth.InvalidClient, Description: "client authentication failed",
		Cause: errors.New("no key of the client verifies the assertion")}
}

// verifySecretJWT checks the MAC of a client_secret_jwt assertion with
// the client's secret, or its previous one during a rotation's grace
// period. The secret is opened from its sealed copy and cleared after.
func (e *Engine) verifySecretJWT(c *tokenmint.Client, a *assertion) error {
	fail := &oauth.Error{Code: oauth.InvalidClient, Description: "client authentication failed"}
	if e.cfg.Sealer == nil {
		fail.Cause = errors.New("the engine has no sealer to open client secrets")
		return fail
	}
	sealed := [][]byte{c.SecretEnc}
	if c.PreviousSecretLive(e.now()) && len(c.PreviousSecretEnc) > 0 {
		sealed = append(sealed, c.PreviousSecretEnc)
	}
	for _, s := range sealed {
		key, err := e.cfg.Sealer.Open(s, c.ID)
		if err != nil {
			fail.Cause = err
			return fail
		}
		err = a.tok.Claims(key) // verifies only, as in verifyWithKeys
		clear(key)
		if err == nil {
			return nil
		}
	}
	fail.Cause = errors.New("the MAC does not verify with the client's secret")
	return fail
}

// clientKeys returns the client's JWK Set: its inline jwks (parsed once
// per version of the record), or what the KeySource has for its
// jwks_uri.
func (e *Engine) clientKeys(ctx context.Context, c *tokenmint.Client, refresh bool) (*jose.JSONWebKeySet, error) {
	fail := &oauth.Error{Code: oauth.InvalidClient, Description: "client authentication failed"}
	if len(c.JWKS) > 0 {
		set, err := e.jwks.get(c.ID, c.JWKS)
		if err != nil {
			fail.Cause = err
			return nil, fail
		}
		return set, nil
	}
	if c.JWKSURI == "" || e.cfg.ClientKeys == nil {
		fail.Cause = errors.New("the client has no keys, or the server no jwks_uri fetcher")
		return nil, fail
	}
	set, err := e.cfg.ClientKeys.ClientKeys(ctx, c.JWKSURI, refresh)
	if err != nil {
		if errors.Is(err, tokenmint.ErrUnavailable) {
			return nil, err
		}
		fail.Description = "the keys at the client's jwks_uri could not be fetched"
		fail.Cause = err
		return nil, fail
	}
	return set, nil
}

// checkAssertionClaims checks the verified claims of an assertion (RFC
// 7523 §3): aud, exp, nbf, iat and jti. It returns a description for the
// client, or "".
func (e *Engine) checkAssertionClaims(cl *jwt.Claims, endpoint string) string {
	now := e.now()
	audOK := false
	for _, aud := range cl.Audience {
		// RFC 7523 §3: the issuer identifier, or the token endpoint's URL
		// ("MAY be used ... to identify the authorization server"); and
		// the URL of the endpoint called.
		if aud == e.cfg.Issuer || aud == e.cfg.Issuer+tokenEndpointPath || (endpoint != "" && aud == e.cfg.Issuer+endpoint) {
			audOK = true
		}
	}
	switch {
	case !audOK:
		return "the client assertion's aud must be this server's issuer identifier, its token endpoint's URL or the URL of this endpoint (RFC 7523 §3)"
	case cl.Expiry == nil:
		return "the client assertion has no exp (RFC 7523 §3)"
	case !now.Before(cl.Expiry.Time().Add(AssertionSkew)):
		return "the client assertion has expired"
	case cl.Expiry.Time().After(now.Add(AssertionMaxLifetime + AssertionSkew)):
		return "the client assertion's exp is too far ahead: at most 5 minutes"
	case cl.NotBefore != nil && cl.NotBefore.Time().After(now.Add(AssertionSkew)):
		return "the client assertion is not valid yet (nbf)"
	case cl.IssuedAt != nil && cl.IssuedAt.Time().After(now.Add(AssertionSkew)):
		return "the client assertion is issued in the future (iat)"
	case cl.IssuedAt != nil && cl.IssuedAt.Time().Before(now.Add(-AssertionMaxLifetime-AssertionSkew)):
		return "the client assertion is too old (iat): make one per request"
	case cl.ID == "":
		return "the client assertion has no jti (OIDC Core §9)"
	case len(cl.ID) > maxJTIBytes:
		return "the client assertion's jti is too long"
	}
	return ""
}

// useAssertion spends the assertion's jti, remembered until the
// assertion expires (RFC 7523 §3 item 7), in the store every instance
// shares; a second use is refused.
func (e *Engine) useAssertion(ctx context.Context, clientID string, cl *jwt.Claims) error {
	sum := sha256.Sum256([]byte(clientID + "\x00" + cl.ID))
	key := base64.RawURLEncoding.EncodeToString(sum[:])
	err := e.cfg.Store.UseOnce(ctx, tokenmint.ReplayClientAssertion, key, e.now(), cl.Expiry.Time().Add(AssertionSkew))
	if errors.Is(err, tokenmint.ErrAlreadyUsed) {
		return &oauth.Error{Code: oauth.InvalidClient, Description: "the client assertion was used before: its jti is single-use (RFC 7523 §3)"}
	}
	if err != nil {
		return storeError("spend client assertion", err)
	}
	return nil
}

// jwksCache keeps the parsed inline JWK Sets of clients, each as long as
// the client's record carries the same JSON.
type jwksCache struct {
	mu sync.Mutex
	m  map[string]parsedJWKS
}

type parsedJWKS struct {
	raw string
	set *jose.JSONWebKeySet
}

// maxParsedJWKS bounds the cache; past it, it starts over.
const maxParsedJWKS = 4096

func (j *jwksCache) get(clientID string, raw []byte) (*jose.JSONWebKeySet, error) {
	j.mu.Lock()
	p, ok := j.m[clientID]
	j.mu.Unlock()
	if ok && p.raw == string(raw) {
		return p.set, nil
	}
	set, err := token.ParseClientJWKS(raw, false)
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	if j.m == nil || len(j.m) >= maxParsedJWKS {
		j.m = make(map[string]parsedJWKS)
	}
	j.m[clientID] = parsedJWKS{raw: string(raw), set: set}
	j.mu.Unlock()
	return set, nil
}
