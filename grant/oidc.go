package grant

import (
	"context"
	"errors"
	"slices"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// idToken signs an OpenID Connect ID token (OIDC Core §2, §3.1.3.6). It
// carries identity only; profile and email claims come from UserInfo
// (§5.4: they go in the ID token only when no access token is issued).
func (e *Engine) idToken(_ context.Context, c *tokenmint.Client, f tokenmint.Family, _ []string, nonce, accessToken string) (string, error) {
	now := e.now()
	claims := &token.Claims{
		Issuer:    e.cfg.Issuer,
		Subject:   f.Subject,
		Audience:  []string{c.ID},
		ExpiresAt: now.Add(c.EffectiveAccessTTL()),
		IssuedAt:  now,
		AuthTime:  f.AuthTime,
		Nonce:     nonce,
		AtHash:    atHash(accessToken),
	}
	raw, err := e.cfg.Keys.Sign(e.cfg.IDTokenAlg, claims, token.SignOptions{Type: "JWT"})
	if err != nil {
		return "", serverError("sign id token", err)
	}
	return raw, nil
}

// UserInfo answers the OIDC UserInfo endpoint (OIDC Core §5.3) for a
// bearer access token: "sub" always, profile and email claims when those
// scopes were granted. The token must carry "openid".
func (e *Engine) UserInfo(ctx context.Context, accessToken string) (map[string]any, error) {
	return e.UserInfoFor(ctx, Presentation{Token: accessToken})
}

// UserInfoFor is UserInfo for a token presented with either scheme: a
// DPoP-bound token with the DPoP scheme and its proof (RFC 9449 §7).
func (e *Engine) UserInfoFor(ctx context.Context, p Presentation) (map[string]any, error) {
	info, err := e.ValidatePresentation(ctx, p)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(info.Scopes, "openid") {
		return nil, oauth.NewError(oauth.InsufficientScope, "the access token was not granted the openid scope")
	}
	u, err := e.cfg.Store.GetUser(ctx, info.Subject)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil, oauth.NewError(oauth.InvalidToken, "the user of this token no longer exists")
	}
	if err != nil {
		return nil, storeError("userinfo", err)
	}
	return userClaims(&u, info.Scopes), nil
}

// userClaims maps a user to the standard claims of OIDC Core §5.1 that
// the granted scopes allow (§5.4).
func userClaims(u *tokenmint.User, scopes []string) map[string]any {
	m := map[string]any{"sub": u.ID}
	if slices.Contains(scopes, "profile") {
		m["preferred_username"] = u.Username
		if u.Name != "" {
			m["name"] = u.Name
		}
		m["updated_at"] = u.UpdatedAt.Unix()
	}
	if slices.Contains(scopes, "email") && u.Email != "" {
		m["email"] = u.Email
		// tokenmint does not verify addresses; say so rather than guess.
		m["email_verified"] = false
	}
	return m
}

// ValidateBearer checks an access token presented to a resource served by
// tokenmint itself (UserInfo, platform "me" endpoints), per RFC 6750:
// any failure is invalid_token. It counts as a use of the token. A
// sender-constrained token is refused: a DPoP-bound one, and a
// certificate-bound one, which no certificate here can match (RFC 8705
// §3; ValidatePresentation takes the connection's).
func (e *Engine) ValidateBearer(ctx context.Context, raw string) (*Introspection, error) {
	return e.ValidatePresentation(ctx, Presentation{Token: raw})
}

// validateBearer is ValidateBearer without the certificate check.
func (e *Engine) validateBearer(ctx context.Context, raw string) (*Introspection, error) {
	if raw == "" {
		return nil, &oauth.Error{Code: oauth.InvalidToken, Description: "an access token is required", Status: 401}
	}
	info, err := e.inspectAccess(ctx, raw)
	if err != nil {
		return nil, err
	}
	if !info.Active {
		return nil, oauth.NewError(oauth.InvalidToken, "the access token is invalid, expired or revoked")
	}
	if info.Confirmation.JKT != "" {
		return nil, ErrDPoPBoundAsBearer
	}
	return info, nil
}
