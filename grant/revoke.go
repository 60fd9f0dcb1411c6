package grant

import (
	"context"
	"errors"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// RevokeRequest is an RFC 7009 §2.1 request.
type RevokeRequest struct {
	Client        Credentials
	Token         string
	TokenTypeHint string
}

// Revoke implements RFC 7009. The client must authenticate (public clients
// by client_id) and may revoke only tokens issued to it (§2.1: "the
// authorization server ... verifies whether the token was issued to the
// client making the revocation request"). Unknown, invalid or already
// revoked tokens succeed silently (§2.2). Revoking a refresh token
// revokes its whole family, access tokens included (§2.1: "If the token
// passed to the request is a refresh token ... the authorization server
// SHOULD also invalidate all access tokens based on the same
// authorization grant").
func (e *Engine) Revoke(ctx context.Context, req RevokeRequest) error {
	caller, err := e.AuthenticateClient(ctx, req.Client)
	if err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(req.Token, token.PrefixRefreshToken):
		return e.revokeRefresh(ctx, caller, req.Token)
	case strings.HasPrefix(req.Token, token.PrefixAccessToken):
		return e.revokeOpaque(ctx, caller, req.Token)
	case strings.Count(req.Token, ".") == 2:
		return e.revokeJWT(ctx, caller, req.Token)
	}
	return nil
}

// RevokeBearer revokes a token on the strength of holding it, without
// client authentication, for platforms whose revocation endpoint takes the
// token alone (Eptura). Whoever holds a bearer token can already use it,
// so letting them end it grants nothing new. Unknown tokens succeed.
func (e *Engine) RevokeBearer(ctx context.Context, raw string) error {
	clientID, err := e.tokenClient(ctx, raw)
	if err != nil || clientID == "" {
		return err
	}
	c, err := e.clients.GetClient(ctx, clientID)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil
	}
	if err != nil {
		return storeError("revoke: get client", err)
	}
	switch {
	case strings.HasPrefix(raw, token.PrefixRefreshToken):
		return e.revokeRefresh(ctx, &c, raw)
	case strings.HasPrefix(raw, token.PrefixAccessToken):
		return e.revokeOpaque(ctx, &c, raw)
	}
	return e.revokeJWT(ctx, &c, raw)
}

// tokenClient returns the client a token was issued to, "" if unknown.
func (e *Engine) tokenClient(ctx context.Context, raw string) (string, error) {
	var info *Introspection
	var err error
	if strings.HasPrefix(raw, token.PrefixRefreshToken) {
		info, err = e.inspectRefresh(ctx, raw)
	} else {
		info, err = e.inspectAccess(ctx, raw)
	}
	if err != nil || !info.Active {
		return "", err
	}
	return info.ClientID, nil
}

var errNotYours = oauth.NewError(oauth.UnauthorizedClient, "the token was not issued to this client")

func (e *Engine) revokeOpaque(ctx context.Context, caller *tokenmint.Client, raw string) error {
	id := e.cfg.Tokens.ID(raw)
	rec, err := e.cfg.Store.GetAccessToken(ctx, id)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil
	}
	if err != nil {
		return storeError("revoke: get token", err)
	}
	if rec.ClientID != caller.ID {
		return errNotYours
	}
	if err := e.cfg.Store.DeleteAccessToken(ctx, id); err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		return storeError("revoke: delete token", err)
	}
	return nil
}

func (e *Engine) revokeJWT(ctx context.Context, caller *tokenmint.Client, raw string) error {
	c, err := e.cfg.Keys.Verify(raw, "at+jwt")
	if err != nil || c.Issuer != e.cfg.Issuer || c.ID == "" {
		return nil // not a token of ours: nothing to revoke
	}
	if c.ClientID != caller.ID {
		return errNotYours
	}
	if !e.now().Before(c.ExpiresAt) {
		return nil
	}
	r := tokenmint.RevokedToken{ID: c.ID, ClientID: c.ClientID, ExpiresAt: c.ExpiresAt}
	if err := e.cfg.Store.RevokeJWT(ctx, r); err != nil {
		return storeError("revoke jwt", err)
	}
	return nil
}

func (e *Engine) revokeRefresh(ctx context.Context, caller *tokenmint.Client, raw string) error {
	rt, err := e.cfg.Store.GetRefreshToken(ctx, e.cfg.Tokens.ID(raw))
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil
	}
	if err != nil {
		return storeError("revoke: get refresh token", err)
	}
	if rt.ClientID != caller.ID {
		return errNotYours
	}
	if err := e.cfg.Store.RevokeFamily(ctx, rt.FamilyID, e.now()); err != nil {
		return storeError("revoke family", err)
	}
	return nil
}
