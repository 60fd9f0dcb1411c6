package tokenmint

import (
	"context"
	"time"
)

// RegistrationToken is an initial access token an operator minted for
// dynamic client registration (RFC 7591 §3; `tokenmint registration-token
// create`): its holder may register up to MaxUses clients before
// ExpiresAt. The token itself is shown once; only its keyed hash, the ID,
// is stored.
type RegistrationToken struct {
	ID        string // keyed hash of the token (token.Hasher.ID)
	MaxUses   int    // registrations it was minted for
	Remaining int    // registrations it may still make
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Usable reports whether the token may register a client at now.
func (t *RegistrationToken) Usable(now time.Time) bool {
	return t.Remaining > 0 && now.Before(t.ExpiresAt)
}

// ClientRegistration ties a client registered through the registration
// endpoint (RFC 7591) to its registration access token, the credential of
// its client configuration endpoint (RFC 7592 §1). A client created by an
// operator has none.
type ClientRegistration struct {
	ClientID string
	// AccessTokenHash is the keyed hash of the registration access
	// token, compared in constant time.
	AccessTokenHash []byte
	CreatedAt       time.Time
}

// RegistrationStore keeps the initial access tokens of dynamic client
// registration and the registrations of the clients it created.
type RegistrationStore interface {
	// CreateRegistrationToken stores a new initial access token;
	// ErrConflict when its ID exists.
	CreateRegistrationToken(ctx context.Context, t RegistrationToken) error
	// GetRegistrationToken returns the token with that ID (ErrNotFound).
	GetRegistrationToken(ctx context.Context, id string) (RegistrationToken, error)
	// RegisterClient stores c and its registration reg (reg.ClientID is
	// c.ID) in one transaction. When tokenID is not "", it first spends
	// one use of that registration token at now, atomically: of N
	// concurrent registrations with a token of one use left, exactly one
	// succeeds. An unknown token, or one expired at now, gives
	// ErrNotFound; one without a use left, ErrAlreadyUsed; either way
	// nothing is stored. When c cannot be stored (ErrConflict), nothing
	// is, and the use is not spent.
	RegisterClient(ctx context.Context, c Client, reg ClientRegistration, tokenID string, now time.Time) error
	// GetClientRegistration returns the registration of the client with
	// that ID: ErrNotFound when the client was not registered through
	// the registration endpoint, or no longer exists.
	GetClientRegistration(ctx context.Context, clientID string) (ClientRegistration, error)
}
