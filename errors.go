package tokenmint

import "errors"

// Sentinel errors returned by every Store implementation. Callers test them
// with errors.Is; backends wrap them with context using %w.
var (
	// ErrNotFound: no record has that key (or it has already expired and
	// been removed).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a record with that key (client ID, username, ...)
	// already exists.
	ErrConflict = errors.New("already exists")
	// ErrAlreadyUsed: a single-use credential (authorization code, refresh
	// token) was presented a second time. The store returns the record
	// alongside this error so the caller can revoke what it produced.
	ErrAlreadyUsed = errors.New("already used")
	// ErrUnavailable: the backend cannot be reached (connection refused,
	// database restarting). The HTTP edge answers 503 for it.
	ErrUnavailable = errors.New("storage unavailable")
)
