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
	ClientIP      string // the caller's address, for the audit event
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
	r := revocation{caller: caller, ip: req.ClientIP}
	switch {
	case strings.HasPrefix(req.Token, token.PrefixRefreshToken):
		return e.revokeRefresh(ctx, r, req.Token)
	case strings.HasPrefix(req.Token, token.PrefixAccessToken):
		return e.revokeOpaque(ctx, r, req.Token)
	case strings.Count(req.Token, ".") == 2:
		return e.revokeJWT(ctx, r, req.Token)
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
	r := revocation{caller: &c, bearer: true}
	switch {
	case strings.HasPrefix(raw, token.PrefixRefreshToken):
		return e.revokeRefresh(ctx, r, raw)
	case strings.HasPrefix(raw, token.PrefixAccessToken):
		return e.revokeOpaque(ctx, r, raw)
	}
	return e.revokeJWT(ctx, r, raw)
}

// RevokeBearerAndSession is RevokeBearer for platforms whose revocation
// also signs the person out (Eptura: "This can log out"): when the token
// is active and its family was authorized in a browser login session
// (IssueSessionCode), that session ends as well, so the browser must sign
// in again before it gets another code. What RevokeBearer revokes is
// unchanged; other families authorized in that session keep their
// tokens. A token without a session (client credentials, the password
// grant, a headless sign-in) is revoked alone.
func (e *Engine) RevokeBearerAndSession(ctx context.Context, raw string) error {
	sessionID, err := e.tokenSession(ctx, raw)
	if err != nil {
		return err
	}
	if err := e.RevokeBearer(ctx, raw); err != nil || sessionID == "" {
		return err
	}
	if err := e.cfg.Store.DeleteLoginSession(ctx, sessionID); err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		return storeError("revoke: end login session", err)
	}
	return nil
}

// tokenSession returns the login session an active token's family was
// authorized in; "" for an inactive token or one without a session.
func (e *Engine) tokenSession(ctx context.Context, raw string) (string, error) {
	familyID, err := e.tokenFamily(ctx, raw)
	if err != nil || familyID == "" {
		return "", err
	}
	f, err := e.cfg.Store.GetFamily(ctx, familyID)
	return f.SessionID, ignoreNotFound("revoke: get family", err)
}

// tokenFamily returns the family of an active token; "" for an inactive
// token or one of no family (client credentials).
func (e *Engine) tokenFamily(ctx context.Context, raw string) (string, error) {
	info, err := e.inspectAny(ctx, raw)
	if err != nil || !info.Active {
		return "", err
	}
	if info.TokenType == tokenTypeRefresh {
		rt, err := e.cfg.Store.GetRefreshToken(ctx, e.cfg.Tokens.ID(raw))
		return rt.FamilyID, ignoreNotFound("revoke: get refresh token", err)
	}
	id := info.JTI // a JWT's record is under its jti; a client_credentials JWT has none
	if id == "" {
		id = e.cfg.Tokens.ID(raw)
	}
	at, err := e.cfg.Store.GetAccessToken(ctx, id)
	return at.FamilyID, ignoreNotFound("revoke: get access token", err)
}

// ignoreNotFound is nil for nil and ErrNotFound, else err with context.
func ignoreNotFound(op string, err error) error {
	if err == nil || errors.Is(err, tokenmint.ErrNotFound) {
		return nil
	}
	return storeError(op, err)
}

// tokenClient returns the client a token was issued to, "" if unknown.
func (e *Engine) tokenClient(ctx context.Context, raw string) (string, error) {
	info, err := e.inspectAny(ctx, raw)
	if err != nil || !info.Active {
		return "", err
	}
	return info.ClientID, nil
}

// inspectAny reports on a refresh or access token, as introspection does.
func (e *Engine) inspectAny(ctx context.Context, raw string) (*Introspection, error) {
	if strings.HasPrefix(raw, token.PrefixRefreshToken) {
		return e.inspectRefresh(ctx, raw)
	}
	return e.inspectAccess(ctx, raw)
}

var errNotYours = oauth.NewError(oauth.UnauthorizedClient, "the token was not issued to this client")

func (e *Engine) revokeOpaque(ctx context.Context, r revocation, raw string) error {
	id := e.cfg.Tokens.ID(raw)
	rec, err := e.cfg.Store.GetAccessToken(ctx, id)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil
	}
	if err != nil {
		return storeError("revoke: get token", err)
	}
	if rec.ClientID != r.caller.ID {
		return errNotYours
	}
	if err := e.cfg.Store.DeleteAccessToken(ctx, id); err != nil {
		if errors.Is(err, tokenmint.ErrNotFound) {
			return nil // revoked meanwhile
		}
		return storeError("revoke: delete token", err)
	}
	d := map[string]string{"token_type": tokenTypeAccess, "format": tokenmint.FormatOpaque}
	setIf(d, "family", rec.FamilyID)
	e.auditRevoked(ctx, r, userOf(rec.FamilyID, rec.Subject), d)
	return nil
}

func (e *Engine) revokeJWT(ctx context.Context, r revocation, raw string) error {
	c, err := e.cfg.Keys.Verify(raw, "at+jwt")
	if err != nil || c.Issuer != e.cfg.Issuer || c.ID == "" {
		return nil // not a token of ours: nothing to revoke
	}
	if c.ClientID != r.caller.ID {
		return errNotYours
	}
	if !e.now().Before(c.ExpiresAt) {
		return nil
	}
	rt := tokenmint.RevokedToken{ID: c.ID, ClientID: c.ClientID, ExpiresAt: c.ExpiresAt}
	if err := e.cfg.Store.RevokeJWT(ctx, rt); err != nil {
		return storeError("revoke jwt", err)
	}
	user := c.Subject
	if user == c.ClientID { // client credentials: the client is the subject
		user = ""
	}
	e.auditRevoked(ctx, r, user, map[string]string{"token_type": tokenTypeAccess, "format": tokenmint.FormatJWT, "jti": c.ID})
	return nil
}

func (e *Engine) revokeRefresh(ctx context.Context, r revocation, raw string) error {
	rt, err := e.cfg.Store.GetRefreshToken(ctx, e.cfg.Tokens.ID(raw))
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil
	}
	if err != nil {
		return storeError("revoke: get refresh token", err)
	}
	if rt.ClientID != r.caller.ID {
		return errNotYours
	}
	if err := e.cfg.Store.RevokeFamily(ctx, rt.FamilyID, e.now()); err != nil {
		return storeError("revoke family", err)
	}
	e.auditRevoked(ctx, r, rt.Subject, map[string]string{"token_type": tokenTypeRefresh, "family": rt.FamilyID})
	return nil
}

// userOf is the user an access token was issued to: its subject when it
// belongs to a family (a user grant), none for client credentials.
func userOf(familyID, subject string) string {
	if familyID == "" {
		return ""
	}
	return subject
}
