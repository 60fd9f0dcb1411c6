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
// carries identity: sub as the client sees it (§8), sid naming the login
// session (Back-Channel Logout §2.1), acr and amr of the sign-in; profile
// and email claims come from UserInfo (§5.4: they go in the ID token only
// when no access token is issued), unless the claims request parameter
// asked for them in the ID token (§5.5).
func (e *Engine) idToken(ctx context.Context, c *tokenmint.Client, f tokenmint.Family, _ []string, nonce, accessToken string) (string, error) {
	now := e.now()
	claims := &token.Claims{
		Issuer:    e.cfg.Issuer,
		Subject:   e.ClientSubject(c, f.Subject),
		Audience:  []string{c.ID},
		ExpiresAt: now.Add(c.EffectiveAccessTTL()),
		IssuedAt:  now,
		AuthTime:  f.AuthTime,
		Nonce:     nonce,
		AtHash:    atHash(accessToken),
	}
	extra, err := e.idTokenExtra(ctx, f)
	if err != nil {
		return "", err
	}
	claims.Extra = extra
	raw, err := e.cfg.Keys.Sign(e.cfg.IDTokenAlg, claims, token.SignOptions{Type: "JWT"})
	if err != nil {
		return "", serverError("sign id token", err)
	}
	return raw, nil
}

// idTokenExtra are the ID token's claims beyond token.Claims: sid, acr,
// amr, and the user claims the id_token member of the claims request
// parameter named.
func (e *Engine) idTokenExtra(ctx context.Context, f tokenmint.Family) (map[string]any, error) {
	m := map[string]any{}
	if sid := e.SessionID(f.SessionID); sid != "" {
		m["sid"] = sid
	}
	if f.ACR != "" {
		m["acr"] = f.ACR
	}
	if len(f.AMR) > 0 {
		m["amr"] = f.AMR
	}
	cr := decodeStoredClaims(f.Claims)
	if cr == nil || len(requestedUserClaims(cr.IDToken)) == 0 {
		return m, nil
	}
	u, err := e.cfg.Store.GetUser(ctx, f.Subject)
	if err != nil {
		return nil, storeError("id token: get user", err)
	}
	for k, v := range userClaims(&u, nil, requestedUserClaims(cr.IDToken)) {
		if k != "sub" {
			m[k] = v
		}
	}
	return m, nil
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
	userID, err := e.localUser(ctx, info)
	if err != nil {
		return nil, err
	}
	u, err := e.cfg.Store.GetUser(ctx, userID)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil, oauth.NewError(oauth.InvalidToken, "the user of this token no longer exists")
	}
	if err != nil {
		return nil, storeError("userinfo", err)
	}
	requested, err := e.userInfoRequested(ctx, info)
	if err != nil {
		return nil, err
	}
	m := userClaims(&u, info.Scopes, requested)
	m["sub"] = info.Subject // as the client sees it (OIDC Core §8)
	return m, nil
}

// userInfoRequested lists the user claims the userinfo member of the
// grant's claims request parameter named (OIDC Core §5.5), read from the
// token's family; none for a token of no family.
func (e *Engine) userInfoRequested(ctx context.Context, info *Introspection) ([]string, error) {
	familyID, err := e.accessFamily(ctx, info)
	if err != nil || familyID == "" {
		return nil, err
	}
	f, err := e.cfg.Store.GetFamily(ctx, familyID)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, storeError("userinfo: get family", err)
	}
	if cr := decodeStoredClaims(f.Claims); cr != nil {
		return requestedUserClaims(cr.UserInfo), nil
	}
	return nil, nil
}

// userClaims maps a user to the standard claims of OIDC Core §5.1 that
// the granted scopes allow (§5.4), and those named in requested (the
// claims request parameter, §5.5), whatever the scopes.
func userClaims(u *tokenmint.User, scopes, requested []string) map[string]any {
	m := map[string]any{"sub": u.ID}
	want := func(scope, claim string) bool {
		return slices.Contains(scopes, scope) || slices.Contains(requested, claim)
	}
	if want("profile", "preferred_username") {
		m["preferred_username"] = u.Username
	}
	if want("profile", "name") && u.Name != "" {
		m["name"] = u.Name
	}
	if want("profile", "updated_at") {
		m["updated_at"] = u.UpdatedAt.Unix()
	}
	if want("email", "email") && u.Email != "" {
		m["email"] = u.Email
	}
	if want("email", "email_verified") && u.Email != "" {
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
