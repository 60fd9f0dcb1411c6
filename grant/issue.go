package grant

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// accessGrant is what an access token is issued for.
type accessGrant struct {
	subject  string
	scopes   []string
	familyID string // "" for client_credentials
	// resources are the resource indicators the token is for (RFC 8707),
	// its audience; none: the client's configured audience.
	resources []string
	// jkt is the thumbprint of the DPoP key the token is bound to (RFC
	// 9449 §6), "" for a bearer token.
	jkt string
	// x5t is the thumbprint of the client certificate the token is bound
	// to (RFC 8705 §3); "" for none.
	x5t string
}

// issueAccess mints an access token of the client's format.
//
// A client_credentials JWT is self-contained and costs no database write;
// a JWT of a family is recorded (by jti) so that revoking the family can
// revoke it; an opaque token is always recorded, by keyed hash only.
func (e *Engine) issueAccess(ctx context.Context, c *tokenmint.Client, g accessGrant, shape func(*JWT)) (_ *TokenResponse, err error) {
	ctx, span := e.startSpan(ctx, SpanIssueToken)
	defer func() { endSpan(span, err) }()
	raw, rec := e.newAccess(c, g)
	resp, err := e.accessResponse(c, raw, &rec, shape)
	if err != nil {
		return nil, err
	}
	if recorded(&rec) {
		if err := e.cfg.Store.CreateAccessToken(ctx, rec); err != nil {
			return nil, storeError("store access token", err)
		}
	}
	return resp, nil
}

// newAccess returns the record of a new access token of the client's
// format and, for an opaque token, the token, whose keyed hash is the
// record's ID. A JWT's ID is its jti, chosen here so that the record can
// be stored before or after accessResponse signs it.
func (e *Engine) newAccess(c *tokenmint.Client, g accessGrant) (raw string, rec tokenmint.AccessToken) {
	now := e.now()
	rec = tokenmint.AccessToken{
		Format:     c.TokenFormat,
		ClientID:   c.ID,
		Subject:    g.subject,
		Scopes:     g.scopes,
		Audience:   e.audience(c, g.resources),
		FamilyID:   g.familyID,
		IssuedAt:   now,
		ExpiresAt:  now.Add(c.EffectiveAccessTTL()),
		IdleTTL:    c.IdleTTL,
		LastUsedAt: now,
	}
	rec.Confirmation.JKT = g.jkt
	rec.Confirmation.X5TS256 = g.x5t
	if c.TokenFormat == tokenmint.FormatOpaque {
		raw = token.GenerateTimed(token.PrefixAccessToken, now)
		rec.ID = e.cfg.Tokens.ID(raw)
	} else {
		rec.ID = token.NewTimedID(now)
	}
	return raw, rec
}

// recorded reports whether an access token's record is stored: always
// for an opaque token, for a JWT only when it belongs to a family.
func recorded(rec *tokenmint.AccessToken) bool {
	return rec.Format == tokenmint.FormatOpaque || rec.FamilyID != ""
}

// accessResponse answers with the access token of rec: raw when opaque,
// else the JWT signed now.
func (e *Engine) accessResponse(c *tokenmint.Client, raw string, rec *tokenmint.AccessToken, shape func(*JWT)) (*TokenResponse, error) {
	if rec.Format != tokenmint.FormatOpaque {
		var err error
		if raw, err = e.signAccessJWT(c, rec, shape); err != nil {
			return nil, err
		}
	}
	resp := &TokenResponse{
		AccessToken: raw,
		TokenType:   tokenType(rec.Confirmation),
		ExpiresIn:   c.EffectiveAccessTTL(),
		Scopes:      rec.Scopes,
		Format:      rec.Format,
		family:      rec.FamilyID,
	}
	if rec.Format != tokenmint.FormatOpaque {
		resp.jti = rec.ID
	}
	if rec.FamilyID != "" {
		resp.userID = rec.Subject
	}
	return resp, nil
}

// errJTIChanged: a Shape changed the jti its token is recorded by.
var errJTIChanged = errors.New("shape changed the jti of an access token")

// signAccessJWT signs an RFC 9068 access token for rec, with rec.ID as
// its jti.
func (e *Engine) signAccessJWT(c *tokenmint.Client, rec *tokenmint.AccessToken, shape func(*JWT)) (string, error) {
	claims := &token.Claims{
		Issuer:    e.cfg.Issuer,
		Subject:   rec.Subject,
		Audience:  rec.Audience,
		ExpiresAt: rec.ExpiresAt,
		IssuedAt:  rec.IssuedAt,
		NotBefore: rec.IssuedAt,
		ID:        rec.ID,
		ClientID:  c.ID,
		Scope:     oauth.JoinScope(rec.Scopes),
		Extra:     customClaims(c),
	}
	if !rec.Confirmation.IsZero() {
		claims.Confirmation = &token.Confirmation{JKT: rec.Confirmation.JKT, X5TS256: rec.Confirmation.X5TS256}
	}
	j := &JWT{Alg: e.alg(c), Claims: claims}
	if shape != nil {
		shape(j)
		if j.Claims.ID != rec.ID {
			return "", serverError("sign access token", errJTIChanged)
		}
	}
	raw, err := e.cfg.Keys.Sign(j.Alg, j.Claims, j.Options)
	if err != nil {
		return "", serverError("sign access token", err)
	}
	return raw, nil
}

func (e *Engine) alg(c *tokenmint.Client) string {
	if c.SigningAlg != "" {
		return c.SigningAlg
	}
	return e.cfg.DefaultAlg
}

