package grant

import (
	"context"
	"errors"
	"slices"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// refresh implements RFC 6749 §6 with refresh token rotation: every use
// returns a new refresh token and spends the old one. Presenting a spent
// token again means two parties hold it, so the whole family is revoked
// (RFC 9700 §4.14.2, "refresh token rotation" with reuse detection).
func (e *Engine) refresh(ctx context.Context, c *tokenmint.Client, req *TokenRequest) (*TokenResponse, error) {
	if req.RefreshToken == "" {
		return nil, oauth.NewError(oauth.InvalidRequest, "missing refresh_token")
	}
	id := e.cfg.Tokens.ID(req.RefreshToken)
	old, err := e.cfg.Store.GetRefreshToken(ctx, id)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil, invalidGrant("the refresh token is invalid, expired or revoked")
	}
	if err != nil {
		return nil, storeError("get refresh token", err)
	}
	if old.ClientID != c.ID {
		return nil, invalidGrant("the refresh token was issued to another client")
	}
	if !old.UsedAt.IsZero() {
		return nil, e.reused(ctx, req, old)
	}
	fam, err := e.liveFamily(ctx, old.FamilyID)
	if err != nil {
		return nil, err
	}
	if err := checkRefreshBinding(&fam, req.jkt); err != nil {
		return nil, err
	}
	if err := checkFamilyCert(&fam, req.Client.Certificate); err != nil {
		return nil, err
	}
	scopes, err := narrowScopes(c, old.Scopes, req.Scope)
	if err != nil {
		return nil, err
	}
	// "the authorization server may use the resource parameter of the
	// refresh request to narrow the audience" (RFC 8707 §2.2): of the
	// family's resources, never another; the refresh token keeps them all.
	resources, err := narrowResources(c, fam.Resources, req.Resources)
	if err != nil {
		return nil, err
	}
	ictx, span := e.startSpan(ctx, SpanIssueToken)
	resp, err := e.rotate(ictx, c, req, id, old, fam, scopes, resources)
	endSpan(span, err)
	return resp, err
}

// rotate mints and signs the tokens of a refresh, then spends the old
// refresh token and records the new ones.
func (e *Engine) rotate(ctx context.Context, c *tokenmint.Client, req *TokenRequest, id string, old tokenmint.RefreshToken, fam tokenmint.Family, scopes, resources []string) (*TokenResponse, error) {
	// Everything is minted (and signed) first, so that one transaction
	// spends the old token and records the new ones, or does nothing.
	raw, next := e.newRefreshToken(fam, scopes)
	accessRaw, access := e.newAccess(c, accessGrant{subject: fam.Subject, scopes: scopes, familyID: fam.ID, resources: resources, jkt: req.jkt, x5t: req.x5t})
	resp, err := e.accessResponse(c, accessRaw, &access, req.shape)
	if err != nil {
		return nil, err
	}
	if slices.Contains(scopes, "openid") {
		if resp.IDToken, err = e.idToken(ctx, c, fam, scopes, "", resp.AccessToken); err != nil {
			return nil, err
		}
	}
	if _, err := e.cfg.Store.RotateRefreshToken(ctx, id, e.now(), next, &access); err != nil {
		if errors.Is(err, tokenmint.ErrAlreadyUsed) {
			return nil, e.reused(ctx, req, old) // lost a race with another use
		}
		if errors.Is(err, tokenmint.ErrNotFound) {
			return nil, invalidGrant("the refresh token is invalid, expired or revoked")
		}
		return nil, storeError("rotate refresh token", err)
	}
	resp.RefreshToken = raw
	return resp, nil
}

// reused revokes the family of a refresh token presented twice.
func (e *Engine) reused(ctx context.Context, req *TokenRequest, old tokenmint.RefreshToken) error {
	if err := e.cfg.Store.RevokeFamily(ctx, old.FamilyID, e.now()); err != nil {
		return storeError("revoke family on refresh token reuse", err)
	}
	e.log.WarnContext(ctx, "refresh token reused: family revoked", "client_id", old.ClientID, "family_id", old.FamilyID)
	e.auditFamilyRevoked(ctx, req, tokenmint.AuditRefreshReuse, old.ClientID, old.Subject, old.FamilyID)
	return invalidGrant("the refresh token was already used; every token of this authorization is now revoked")
}

// liveFamily returns the family if it is neither revoked nor expired.
func (e *Engine) liveFamily(ctx context.Context, id string) (tokenmint.Family, error) {
	f, err := e.cfg.Store.GetFamily(ctx, id)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return f, invalidGrant("the refresh token is invalid, expired or revoked")
	}
	if err != nil {
		return f, storeError("get token family", err)
	}
	if !f.RevokedAt.IsZero() || !e.now().Before(f.ExpiresAt) {
		return f, invalidGrant("the refresh token is expired or revoked")
	}
	return f, nil
}

// narrowScopes applies RFC 6749 §6: a refresh may ask for the same scope
// or less, never more; none requested means the same. A client with
// IntersectScopes gets the granted part of what it asks for (all of the
// grant when no part of it was granted), as at authorization.
func narrowScopes(c *tokenmint.Client, granted []string, requested string) ([]string, error) {
	req := oauth.ParseScope(requested)
	if len(req) == 0 {
		return granted, nil
	}
	if c.IntersectScopes {
		return tokenmint.IntersectScopes(req, granted, granted), nil
	}
	for _, s := range req {
		if !slices.Contains(granted, s) {
			return nil, oauth.NewError(oauth.InvalidScope, "scope %q was not granted to this refresh token", truncate(s))
		}
	}
	return req, nil
}
