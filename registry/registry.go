package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/token"
)

// ErrInvalid is wrapped by every error about a rejected specification
// (empty name, short password, unknown grant type, ...), as opposed to a
// failure of the store. Test with errors.Is.
var ErrInvalid = errors.New("invalid")

// invalidError carries a user-facing message and wraps ErrInvalid without
// adding it to the text.
type invalidError struct{ err error }

func (e *invalidError) Error() string   { return e.err.Error() }
func (e *invalidError) Unwrap() []error { return []error{ErrInvalid, e.err} }

func invalid(err error) error { return &invalidError{err: err} }

func invalidf(format string, args ...any) error { return invalid(fmt.Errorf(format, args...)) }

// Registry creates clients and users in Store. Secrets is needed for
// client credentials, Passwords for user passwords; a Registry used only
// for one kind may leave the other nil.
type Registry struct {
	Store   tokenmint.Store
	Secrets *token.Hasher // keyed with MasterKey.Derive(token.PurposeSecretHash)
	// Sealer seals the secrets of client_secret_jwt clients (keyed with
	// MasterKey.Derive(token.PurposeSecretEncryption)); without one,
	// such clients cannot be created.
	Sealer    *token.Sealer
	Passwords *password.Hasher // argon2id
	Now       func() time.Time // default time.Now
	// Profiles looks up the client profiles that CreateClient applies to
	// a spec naming one (the dialects' registry, dialects.Profile); nil
	// knows none.
	Profiles Profiles
	// Audit receives the audit event of every change, with the actor
	// WithActor put in the context; nil appends each to Store at once.
	Audit Auditor
	// Logger receives failures to store an audit event when Audit is nil.
	// Default slog.Default().
	Logger *slog.Logger
	// CheckClient, when set, checks what needs I/O of a client about to
	// be created or changed: the sector_identifier_uri of a pairwise
	// client must list its redirect URIs (OIDC Registration §5,
	// jwksfetch.SectorChecker). Its error is wrapped with ErrInvalid.
	CheckClient func(ctx context.Context, c tokenmint.Client) error
}

// Check runs CheckClient, if any, on a client built by NewClient before
// it is stored (dynamic registration); errors wrap ErrInvalid.
func (r *Registry) Check(ctx context.Context, c tokenmint.Client) error { return r.checkClient(ctx, c) }

// checkClient runs CheckClient, if any.
func (r *Registry) checkClient(ctx context.Context, c tokenmint.Client) error {
	if r.CheckClient == nil {
		return nil
	}
	if err := r.CheckClient(ctx, c); err != nil {
		return invalid(err)
	}
	return nil
}

func (r *Registry) now() time.Time {
	if r.Now == nil {
		return time.Now().UTC()
	}
	return r.Now().UTC()
}

func (r *Registry) secrets() (*token.Hasher, error) {
	if r.Secrets == nil {
		return nil, errors.New("registry has no secret hasher")
	}
	return r.Secrets, nil
}

func (r *Registry) passwords() (*password.Hasher, error) {
	if r.Passwords == nil {
		return nil, errors.New("registry has no password hasher")
	}
	return r.Passwords, nil
}
