package token

import "errors"

var (
	// ErrInvalidJWT is wrapped by every error of Keyset.Verify: the token
	// is malformed, not signed by a published key, signed with an
	// algorithm its key does not use, of the wrong "typ", or its claims
	// do not parse. Callers answer invalid_token / inactive.
	ErrInvalidJWT = errors.New("invalid JWT")
	// ErrNoSigningKey: Sign was asked for an algorithm that has no current
	// key (it was not passed to Keyset.Load).
	ErrNoSigningKey = errors.New("no signing key")
)