// audience is the "aud" of an access token for resources: the resource
// indicators the request named (RFC 8707 §2: the token is
// "audience-restricted" to them), else the client's configured audience,
// else the issuer itself.
func (e *Engine) audience(c *tokenmint.Client, resources []string) []string {
	if len(resources) > 0 {
		return resources
	}
	if len(c.Audience) > 0 {
		return c.Audience
	}
	return []string{e.cfg.Issuer}
}

func customClaims(c *tokenmint.Client) map[string]any {
	if len(c.Claims) == 0 {
		return nil
	}
	m := make(map[string]any, len(c.Claims))
	for k, v := range c.Claims {
		m[k] = v
	}
	return m
}

// family returns a new family for an authorization by subject of c, for
// the resource indicators resources (nil for none).
func (e *Engine) family(c *tokenmint.Client, id, subject string, scopes, resources []string, authTime time.Time) tokenmint.Family {
	now := e.now()
	return tokenmint.Family{
		ID:        id,
		ClientID:  c.ID,
		Subject:   subject,
		Scopes:    scopes,
		Resources: resources,
		AuthTime:  authTime,
		CreatedAt: now,
		ExpiresAt: now.Add(c.EffectiveRefreshTTL()),
	}
}

// newRefreshToken returns a fresh refresh token of family f and its
// record; the record ends with the family.
func (e *Engine) newRefreshToken(f tokenmint.Family, scopes []string) (string, tokenmint.RefreshToken) {
	now := e.now()
	raw := token.GenerateTimed(token.PrefixRefreshToken, now)
	return raw, tokenmint.RefreshToken{
		ID:        e.cfg.Tokens.ID(raw),
		FamilyID:  f.ID,
		ClientID:  f.ClientID,
		Subject:   f.Subject,
		Scopes:    scopes,
		IssuedAt:  now,
		ExpiresAt: f.ExpiresAt,
	}
}

// userIssue is what a user-facing grant issues for a family: the records
// to store and the credentials to answer with.
type userIssue struct {
	family     tokenmint.Family
	scopes     []string
	nonce      string
	access     tokenmint.AccessToken
	accessRaw  string                  // an opaque token; a JWT is signed by userResponse
	refresh    *tokenmint.RefreshToken // nil without the refresh_token grant
	refreshRaw string
}

// newUserIssue prepares an access token of family f for resources (see
// accessGrant), bound to cnf (a DPoP key, a client certificate), and a
// refresh token when the client has that grant. It does no I/O.
func (e *Engine) newUserIssue(c *tokenmint.Client, f tokenmint.Family, scopes, resources []string, nonce string, cnf tokenmint.Confirmation) userIssue {
	u := userIssue{family: f, scopes: scopes, nonce: nonce}
	u.accessRaw, u.access = e.newAccess(c, accessGrant{subject: f.Subject, scopes: scopes, familyID: f.ID, resources: resources, jkt: cnf.JKT, x5t: cnf.X5TS256})
	if c.HasGrant(tokenmint.GrantRefreshToken) {
		raw, rec := e.newRefreshToken(f, scopes)
		u.refreshRaw, u.refresh = raw, &rec
	}
	return u
}

// issuance is what the store keeps of u, family included.
func (u *userIssue) issuance() tokenmint.Issuance {
	return tokenmint.Issuance{Family: &u.family, Refresh: u.refresh, Access: &u.access}
}

// userResponse answers with what a user-facing grant returns: the access
// token, the refresh token if any, and an ID token when "openid" was
// granted (OIDC Core §3.1.3.3).
func (e *Engine) userResponse(ctx context.Context, c *tokenmint.Client, u *userIssue, shape func(*JWT)) (*TokenResponse, error) {
	resp, err := e.accessResponse(c, u.accessRaw, &u.access, shape)
	if err != nil {
		return nil, err
	}
	resp.RefreshToken = u.refreshRaw
	if slices.Contains(u.scopes, "openid") {
		if resp.IDToken, err = e.idToken(ctx, c, u.family, u.scopes, u.nonce, resp.AccessToken); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// familyTokens issues the tokens of a new family f, not yet stored (the
// password grant): signed first, then the family and its records stored
// in one transaction, so that a failure leaves no family without tokens.
func (e *Engine) familyTokens(ctx context.Context, c *tokenmint.Client, f tokenmint.Family, scopes []string, cnf tokenmint.Confirmation, shape func(*JWT)) (_ *TokenResponse, err error) {
	ctx, span := e.startSpan(ctx, SpanIssueToken)
	defer func() { endSpan(span, err) }()
	f.Confirmation = familyConfirmation(c, cnf)
	u := e.newUserIssue(c, f, scopes, f.Resources, "", cnf)
	resp, err := e.userResponse(ctx, c, &u, shape)
	if err != nil {
		return nil, err
	}
	if err := e.cfg.Store.CreateIssuance(ctx, u.issuance()); err != nil {
		return nil, storeError("store token family", err)
	}
	return resp, nil
}

// tokenType is the token_type of an access token bound by cnf (RFC 9449
// §5: "DPoP" for a DPoP-bound token).
func tokenType(cnf tokenmint.Confirmation) string {
	if cnf.JKT != "" {
		return "DPoP"
	}
	return "Bearer"
}

// atHash is the OIDC Core §3.1.3.6 access token hash for RS256/ES256: the
// left half of SHA-256 of the token, base64url-encoded.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
