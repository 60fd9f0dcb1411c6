package tokenmint

import (
	"context"
	"time"
)

// Store is everything tokenmint persists. Each backend (store/sqlite,
// store/postgres) implements it and passes the conformance suite in
// store/storetest. Every method honours ctx, returns the sentinels of
// errors.go wrapped with %w, and is safe for concurrent use.
type Store interface {
	ClientStore
	UserStore
	TokenStore
	CodeStore
	KeyStore
	SessionStore

	// Revision returns a counter that grows whenever a client or signing
	// key is created, changed or deleted, by this process or any other
	// sharing the database. Caches poll it to invalidate themselves.
	Revision(ctx context.Context) (int64, error)
	// DeleteExpired removes every record that can no longer be valid at
	// now (the janitor) and returns how many rows went.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
	// Ping checks the backend answers (readiness).
	Ping(ctx context.Context) error
	Close() error
}

// ClientStore keeps registered clients.
type ClientStore interface {
	CreateClient(ctx context.Context, c Client) error // ErrConflict
	GetClient(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error) // ordered by ID
	// UpdateClient loads the client, applies update and stores the result
	// atomically; an error from update aborts and is returned as is.
	UpdateClient(ctx context.Context, id string, update func(*Client) error) (Client, error)
	// DeleteClient removes the client and every token, code and family
	// issued to it.
	DeleteClient(ctx context.Context, id string) error
}

// UserStore keeps users.
type UserStore interface {
	CreateUser(ctx context.Context, u User) error // ErrConflict on ID or username
	GetUser(ctx context.Context, id string) (User, error)
	GetUserByUsername(ctx context.Context, username string) (User, error)
	ListUsers(ctx context.Context) ([]User, error) // ordered by username
	UpdateUser(ctx context.Context, id string, update func(*User) error) (User, error)
	// DeleteUser removes the user, their login sessions and revokes every
	// family issued to them.
	DeleteUser(ctx context.Context, id string) error
}

// TokenStore keeps access token records, refresh tokens, their families
// and JWT revocations.
type TokenStore interface {
	CreateAccessToken(ctx context.Context, t AccessToken) error
	GetAccessToken(ctx context.Context, id string) (AccessToken, error)
	// TouchAccessToken sets LastUsedAt (sliding expiry) when later than
	// the stored value.
	TouchAccessToken(ctx context.Context, id string, usedAt time.Time) error
	// DeleteAccessToken revokes an opaque token.
	DeleteAccessToken(ctx context.Context, id string) error

	RevokeJWT(ctx context.Context, r RevokedJWT) error // idempotent
	IsJWTRevoked(ctx context.Context, jti string) (bool, error)
	// RevokedJWTsSince returns the JWT revocations committed after
	// cursor, in commit order, with the cursor to pass next time; -1
	// reads them all. Every write that records revocations (RevokeJWT,
	// RevokeFamily, DeleteClient, DeleteUser) is in the feed, so a
	// process can keep the revoked jtis in memory (package denylist).
	// Rows the janitor deleted are gone from it.
	RevokedJWTsSince(ctx context.Context, cursor int64) ([]RevokedJWT, int64, error)

	CreateFamily(ctx context.Context, f Family) error
	GetFamily(ctx context.Context, id string) (Family, error)
	// RevokeFamily marks the family revoked at now, deletes its refresh
	// tokens and opaque access tokens, and records every JWT of it as
	// revoked. Revoking an unknown or revoked family is not an error.
	RevokeFamily(ctx context.Context, id string, now time.Time) error

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	GetRefreshToken(ctx context.Context, id string) (RefreshToken, error)
	// RotateRefreshToken atomically marks refresh token oldID used at now
	// and stores next in its place. When oldID was already used it
	// returns the old record and ErrAlreadyUsed and stores nothing; when
	// oldID is unknown, ErrNotFound.
	RotateRefreshToken(ctx context.Context, oldID string, now time.Time, next RefreshToken) (RefreshToken, error)
}

// CodeStore keeps authorization codes.
type CodeStore interface {
	CreateAuthCode(ctx context.Context, c AuthCode) error
	// ConsumeAuthCode atomically marks the code used at now and returns
	// it. A second consumption returns the record with ErrAlreadyUsed;
	// an unknown code, ErrNotFound. Expiry is the caller's to check.
	ConsumeAuthCode(ctx context.Context, id string, now time.Time) (AuthCode, error)
}

// KeyStore keeps signing keys.
type KeyStore interface {
	CreateSigningKey(ctx context.Context, k SigningKey) error
	ListSigningKeys(ctx context.Context) ([]SigningKey, error) // oldest first
	// RotateSigningKeys atomically marks the current key of next.Alg as
	// rotated at next.CreatedAt (retiring at retireAt) and stores next
	// as the new current key of that alg.
	RotateSigningKeys(ctx context.Context, next SigningKey, retireAt time.Time) error
}

// SessionStore keeps browser login sessions.
type SessionStore interface {
	CreateLoginSession(ctx context.Context, s LoginSession) error
	GetLoginSession(ctx context.Context, id string) (LoginSession, error)
	DeleteLoginSession(ctx context.Context, id string) error
}
