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
	RegistrationStore
	AuditStore
	ReplayStore
	DeviceStore
	PushedRequestStore

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
	// DeleteClient removes the client and every token, code, device
	// authorization and family issued to it, and its registration
	// (RegistrationStore).
	DeleteClient(ctx context.Context, id string) error
	// RevokeClientTokens ends everything issued to the client so far and
	// keeps the client, in one transaction: it sets the client's
	// TokensRevokedAt to now (which ends the access tokens no record
	// holds, its client_credentials JWTs), revokes every family issued
	// to it at now (see RevokeFamily), deletes its refresh tokens,
	// authorization codes, device authorizations and access token records, each access token
	// entering the revocation feed, and moves the Revision. ErrNotFound
	// when there is no such client.
	RevokeClientTokens(ctx context.Context, id string, now time.Time) error
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
	// RevokeUserGrants ends what the user's sign-ins produced, in one
	// transaction, and keeps the user: it deletes their login sessions,
	// authorization codes and the device authorizations they approved
	// or denied, and revokes every family issued to them at
	// now (see RevokeFamily: refresh tokens deleted, access tokens of
	// either format in the revocation feed). For a password change or a
	// disabled account (RFC 6819 §5.2.2.3). An unknown user is not an
	// error.
	RevokeUserGrants(ctx context.Context, userID string, now time.Time) error
}

// TokenStore keeps access token records, refresh tokens, their families
// and the revocation feed.
type TokenStore interface {
	CreateAccessToken(ctx context.Context, t AccessToken) error
	GetAccessToken(ctx context.Context, id string) (AccessToken, error)
	// TouchAccessToken sets LastUsedAt (sliding expiry) when later than
	// the stored value.
	TouchAccessToken(ctx context.Context, id string, usedAt time.Time) error
	// DeleteAccessToken revokes an opaque token: it deletes the record
	// and, in the same transaction, records its ID as revoked in the
	// feed (ErrNotFound when there is no record, and nothing recorded).
	DeleteAccessToken(ctx context.Context, id string) error

	// RevokeJWT records a JWT as revoked by its jti; idempotent.
	RevokeJWT(ctx context.Context, r RevokedToken) error
	// IsRevoked reports whether the access token with that ID (a JWT's
	// jti, an opaque token's record ID) is recorded as revoked.
	IsRevoked(ctx context.Context, id string) (bool, error)
	// RevocationsSince returns the revocations committed after cursor,
	// in commit order, with the cursor to pass next time; -1 reads them
	// all. Every write that revokes access tokens (RevokeJWT,
	// DeleteAccessToken, RevokeFamily, DeleteClient, RevokeClientTokens,
	// DeleteUser, RevokeUserGrants) is in the feed, JWTs and opaque tokens alike, so
	// a process can keep the revoked IDs in memory and cache token
	// records (package store/cache). Rows the janitor deleted are gone
	// from it.
	RevocationsSince(ctx context.Context, cursor int64) ([]RevokedToken, int64, error)

	CreateFamily(ctx context.Context, f Family) error
	GetFamily(ctx context.Context, id string) (Family, error)
	// RevokeFamily marks the family revoked at now, deletes its refresh
	// tokens and opaque access tokens, and records every JWT of it as
	// revoked. Revoking an unknown or revoked family is not an error.
	RevokeFamily(ctx context.Context, id string, now time.Time) error

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	GetRefreshToken(ctx context.Context, id string) (RefreshToken, error)
	// RotateRefreshToken atomically marks refresh token oldID used at now
	// and stores next in its place, with access (when not nil), the record
	// of the access token issued beside next: one transaction, so that
	// either all of it is stored or nothing. It returns the old record.
	// When oldID was already used it returns the old record and
	// ErrAlreadyUsed and stores nothing; when oldID is unknown,
	// ErrNotFound; when next or access cannot be stored (ErrConflict),
	// oldID stays unused.
	RotateRefreshToken(ctx context.Context, oldID string, now time.Time, next RefreshToken, access *AccessToken) (RefreshToken, error)
	// CreateIssuance stores the records of is in one transaction, for a
	// grant that starts a family without spending a code or a refresh
	// token (the password grant). When one of them cannot be stored
	// (ErrConflict), none is.
	CreateIssuance(ctx context.Context, is Issuance) error
}

