package grant

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// IssuerKeySource fetches the JWK Sets of the external issuers clients
// trust (tokenmint.JWTTrust): the jwks_uri of the issuer's OpenID
// discovery document (the server's is package jwksfetch). refresh asks
// for the set anew, for a kid the cached one lacks; the source may
// decline when it fetched very recently.
type IssuerKeySource interface {
	IssuerKeys(ctx context.Context, issuer string, refresh bool) (*jose.JSONWebKeySet, error)
}

// Bounds of the external JWTs the JWT bearer grant and token exchange
// accept.
const (
	// JWTBearerMaxLifetime is how far in the future a JWT bearer
	// assertion's exp may be (RFC 7523 §3 item 4: "may reject JWTs with
	// an exp claim value that is unreasonably far in the future"): a
	// Kubernetes projected service account token lives an hour by
	// default, a GitHub Actions token minutes.
	JWTBearerMaxLifetime = time.Hour
	// maxExternalJWTBytes bounds what is parsed of an external JWT.
	maxExternalJWTBytes = 16 << 10
)

// externalAlgs are the algorithms an external JWT may be signed with:
// asymmetric only, so that no shared secret exists, and never "none"
// (go-jose refuses any other at parse time).
var externalAlgs = func() []jose.SignatureAlgorithm {
	var out []jose.SignatureAlgorithm
	for _, a := range tokenmint.AssertionAlgsAsymmetric {
		out = append(out, jose.SignatureAlgorithm(a))
	}
	return out
}()

// externalJWT is a verified JWT of a trusted issuer.
type externalJWT struct {
	trust  *tokenmint.JWTTrust
	claims jwt.Claims
	all    map[string]any // every claim, for the trust's conditions and act/may_act
}

// subject is the subject of a token issued for the JWT: the issuer and
// the external sub joined by "#", which no tokenmint user ID or client
// ID holds beside an https issuer, and which no other issuer's subject
// can equal (an issuer has no fragment, so the first "#" ends it).
func (x *externalJWT) subject() string { return x.trust.Issuer + "#" + x.claims.Subject }

// jwtCheck says how an external JWT is checked besides its trust.
type jwtCheck struct {
	what        string        // "assertion", "subject_token", "actor_token": for descriptions
	code        string        // the OAuth error code of a refusal
	maxLifetime time.Duration // bound on exp - now; 0: none
	jtiRequired bool
}

// verifyExternal verifies raw, a JWT of an issuer that c trusts (RFC
// 7523 §3): the issuer trusted (and, when issuers is not nil, among
// them), signed with an asymmetric key of the issuer's JWK Set (fetched
// again once on an unknown kid), aud naming the trust's audience, exp
// present and near enough, nbf and iat not in the future, sub matching
// the trust's pattern and every claim condition holding. Every failure
// is a *oauth.Error of chk.code whose description says what was wrong.
func (e *Engine) verifyExternal(ctx context.Context, c *tokenmint.Client, raw string, issuers []string, chk jwtCheck) (*externalJWT, error) {
	failf := func(desc string) error { return oauth.NewError(chk.code, "%s", desc) }
	if len(raw) > maxExternalJWTBytes {
		return nil, failf("the " + chk.what + " is too large")
	}
	tok, err := jwt.ParseSigned(raw, externalAlgs)
	if err != nil {
		return nil, failf("the " + chk.what + " is not a JWS in compact form signed with an asymmetric algorithm (RFC 7523 §3; never none or HMAC)")
	}
	x := &externalJWT{}
	if err := tok.UnsafeClaimsWithoutVerification(&x.claims, &x.all); err != nil {
		return nil, failf("the " + chk.what + "'s claims are not a JSON object of registered claims (RFC 7519 §4.1)")
	}
	if x.trust = c.TrustFor(x.claims.Issuer); x.trust == nil || (issuers != nil && !slices.Contains(issuers, x.claims.Issuer)) {
		return nil, failf("the " + chk.what + "'s issuer is not trusted for this client")
	}
	if err := e.verifyIssuerSignature(ctx, tok, x.trust.Issuer, chk); err != nil {
		return nil, err
	}
	if desc := e.checkExternalClaims(x, chk); desc != "" {
		return nil, failf(desc)
	}
	if desc := x.trust.MatchClaims(x.claims.Subject, x.all); desc != "" {
		return nil, failf(desc)
	}
	return x, nil
}

