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

// SignIn is a person's attempt to sign in with a username and password.
type SignIn struct {
	Username, Password string
	// IP is the caller's address: failures are throttled per username and
	// per address, and it is in the audit event.
	IP string
	// ClientID is the client the person signs in to, when known (the
	// audit event names it).
	ClientID string
}

// AuthenticateUser checks a username and password, for the login page,
// the password grant and dialects that carry a person's credentials. It
// costs one argon2id verification whether or not the user exists, and
// throttles failures per username and per IP. A disabled user is refused
// with ErrBadCredentials, as a wrong password is, once the password has
// been verified. Each outcome but a store failure is an audit event
// (signin.succeeded, .failed with a reason, .throttled); the username is
// not in it, since people type passwords into that field.
func (e *Engine) AuthenticateUser(ctx context.Context, in SignIn) (*tokenmint.User, error) {
	if t := e.cfg.Throttle; t != nil {
		wait, err := t.Allow(ctx, in.Username, in.IP)
		if err != nil {
			return nil, fmt.Errorf("sign-in throttle: %w", err)
		}
		if wait > 0 {
			e.auditSignIn(ctx, in, tokenmint.AuditSignInThrottled, "", "", wait)
			return nil, &ThrottledError{RetryAfter: wait}
		}
	}
	u, err := e.cfg.Store.GetUserByUsername(ctx, in.Username)
	if err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		return nil, storeError("get user", err)
	}
	reason := ""
	if err == nil {
		ok, err := e.cfg.Passwords.Verify(in.Password, u.PasswordHash)
		switch {
		case err != nil:
			e.log.ErrorContext(ctx, "stored password hash is unreadable", "user_id", u.ID, "err", err)
			reason = "unreadable_password_hash"
		case !ok:
			reason = "wrong_password"
		case u.Disabled():
			// Refused like a wrong password: the answer tells nobody
			// which accounts exist or are disabled.
			e.log.InfoContext(ctx, "sign-in refused: the user is disabled", "user_id", u.ID)
			reason = "disabled"
		}
	} else {
		e.cfg.Passwords.VerifyDummy(in.Password)
		reason = "unknown_user"
	}
	if reason != "" {
		if e.cfg.Throttle != nil {
			e.cfg.Throttle.Failed(ctx, in.Username, in.IP)
		}
		e.auditSignIn(ctx, in, tokenmint.AuditSignInFailed, u.ID, reason, 0)
		return nil, ErrBadCredentials
	}
	if e.cfg.Throttle != nil {
		e.cfg.Throttle.Succeeded(ctx, in.Username, in.IP)
	}
	e.auditSignIn(ctx, in, tokenmint.AuditSignInSucceeded, u.ID, "", 0)
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
	u, err := e.AuthenticateUser(ctx, SignIn{Username: req.Username, Password: req.Password, IP: req.ClientIP, ClientID: c.ID})
	if err != nil {
		// The sign-in's own event says why; no token.refused beside it.
		req.audited = errors.Is(err, ErrBadCredentials) || errors.As(err, new(*ThrottledError))
		return nil, userAuthError(err)
	}
	now := e.now()
	f := e.family(c, token.NewTimedID(now), u.ID, scopes, req.Resources, now)
	f.ACR, f.AMR = signInAuthn(tokenmint.LoginSession{}) // a password, as on the login page
	return e.familyTokens(ctx, c, f, scopes, req.cnf(), req.shape)
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
