package grant

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// maxExchangeAudiences bounds the audience parameters of one request.
const maxExchangeAudiences = 8

// party is the subject or the actor of a token exchange, from its
// verified token.
type party struct {
	subject   string // the sub of the token to issue, or of the act claim
	issuer    string // its issuer: this server's, or a trusted one
	scopes    []string
	expiresAt time.Time
	act       any // the token's own act claim (RFC 8693 §4.1), if any
	mayAct    any // its may_act claim (§4.4), if any
}

// tokenExchange implements RFC 8693 §2: the client exchanges a subject
// token for an access token of its own, for the audiences and resources
// its policy allows (§2.1 audience, RFC 8707 resource; others are
// invalid_target, §2.2.2).
//
//   - The subject token is a tokenmint access token, JWT or opaque, active
//     as introspection would report it and one the client may introspect
//     (issued to it, or meant for it by client ID or resource), when the
//     client's TokenExchangeSubjectIssuers include IssuerSelf; or a JWT
//     of an issuer the client trusts and lists there, verified as the
//     JWT bearer grant does, but not spent (a subject token is a bearer
//     token other services see too).
//   - An actor token, when given, is verified alike; the token issued
//     carries an act claim naming its subject, with the subject token's
//     own act nested under it (§4.1); a may_act claim of the subject
//     token must name the actor (§4.4).
//   - Scopes: those requested, within the subject token's (a trusted
//     issuer's: the trust's) and the client's; else all of that.
//   - requested_token_type: access_token, or jwt for a client of JWT
//     tokens; issued_token_type says which. No refresh token (§2.2.1
//     allows one; an exchanged token lasts no longer than its subject).
//   - Lifetime: the client's, never beyond the subject token's expiry
//     nor the actor token's.
//
// A subject or actor token that is invalid, inactive or refused by the
// client's policy is invalid_request, as §2.2.2 requires.
func (e *Engine) tokenExchange(ctx context.Context, c *tokenmint.Client, req *TokenRequest) (*TokenResponse, error) {
	issued, err := exchangeRequestCheck(c, req)
	if err != nil {
		return nil, err
	}
	subj, err := e.exchangeParty(ctx, c, req.SubjectToken, req.SubjectTokenType, "subject_token")
	if err != nil {
		return nil, err
	}
	g := accessGrant{subject: subj.subject, resources: req.Resources, notAfter: subj.expiresAt, jkt: req.jkt}
	audit := map[string]string{"subject": subj.subject, "subject_issuer": subj.issuer}
	if req.ActorToken != "" {
		act, err := e.exchangeParty(ctx, c, req.ActorToken, req.ActorTokenType, "actor_token")
		if err != nil {
			return nil, err
		}
		if !mayActAllows(subj.mayAct, act.subject, act.issuer) {
			return nil, oauth.NewError(oauth.InvalidRequest, "the subject token's may_act does not name the actor (RFC 8693 §4.4)")
		}
		actIss := act.issuer
		if actIss == e.cfg.Issuer {
			actIss = ""
		}
		if g.act, err = actClaim(act.subject, actIss, subj.act); err != nil {
			return nil, err
		}
		g.notAfter = earliest(g.notAfter, act.expiresAt)
		audit["actor"] = act.subject
	}
	var ok bool
	if g.scopes, ok = subsetOrAll(oauth.ParseScope(req.Scope), tokenmint.IntersectScopes(subj.scopes, c.Scopes, nil)); !ok {
		return nil, oauth.NewError(oauth.InvalidScope, "the requested scope exceeds the subject token's scope or the client's")
	}
	if g.audience, err = exchangeAudience(c, req); err != nil {
		return nil, err
	}
	resp, err := e.issueAccess(ctx, c, g, req.shape)
	if err != nil {
		return nil, err
	}
	resp.IssuedTokenType, resp.audit = issued, audit
	return resp, nil
}

// exchangeRequestCheck checks the parameters of §2.1 and returns the
// issued_token_type the request asks for.
func exchangeRequestCheck(c *tokenmint.Client, req *TokenRequest) (string, error) {
	switch {
	case req.SubjectToken == "" || req.SubjectTokenType == "":
		return "", oauth.NewError(oauth.InvalidRequest, "subject_token and subject_token_type are required (RFC 8693 §2.1)")
	case req.ActorToken != "" && req.ActorTokenType == "":
		return "", oauth.NewError(oauth.InvalidRequest, "actor_token_type is required with actor_token (RFC 8693 §2.1)")
	case req.ActorToken == "" && req.ActorTokenType != "":
		return "", oauth.NewError(oauth.InvalidRequest, "actor_token_type must not be sent without actor_token (RFC 8693 §2.1)")
	case len(req.Audiences) > maxExchangeAudiences:
		return "", oauth.NewError(oauth.InvalidRequest, "too many audience parameters")
	}
	switch req.RequestedTokenType {
	case "", tokenmint.TokenTypeAccessToken:
		return tokenmint.TokenTypeAccessToken, nil
	case tokenmint.TokenTypeJWT:
		if c.TokenFormat == tokenmint.FormatJWT {
			return tokenmint.TokenTypeJWT, nil
		}
	}
	return "", oauth.NewError(oauth.InvalidRequest, "requested_token_type %q cannot be issued to this client (access_token%s)",
		truncate(req.RequestedTokenType), map[bool]string{true: " or jwt", false: ""}[c.TokenFormat == tokenmint.FormatJWT])
}

