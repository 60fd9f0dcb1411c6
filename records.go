package tokenmint

import (
	"slices"
	"time"
)

// User is a person who signs in through the login page, the password grant
// or a dialect that carries their credentials.
type User struct {
	ID       string
	Username string // unique, compared exactly
	Email    string
	Name     string
	// PasswordHash is a PHC-format argon2id string (package password).
	PasswordHash string
	// Roles are what the user may do beyond signing in to applications
	// (RoleAdmin: the console); nil for none.
	Roles     []string
	CreatedAt time.Time
	UpdatedAt time.Time
	// DisabledAt is when the user was disabled; zero while enabled. A
	// disabled user cannot sign in (RFC 6819 §5.2.2.3: disabling, like a
	// password change, also ends what their sign-ins produced; see
	// Store.RevokeUserGrants).
	DisabledAt time.Time
}

// RoleAdmin is the role of a user who may administer tokenmint.
const RoleAdmin = "admin"

// HasRole reports whether the user has the role.
func (u *User) HasRole(role string) bool { return slices.Contains(u.Roles, role) }

// Disabled reports whether the user may not sign in.
func (u *User) Disabled() bool { return !u.DisabledAt.IsZero() }

// AccessToken is the server-side record of an access token. Opaque tokens
// always have one (ID is the keyed hash of the token); JWTs have one only
// when they belong to a Family, so that revoking the family can revoke
// them (ID is then the "jti"). A client_credentials JWT has no record.
type AccessToken struct {
	ID       string
	Format   string // FormatJWT or FormatOpaque
	ClientID string
	Subject  string // user ID, or the client ID for client_credentials
	Scopes   []string
	Audience []string
	// FamilyID links the token to the authorization it came from (an
	// authorization code or password grant and its refresh chain); empty
	// for client_credentials.
	FamilyID  string
	IssuedAt  time.Time
	ExpiresAt time.Time // absolute expiry
	// IdleTTL and LastUsedAt implement sliding expiry: the token is
	// inactive once LastUsedAt+IdleTTL has passed. Zero IdleTTL: none.
	IdleTTL    time.Duration
	LastUsedAt time.Time
	// Confirmation is the key the token is bound to (RFC 7800 cnf): a
	// DPoP key (RFC 9449 §6) or a client certificate (RFC 8705 §3.1);
	// zero for a bearer token.
	Confirmation Confirmation
}

// Confirmation names the key a token is bound to, as the cnf claim of RFC
// 7800 §3.1 carries it: JKT is the base64url SHA-256 JWK thumbprint of a
// DPoP key (RFC 9449 §6.1 "jkt"), X5TS256 the base64url SHA-256
// thumbprint of a client certificate (RFC 8705 §3.1 "x5t#S256"). Both
// empty: a bearer token.
type Confirmation struct {
	JKT     string
	X5TS256 string
}

// IsZero reports whether the confirmation binds nothing (a bearer token).
func (c Confirmation) IsZero() bool { return c.JKT == "" && c.X5TS256 == "" }

// ActiveAt reports whether the token is live at now, honouring both its
// absolute and its idle expiry.
func (t *AccessToken) ActiveAt(now time.Time) bool {
	if !now.Before(t.ExpiresAt) {
		return false
	}
	return t.IdleTTL <= 0 || now.Before(t.LastUsedAt.Add(t.IdleTTL))
}

// TouchDue reports whether a use of the token at now should be written
// back to slide its idle expiry: a token with an idle lifetime is written
// at most once per 1/100 of it (9 s for 15 min), so that busy tokens do
// not turn every introspection into a write. A token may therefore expire
// up to that much earlier than exactly IdleTTL after its last use, never
// later. A record whose use is not due to be written is active by its
// idle expiry, however old the copy.
func (t *AccessToken) TouchDue(now time.Time) bool {
	return t.IdleTTL > 0 && now.Sub(t.LastUsedAt) >= t.IdleTTL/100
}

// EffectiveExpiry is the instant the token stops being active if it is not
// used again: the earlier of the absolute and the idle expiry.
func (t *AccessToken) EffectiveExpiry() time.Time {
	if t.IdleTTL > 0 {
		if idle := t.LastUsedAt.Add(t.IdleTTL); idle.Before(t.ExpiresAt) {
			return idle
		}
	}
	return t.ExpiresAt
}

