package grant

import (
	"time"

	"github.com/tokenmint/tokenmint"
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
