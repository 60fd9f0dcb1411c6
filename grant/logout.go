package grant

import (
	"slices"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// Back-Channel Logout 1.0 §2.4: the logout token's type and event.
const (
	LogoutTokenType = "logout+jwt"
	LogoutEvent     = "http://schemas.openid.net/event/backchannel-logout"
	logoutTokenTTL  = 2 * time.Minute
)

// LogoutToken signs the logout token of OpenID Connect Back-Channel
// Logout 1.0 §2.4 that tells client c that login session sessionID of
// userID ended: typ logout+jwt, iss, aud the client, iat, a short exp,
// a unique jti, the back-channel logout event, sub as the client sees the
// user (pairwise or not) and sid (the one its ID tokens carried); never a
// nonce (§2.4: "A nonce Claim MUST NOT be present"). It is signed with
// the ID tokens' algorithm, which relying parties already verify.
func (e *Engine) LogoutToken(c *tokenmint.Client, userID, sessionID string) (string, error) {
	now := e.now()
	claims := &token.Claims{
		Issuer:    e.cfg.Issuer,
		Subject:   e.ClientSubject(c, userID),
		Audience:  []string{c.ID},
		IssuedAt:  now,
		ExpiresAt: now.Add(logoutTokenTTL),
		ID:        token.NewTimedID(now),
		Extra:     map[string]any{"events": map[string]any{LogoutEvent: map[string]any{}}},
	}
	if sid := e.SessionID(sessionID); sid != "" {
		claims.Extra["sid"] = sid
	}
	raw, err := e.cfg.Keys.Sign(e.cfg.IDTokenAlg, claims, token.SignOptions{Type: LogoutTokenType})
	if err != nil {
		return "", serverError("sign logout token", err)
	}
	return raw, nil
}

// LogoutClient is the client an RP-Initiated Logout request comes from
// (OpenID Connect RP-Initiated Logout 1.0 §2): clientID, or without it
// the audience of idTokenHint; "" for neither. "When an id_token_hint
// parameter is present, the OP MUST validate that it was the issuer of
// the ID Token": this server's signature, typ JWT (never an access
// token), its iss. Its expiry is not checked: the OP "SHOULD accept ID
// Tokens ... even when the exp time has passed", as they usually have
// by sign-out. "When both client_id and id_token_hint are present, the
// OP MUST verify that the Client Identifier matches the one used when
// issuing the ID Token." An invalid hint is invalid_request.
func (e *Engine) LogoutClient(clientID, idTokenHint string) (string, error) {
	if idTokenHint == "" {
		return clientID, nil
	}
	claims, err := e.cfg.Keys.Verify(idTokenHint, token.TypeJWT)
	if err != nil || claims.Issuer != e.cfg.Issuer || claims.Subject == "" || len(claims.Audience) == 0 {
		return "", oauth.NewError(oauth.InvalidRequest, "id_token_hint is not an ID token issued by this server")
	}
	if clientID == "" {
		if len(claims.Audience) != 1 {
			return "", oauth.NewError(oauth.InvalidRequest, "id_token_hint names several clients: client_id is required")
		}
		return claims.Audience[0], nil
	}
	if !slices.Contains(claims.Audience, clientID) {
		return "", oauth.NewError(oauth.InvalidRequest, "id_token_hint was not issued to client_id")
	}
	return clientID, nil
}