// Family is one authorization by a user of a client: everything issued
// from one authorization code or password grant and the refresh tokens
// rotated from it (RFC 9700 §4.14.2). Revoking the family revokes all of it.
type Family struct {
	ID        string
	ClientID  string
	Subject   string
	Scopes    []string // the most a refresh may ask for
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time // absolute end of every refresh token in it
	RevokedAt time.Time // zero while live
	// SessionID is the LoginSession the authorization was given in (from
	// AuthCode.SessionID); empty when there was none (password grant,
	// headless sign-ins).
	SessionID string
	// Resources are the resource indicators (RFC 8707) the authorization
	// was given for: the audience of its access tokens, of which a
	// refresh may ask for fewer (§2.2); nil when none were requested (the
	// client's Audience then applies).
	Resources []string
	// Confirmation binds the family's refresh tokens to a key: the DPoP
	// key of a public client (RFC 9449 §5) or its certificate (RFC 8705
	// §4); zero when they are not bound.
	Confirmation Confirmation
	// ACR and AMR say how the user signed in for the authorization (OIDC
	// Core §2 acr, amr), for the ID tokens of its refreshes; empty when
	// unknown.
	ACR string
	AMR []string
}

// RefreshToken is the record of one refresh token; ID is its keyed hash.
type RefreshToken struct {
	ID        string
	FamilyID  string
	ClientID  string
	Subject   string
	Scopes    []string
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until rotated; a second use is a replay
}

// AuthCode is an authorization code (RFC 6749 §4.1.2); ID is its keyed
// hash. It is single-use and bound to everything below.
type AuthCode struct {
	ID                  string
	FamilyID            string // the family its tokens will belong to
	ClientID            string
	RedirectURI         string
	Subject             string
	Scopes              []string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string // "S256", "plain" or "" (no PKCE)
	AuthTime            time.Time
	IssuedAt            time.Time
	ExpiresAt           time.Time
	UsedAt              time.Time
	// SessionID is the browser LoginSession the code was issued in, "" for
	// a code issued without one; the family it starts keeps it.
	SessionID string
	// Resources are the resource indicators of the authorization request
	// (RFC 8707 §2.1: they apply to the whole grant); the token request
	// may ask for fewer of them. Nil when none were requested.
	Resources []string
	// DPoPJKT is the JWK thumbprint of the DPoP key the authorization
	// request bound the code to (RFC 9449 §10 dpop_jkt); "" for none.
	DPoPJKT string
	// ACR and AMR say how the user signed in (OIDC Core §2 acr, amr), for
	// the ID token; the family the code starts keeps them.
	ACR string
	AMR []string
}

// RevokedToken marks an access token revoked until it would have expired:
// a JWT by its "jti", an opaque token by its record ID (AccessToken.ID).
// Both live in one set (the revocation feed, package store/cache), so that a
// process can answer "is this token revoked?" from memory.
type RevokedToken struct {
	ID        string
	ClientID  string
	ExpiresAt time.Time
}

// SigningKey is a JWS signing key. The private part is stored only
// encrypted under the master key (package token does both).
type SigningKey struct {
	ID         string // "kid"
	Alg        string
	PublicJWK  []byte // JSON of the public JWK, published in the JWKS
	PrivateEnc []byte // AES-GCM sealed private JWK JSON
	CreatedAt  time.Time
	// RotatedAt is when a newer key of the same alg replaced it; zero for
	// the current key. A rotated key keeps verifying (and is published)
	// until RetireAt, after which the janitor deletes it.
	RotatedAt time.Time
	RetireAt  time.Time
}

// Current reports whether the key is the one signing for its alg.
func (k *SigningKey) Current() bool { return k.RotatedAt.IsZero() }

// LoginSession is a browser sign-in: the cookie holds a random value whose
// keyed hash is ID.
type LoginSession struct {
	ID        string
	UserID    string
	AuthTime  time.Time
	ExpiresAt time.Time
	// ACR and AMR say how the user signed in (OIDC Core §2 acr, amr), so
	// that a code issued later in the session reports them; empty when
	// unknown.
	ACR string
	AMR []string
}

// PushedRequest is an authorization request a client pushed to the PAR
// endpoint (RFC 9126 §2), validated and kept until the authorization
// endpoint uses its request_uri, once, or it expires (§2.2: short-lived,
// single use).
type PushedRequest struct {
	// ID is the keyed hash of the request_uri: the URI itself is a bearer
	// reference, stored only hashed.
	ID       string
	ClientID string
	// Params is the authorization request as validated, form-encoded: the
	// parameters the request object carried, or the form's.
	Params    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}