// CodeStore keeps authorization codes.
type CodeStore interface {
	CreateAuthCode(ctx context.Context, c AuthCode) error
	// ExchangeAuthCode marks the code used at now and stores what issue
	// returns for it, in one transaction, and returns the code.
	//
	// A code already used is returned with ErrAlreadyUsed, an unknown
	// one gives ErrNotFound; either way issue is not called and nothing
	// is written. Otherwise issue (which may be nil: spend the code
	// only) is called inside the transaction, with the code as used: it
	// must be quick and do no I/O. A store may call it more than once
	// for one exchange (it runs the transaction again when a shared one
	// fails); only the call of the transaction that commits counts. An
	// error from it is returned as is, with the code spent and nothing
	// else stored (a code is good for one attempt). When what it
	// returned cannot be stored (ErrConflict), nothing is: the code
	// stays unused. Expiry and the code's bindings are issue's to check.
	ExchangeAuthCode(ctx context.Context, id string, now time.Time, issue func(AuthCode) (Issuance, error)) (AuthCode, error)
}

// Issuance is what one token request stores when it spends its grant (a
// code, a refresh token) or starts a family (a password): a new family, a
// refresh token and the access token's record. A nil field stores
// nothing.
type Issuance struct {
	Family  *Family
	Refresh *RefreshToken
	Access  *AccessToken
}

// KeyStore keeps signing keys.
type KeyStore interface {
	// CreateSigningKey stores k. ErrConflict when its ID exists, or when
	// k is current and its alg already has a current key: of instances
	// creating their first keys together, one wins.
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

// ReplayStore remembers identifiers that may be used once, across every
// instance sharing the database: the jti of a client assertion (RFC 7523
// §3, ReplayClientAssertion), later the jti of a DPoP proof. Purpose
// keeps the uses of one kind apart from another's.
type ReplayStore interface {
	// UseOnce records id as used for purpose until expiresAt, the end of
	// the validity of what carried it. It returns ErrAlreadyUsed when id
	// was recorded for purpose before and its record has not expired at
	// now; an expired record is replaced. Of concurrent calls with one
	// purpose and id, on one instance or several, exactly one succeeds.
	// The janitor (DeleteExpired) removes records past expiresAt. Callers
	// bound id (a hash of what the client chose, typically).
	UseOnce(ctx context.Context, purpose, id string, now, expiresAt time.Time) error
}

// Purposes of ReplayStore.UseOnce.
const (
	// ReplayClientAssertion: the jti of a private_key_jwt or
	// client_secret_jwt client assertion, per client.
	ReplayClientAssertion = "client_assertion"
	// ReplayDPoPProof: the jti of a DPoP proof, per key (RFC 9449 §11.1,
	// package dpop).
	ReplayDPoPProof = "dpop_proof"
	// ReplayRequestObject: the jti of a request object (RFC 9101), per
	// client, when it has one.
	ReplayRequestObject = "request_object"
)

// PushedRequestStore keeps the requests of Pushed Authorization Requests
// (RFC 9126).
type PushedRequestStore interface {
	// CreatePushedRequest stores r; ErrConflict when its ID exists.
	CreatePushedRequest(ctx context.Context, r PushedRequest) error
	// UsePushedRequest marks the request with that ID, pushed by
	// clientID, used at now and returns it: a request_uri is single-use
	// (RFC 9126 §4). ErrAlreadyUsed, with the record, when it was used
	// before; ErrNotFound when there is none, or it is another client's
	// (which stays unused). Of concurrent uses exactly one succeeds.
	// Expiry is the caller's to check; the janitor (DeleteExpired)
	// removes requests past ExpiresAt.
	UsePushedRequest(ctx context.Context, id, clientID string, now time.Time) (PushedRequest, error)
}
