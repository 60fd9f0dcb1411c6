package grant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// ErrBadCredentials is returned by AuthenticateUser for an unknown user or
// a wrong password, deliberately without saying which.
var ErrBadCredentials = errors.New("invalid username or password")

// ThrottledError is returned by AuthenticateUser when too many sign-ins
// failed recently for the username or the address.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed sign-in attempts; retry in %s", e.RetryAfter.Round(time.Second))
}

// AuthenticateUser checks a username and password, for the login page,
// the password grant and dialects that carry a person's credentials. It
// costs one argon2id verification whether or not the user exists, and
// throttles failures per username and per ip. A disabled user is refused
// with ErrBadCredentials, as a wrong password is, once the password has
// been verified.
func (e *Engine) AuthenticateUser(ctx context.Context, username, pw, ip string) (*tokenmint.User, error) {
	if t := e.cfg.Throttle; t != nil {
		wait, err := t.Allow(ctx, username, ip)
		if err != nil {
			return nil, fmt.Errorf("sign-in throttle: %w", err)
		}
		if wait > 0 {
			return nil, &ThrottledError{RetryAfter: wait}
		}
	}
	u, err := e.cfg.Store.GetUserByUsername(ctx, username)
	if err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		return nil, storeError("get user", err)
	}
	ok := false
	if err == nil {
		ok, err = e.cfg.Passwords.Verify(pw, u.PasswordHash)
		if err != nil {
			e.log.ErrorContext(ctx, "stored password hash is unreadable", "user_id", u.ID, "err", err)
			ok = false
		}
	} else {
		e.cfg.Passwords.VerifyDummy(pw)
	}
	if ok && u.Disabled() {
		// Refused like a wrong password: the answer tells nobody which
		// accounts exist or are disabled.
		e.log.InfoContext(ctx, "sign-in refused: the user is disabled", "user_id", u.ID)
		ok = false
	}
	if !ok {
		if e.cfg.Throttle != nil {
			e.cfg.Throttle.Failed(ctx, username, ip)
		}
		return nil, ErrBadCredentials
	}
	if e.cfg.Throttle != nil {
		e.cfg.Throttle.Succeeded(ctx, username, ip)
	}
	return &u, nil
}

// errUserDisabled refuses a code to a user disabled since they signed in.
var errUserDisabled = oauth.NewError(oauth.AccessDenied, "the user may no longer sign in")

// checkUserEnabled returns an access_denied error unless the user exists
// and is not disabled, for a code issued to a session or a sign-in that
// may have raced with disabling or deleting the user (their sessions are
// deleted then, but one could start meanwhile).
func (e *Engine) checkUserEnabled(ctx context.Context, userID string) error {
	u, err := e.cfg.Store.GetUser(ctx, userID)
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		return errUserDisabled
	case err != nil:
		return storeError("get user", err)
	case u.Disabled():
		return errUserDisabled
	}
	return nil
}

// password implements the resource owner password credentials grant (RFC
// 6749 §4.3). It is legacy (RFC 9700 §2.4 says it MUST NOT be used) and
// served only to clients registered with the password grant explicitly,
// for platforms whose apps depend on it.
func (e *Engine) password(ctx context.Context, c *tokenmint.Client, req *TokenRequest) (*TokenResponse, error) {
	if req.Username == "" || req.Password == "" {
		return nil, oauth.NewError(oauth.InvalidRequest, "username and password are required")
	}
	scopes, ok := c.GrantedScopes(oauth.ParseScope(req.Scope))
	if !ok {
		return nil, oauth.NewError(oauth.InvalidScope, "the requested scope exceeds what the client may be granted")
	}
	// The resources requested are the family's: its refreshes may ask
	// for fewer (RFC 8707 §2.2).
	if err := allowResources(c, req.Resources); err != nil {
		return nil, err
	}
	u, err := e.AuthenticateUser(ctx, req.Username, req.Password, req.ClientIP)
	if err != nil {
		return nil, userAuthError(err)
	}
	now := e.now()
	return e.familyTokens(ctx, c, e.family(c, token.NewTimedID(now), u.ID, scopes, req.Resources, now), scopes, req.shape)
}

// userAuthError maps AuthenticateUser failures to token endpoint errors.
func userAuthError(err error) error {
	var te *ThrottledError
	switch {
	case errors.Is(err, ErrBadCredentials):
		return invalidGrant("invalid username or password")
	case errors.As(err, &te):
		return oauth.RateLimited(te.RetryAfter, te.Error())
	}
	return err
}