// verifyIssuerSignature checks the signature of tok with the issuer's
// keys, fetching them again when none has the JWS's kid (the issuer
// rotated them; the source rate-limits the fetches).
func (e *Engine) verifyIssuerSignature(ctx context.Context, tok *jwt.JSONWebToken, issuer string, chk jwtCheck) error {
	if e.cfg.IssuerKeys == nil {
		return oauth.NewError(chk.code, "this server fetches no external issuer's keys")
	}
	a := &assertion{tok: tok, alg: tok.Headers[0].Algorithm, kid: tok.Headers[0].KeyID}
	set, err := e.issuerKeys(ctx, issuer, false, chk)
	if err != nil {
		return err
	}
	found, err := verifyWithKeys(a, set)
	if err != nil && (!found || a.kid == "") {
		if set, err = e.issuerKeys(ctx, issuer, true, chk); err != nil {
			return err
		}
		_, err = verifyWithKeys(a, set)
	}
	if err != nil {
		e.log.DebugContext(ctx, "external JWT refused", "issuer", issuer, "reason", "signature", "kid", a.kid, "alg", a.alg)
		return oauth.NewError(chk.code, "no key of the issuer verifies the %s's signature", chk.what)
	}
	return nil
}

func (e *Engine) issuerKeys(ctx context.Context, issuer string, refresh bool, chk jwtCheck) (*jose.JSONWebKeySet, error) {
	set, err := e.cfg.IssuerKeys.IssuerKeys(ctx, issuer, refresh)
	switch {
	case errors.Is(err, tokenmint.ErrUnavailable):
		return nil, err
	case err != nil:
		e.log.WarnContext(ctx, "external issuer keys unavailable", "issuer", issuer, "err", err)
		return nil, &oauth.Error{Code: chk.code, Description: "the keys of the " + chk.what + "'s issuer could not be fetched", Cause: err}
	}
	return set, nil
}

// checkExternalClaims checks aud, exp, nbf, iat and jti (RFC 7523 §3
// items 3 to 7) and returns a description, or "".
func (e *Engine) checkExternalClaims(x *externalJWT, chk jwtCheck) string {
	now, cl := e.now(), &x.claims
	switch {
	case !slices.Contains(cl.Audience, x.trust.Audience):
		return "the " + chk.what + "'s aud does not name the audience the client trusts its issuer for (RFC 7523 §3)"
	case cl.Subject == "":
		return "the " + chk.what + " has no sub (RFC 7523 §3)"
	case cl.Expiry == nil:
		return "the " + chk.what + " has no exp (RFC 7523 §3)"
	case !now.Before(cl.Expiry.Time().Add(AssertionSkew)):
		return "the " + chk.what + " has expired"
	case chk.maxLifetime > 0 && cl.Expiry.Time().After(now.Add(chk.maxLifetime+AssertionSkew)):
		return "the " + chk.what + "'s exp is too far ahead: at most an hour"
	case cl.NotBefore != nil && cl.NotBefore.Time().After(now.Add(AssertionSkew)):
		return "the " + chk.what + " is not valid yet (nbf)"
	case cl.IssuedAt != nil && cl.IssuedAt.Time().After(now.Add(AssertionSkew)):
		return "the " + chk.what + " is issued in the future (iat)"
	case len(cl.ID) > maxJTIBytes:
		return "the " + chk.what + "'s jti is too long"
	}
	return ""
}

// actClaim returns the JSON of an act claim (RFC 8693 §4.1) naming the
// actor sub (of issuer iss, "" for tokenmint), with prior, the act claim
// of the subject token, nested under it: "the current actor" is the
// top-level one and "prior actors" are nested, least recent deepest.
func actClaim(sub, iss string, prior any) (string, error) {
	act := map[string]any{"sub": sub}
	if iss != "" {
		act["iss"] = iss
	}
	if m, ok := prior.(map[string]any); ok {
		act["act"] = m
	}
	b, err := json.Marshal(act)
	if err != nil {
		return "", serverError("encode act claim", err)
	}
	return string(b), nil
}

// mayActAllows reports whether the subject token's may_act claim (RFC
// 8693 §4.4), when it has one, names the actor: its sub, and its iss
// when may_act has one. No may_act allows any actor the client's policy
// allows.
func mayActAllows(mayAct any, sub, iss string) bool {
	if mayAct == nil {
		return true
	}
	m, ok := mayAct.(map[string]any)
	if !ok {
		return false
	}
	if s, _ := m["sub"].(string); s != sub {
		return false
	}
	if wantIss, ok := m["iss"].(string); ok && wantIss != iss {
		return false
	}
	return true
}