// exchangeAudience is the audience of the token to issue: the resources
// and audiences requested, each allowed by the client's policy (its
// Resources, its TokenExchangeAudiences), else invalid_target (§2.2.2);
// nil, the client's default audience, when the request names none.
func exchangeAudience(c *tokenmint.Client, req *TokenRequest) ([]string, error) {
	if err := allowResources(c, req.Resources); err != nil {
		return nil, err
	}
	out := slices.Clone(req.Resources)
	for _, a := range req.Audiences {
		if !slices.Contains(c.TokenExchangeAudiences, a) {
			return nil, oauth.NewError(oauth.InvalidTarget, "audience %q is not one this client may exchange tokens for", truncate(a))
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// exchangeParty verifies a subject or actor token (param names which) of
// type typ: one of this server's access tokens, or a JWT of an issuer
// the client trusts for token exchange.
func (e *Engine) exchangeParty(ctx context.Context, c *tokenmint.Client, raw, typ, param string) (*party, error) {
	if typ != tokenmint.TokenTypeAccessToken && typ != tokenmint.TokenTypeJWT {
		return nil, oauth.NewError(oauth.InvalidRequest, "%s_type must be %s or %s", param, tokenmint.TokenTypeAccessToken, tokenmint.TokenTypeJWT)
	}
	if iss := unverifiedIssuer(raw); iss != "" && iss != e.cfg.Issuer {
		x, err := e.verifyExternal(ctx, c, raw, c.ExchangeIssuers(), jwtCheck{what: param, code: oauth.InvalidRequest})
		if err != nil {
			return nil, err
		}
		return &party{subject: x.subject(), issuer: x.trust.Issuer, scopes: x.trust.Scopes,
			expiresAt: x.claims.Expiry.Time(), act: x.all["act"], mayAct: x.all["may_act"]}, nil
	}
	return e.selfParty(ctx, c, raw, param)
}

// selfParty verifies one of this server's access tokens, as
// introspection would.
func (e *Engine) selfParty(ctx context.Context, c *tokenmint.Client, raw, param string) (*party, error) {
	if !slices.Contains(c.ExchangeIssuers(), tokenmint.IssuerSelf) {
		return nil, oauth.NewError(oauth.InvalidRequest, "this client may not exchange this server's tokens")
	}
	if len(raw) > maxExternalJWTBytes {
		return nil, oauth.NewError(oauth.InvalidRequest, "the %s is too large", param)
	}
	info, err := e.inspectAccess(ctx, raw)
	if err != nil {
		return nil, err
	}
	if !info.Active || !mayInspect(c, info) {
		return nil, oauth.NewError(oauth.InvalidRequest, "the %s is not an active access token of this server issued to or meant for this client", param)
	}
	return &party{subject: info.Subject, issuer: e.cfg.Issuer, scopes: info.Scopes, expiresAt: info.ExpiresAt,
		act: info.Extra["act"], mayAct: info.Extra["may_act"]}, nil
}

// unverifiedIssuer returns the iss of raw when it is a JWS whose payload
// names one, read without verification to choose the keys; "" else.
func unverifiedIssuer(raw string) string {
	if strings.Count(raw, ".") != 2 || len(raw) > maxExternalJWTBytes {
		return ""
	}
	tok, err := jwt.ParseSigned(raw, slices.Concat(externalAlgs, assertionAlgs))
	if err != nil {
		return ""
	}
	var cl struct {
		Issuer string `json:"iss"`
	}
	if tok.UnsafeClaimsWithoutVerification(&cl) != nil {
		return ""
	}
	return cl.Issuer
}

// subsetOrAll returns requested when within allowed, or allowed when
// nothing is requested.
func subsetOrAll(requested, allowed []string) ([]string, bool) {
	if len(requested) == 0 {
		return allowed, true
	}
	return subsetOf(requested, allowed)
}

// earliest returns the earlier of two times, a zero one ignored.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// decodeAct turns the stored act claim of an opaque token into the value
// introspection reports.
func decodeAct(s string) any {
	if s == "" {
		return nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}
