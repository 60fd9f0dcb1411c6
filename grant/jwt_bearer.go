package grant

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// jwtBearer implements the JWT bearer grant (RFC 7523 §2.1) as workload
// identity federation: the assertion is a JWT an external issuer the
// client trusts (tokenmint.JWTTrust) signed about a workload, a CI job or
// a service account, which so needs no stored secret. It is verified by
// verifyExternal (RFC 7523 §3), its exp at most JWTBearerMaxLifetime
// ahead, and spent once on every instance (§3 item 7, Store.UseOnce).
//
// The token's subject is the issuer and the external sub joined by "#"
// (externalJWT.subject), so that it cannot be a tokenmint user's; its
// scopes are those requested within the trust's Scopes, or all of them;
// its lifetime is the client's (not the assertion's: a workload's JWT
// lives minutes). No refresh token is issued (a workload asks again with
// a new JWT).
//
// The client authenticates as it registered (RFC 7523 §3.1 allows both):
// a confidential client with its credentials, or a public client (none)
// by client_id alone, for which the assertion is the only proof; the
// trust's required audience and subject pattern are then what stands
// between a stranger's workload and the token, hence an audience of its
// own and a subject pattern not only "*" (Client.Validate).
func (e *Engine) jwtBearer(ctx context.Context, c *tokenmint.Client, req *TokenRequest) (*TokenResponse, error) {
	if req.Assertion == "" {
		return nil, oauth.NewError(oauth.InvalidRequest, "missing assertion (RFC 7523 §2.1)")
	}
	x, err := e.verifyExternal(ctx, c, req.Assertion, nil, jwtCheck{
		what: "assertion", code: oauth.InvalidGrant, maxLifetime: JWTBearerMaxLifetime,
	})
	if err != nil {
		return nil, err
	}
	scopes, ok := trustScopes(x.trust, c, oauth.ParseScope(req.Scope))
	if !ok {
		return nil, oauth.NewError(oauth.InvalidScope, "the requested scope exceeds what the client's trust of this issuer grants")
	}
	if err := allowResources(c, req.Resources); err != nil {
		return nil, err
	}
	if err := e.spendAssertion(ctx, x, req.Assertion); err != nil {
		return nil, err
	}
	resp, err := e.issueAccess(ctx, c, accessGrant{subject: x.subject(), scopes: scopes, resources: req.Resources, jkt: req.jkt}, req.shape)
	if err != nil {
		return nil, err
	}
	resp.audit = map[string]string{"subject": x.subject(), "subject_issuer": x.trust.Issuer}
	return resp, nil
}

// trustScopes returns the scopes to grant a JWT of trust t: the
// requested ones when all are within t.Scopes and the client's scopes,
// else all of t's when none are requested.
func trustScopes(t *tokenmint.JWTTrust, c *tokenmint.Client, requested []string) ([]string, bool) {
	allowed := tokenmint.IntersectScopes(t.Scopes, c.Scopes, nil)
	if len(requested) == 0 {
		return allowed, true
	}
	return subsetOf(requested, allowed)
}

// subsetOf returns requested when every scope of it is in allowed.
func subsetOf(requested, allowed []string) ([]string, bool) {
	for _, s := range requested {
		if !slices.Contains(allowed, s) {
			return nil, false
		}
	}
	return requested, true
}

// spendAssertion records the assertion as used until it expires (RFC
// 7523 §3 item 7), keyed by a hash of its issuer and jti, or of the
// whole assertion when it has no jti (a Kubernetes token before 1.29):
// the same JWT is then refused, though the issuer could mint another
// with the same claims in the same second, which is not a replay of
// this one.
func (e *Engine) spendAssertion(ctx context.Context, x *externalJWT, raw string) error {
	material := "jti\x00" + x.trust.Issuer + "\x00" + x.claims.ID
	if x.claims.ID == "" {
		material = "jwt\x00" + raw
	}
	sum := sha256.Sum256([]byte(material))
	key := base64.RawURLEncoding.EncodeToString(sum[:])
	err := e.cfg.Store.UseOnce(ctx, tokenmint.ReplayJWTBearer, key, e.now(), x.claims.Expiry.Time().Add(AssertionSkew))
	if errors.Is(err, tokenmint.ErrAlreadyUsed) {
		return oauth.NewError(oauth.InvalidGrant, "the assertion was used before: it is single-use (RFC 7523 §3)")
	}
	if err != nil {
		return storeError("spend jwt bearer assertion", err)
	}
	return nil
}
