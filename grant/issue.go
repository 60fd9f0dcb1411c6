package grant

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
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
}

// issueAccess mints an access token of the client's format.
//
// A client_credentials JWT is self-contained and costs no database write;
// a JWT of a family is recorded (by jti) so that revoking the family can
// revoke it; an opaque token is always recorded, by keyed hash only.
func (e *Engine) issueAccess(ctx context.Context, c *tokenmint.Client, g accessGrant, shape func(*JWT)) (*TokenResponse, error) {
	now := e.now()
	ttl := c.EffectiveAccessTTL()
	rec := tokenmint.AccessToken{
		Format:     c.TokenFormat,
		ClientID:   c.ID,
		Subject:    g.subject,
		Scopes:     g.scopes,
		Audience:   e.audience(c),
		FamilyID:   g.familyID,
		IssuedAt:   now,
		ExpiresAt:  now.Add(ttl),
		IdleTTL:    c.IdleTTL,
		LastUsedAt: now,
	}
	var raw string
	if c.TokenFormat == tokenmint.FormatOpaque {
		raw = token.Generate(token.PrefixAccessToken)
		rec.ID = e.cfg.Tokens.ID(raw)
	} else {
		var err error
		if raw, rec.ID, err = e.signAccessJWT(c, &rec, shape); err != nil {
			return nil, err
		}
	}
	if rec.Format == tokenmint.FormatOpaque || rec.FamilyID != "" {
		if err := e.cfg.Store.CreateAccessToken(ctx, rec); err != nil {
			return nil, storeError("store access token", err)
		}
	}
	return &TokenResponse{
		AccessToken: raw,
		TokenType:   "Bearer",
		ExpiresIn:   ttl,
		Scopes:      g.scopes,
		Format:      rec.Format,
	}, nil
}

// signAccessJWT signs an RFC 9068 access token for rec.
func (e *Engine) signAccessJWT(c *tokenmint.Client, rec *tokenmint.AccessToken, shape func(*JWT)) (raw, jti string, err error) {
	claims := &token.Claims{
		Issuer:    e.cfg.Issuer,
		Subject:   rec.Subject,
		Audience:  rec.Audience,
		ExpiresAt: rec.ExpiresAt,
		IssuedAt:  rec.IssuedAt,
		NotBefore: rec.IssuedAt,
		ID:        token.NewID(),
		ClientID:  c.ID,
		Scope:     oauth.JoinScope(rec.Scopes),
		Extra:     customClaims(c),
	}
	j := &JWT{Alg: e.alg(c), Claims: claims}
	if shape != nil {
		shape(j)
	}
	raw, err = e.cfg.Keys.Sign(j.Alg, j.Claims, j.Options)
	if err != nil {
		return "", "", serverError("sign access token", err)
	}
	return raw, claims.ID, nil
}

func (e *Engine) alg(c *tokenmint.Client) string {
	if c.SigningAlg != "" {
		return c.SigningAlg
	}
	return e.cfg.DefaultAlg
}

// audience is the client's configured audience, else the issuer itself.
func (e *Engine) audience(c *tokenmint.Client) []string {
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

// newFamily starts a family for an authorization by subject of c.
func (e *Engine) newFamily(ctx context.Context, c *tokenmint.Client, id, subject string, scopes []string, authTime time.Time) (tokenmint.Family, error) {
	now := e.now()
	f := tokenmint.Family{
		ID:        id,
		ClientID:  c.ID,
		Subject:   subject,
		Scopes:    scopes,
		AuthTime:  authTime,
		CreatedAt: now,
		ExpiresAt: now.Add(c.EffectiveRefreshTTL()),
	}
	if err := e.cfg.Store.CreateFamily(ctx, f); err != nil {
		return f, storeError("create token family", err)
	}
	return f, nil
}

// newRefreshToken returns a fresh refresh token of family f and its
// record; the record ends with the family.
func (e *Engine) newRefreshToken(f tokenmint.Family, scopes []string) (string, tokenmint.RefreshToken) {
	raw := token.Generate(token.PrefixRefreshToken)
	return raw, tokenmint.RefreshToken{
		ID:        e.cfg.Tokens.ID(raw),
		FamilyID:  f.ID,
		ClientID:  f.ClientID,
		Subject:   f.Subject,
		Scopes:    scopes,
		IssuedAt:  e.now(),
		ExpiresAt: f.ExpiresAt,
	}
}

// userTokens issues what a user-facing grant returns: an access token of
// the family, a refresh token when the client has that grant, and an ID
// token when "openid" was granted (OIDC Core §3.1.3.3).
func (e *Engine) userTokens(ctx context.Context, c *tokenmint.Client, f tokenmint.Family, scopes []string, nonce string, shape func(*JWT)) (*TokenResponse, error) {
	resp, err := e.issueAccess(ctx, c, accessGrant{subject: f.Subject, scopes: scopes, familyID: f.ID}, shape)
	if err != nil {
		return nil, err
	}
	if c.HasGrant(tokenmint.GrantRefreshToken) {
		raw, rec := e.newRefreshToken(f, scopes)
		if err := e.cfg.Store.CreateRefreshToken(ctx, rec); err != nil {
			return nil, storeError("store refresh token", err)
		}
		resp.RefreshToken = raw
	}
	if slices.Contains(scopes, "openid") {
		if resp.IDToken, err = e.idToken(ctx, c, f, scopes, nonce, resp.AccessToken); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// atHash is the OIDC Core §3.1.3.6 access token hash for RS256/ES256: the
// left half of SHA-256 of the token, base64url-encoded.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
