package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/token"
)

// maxSessionCookie bounds the cookie value hashed and looked up; a real
// one is far shorter.
const maxSessionCookie = 128

// session returns the browser's live login session. ok is false when the
// browser has no session cookie, or one that is unknown or expired; err is
// set only when the store failed.
func (p *Pages) session(ctx context.Context, r *http.Request) (s tokenmint.LoginSession, ok bool, err error) {
	v := p.cookie(r, SessionCookie)
	if !strings.HasPrefix(v, token.PrefixSession) || len(v) > maxSessionCookie {
		return s, false, nil
	}
	s, err = p.cfg.Store.GetLoginSession(ctx, p.cfg.Sessions.ID(v))
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		return s, false, nil
	case err != nil:
		return s, false, fmt.Errorf("get login session: %w", err)
	}
	return s, p.now().Before(s.ExpiresAt), nil
}

// startSession records a sign-in of user and sets its cookie. The cookie
// value is fresh random, never one the browser sent, so a session cannot
// be fixed by an attacker who planted a cookie beforehand.
func (p *Pages) startSession(ctx context.Context, w http.ResponseWriter, userID string) (tokenmint.LoginSession, error) {
	v := token.Generate(token.PrefixSession)
	now := p.now()
	s := tokenmint.LoginSession{
		ID:        p.cfg.Sessions.ID(v),
		UserID:    userID,
		AuthTime:  now,
		ExpiresAt: now.Add(p.cfg.SessionTTL),
		// A password on the login page (RFC 8176 §2 "pwd").
		ACR: grant.ACRPassword,
		AMR: []string{grant.AMRPassword},
	}
	if err := p.cfg.Store.CreateLoginSession(ctx, s); err != nil {
		return s, fmt.Errorf("create login session: %w", err)
	}
	p.setCookie(w, SessionCookie, v, p.cfg.SessionTTL)
	return s, nil
}

// endSession deletes the browser's session record, if any, then its
// session and consent cookies. When the store fails the cookies stay, so
// that signing out again can still find the record.
func (p *Pages) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	v := p.cookie(r, SessionCookie)
	if strings.HasPrefix(v, token.PrefixSession) && len(v) <= maxSessionCookie {
		err := p.cfg.Store.DeleteLoginSession(ctx, p.cfg.Sessions.ID(v))
		if err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
			return fmt.Errorf("delete login session: %w", err)
		}
	}
	p.setCookie(w, SessionCookie, "", -1)
	p.setCookie(w, ConsentCookie, "", -1)
	return nil
}
