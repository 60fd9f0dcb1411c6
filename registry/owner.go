package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
)

// ErrTooManyClients is returned by CreateOwnedClient when the owner
// already has as many clients as they may. Test with errors.Is.
var ErrTooManyClients = errors.New("too many clients")

// OwnsClientsError is DeleteUser's refusal to delete a user who still
// owns clients. It is a tokenmint.ErrConflict (errors.Is); its text names
// the clients and what to do, for an operator.
type OwnsClientsError struct {
	UserID    string
	ClientIDs []string // ordered by ID
}

func (e *OwnsClientsError) Error() string {
	const most = 10
	ids, more := e.ClientIDs, ""
	if len(ids) > most {
		ids, more = ids[:most], fmt.Sprintf(" and %d more", len(ids)-most)
	}
	what := "client "
	if len(e.ClientIDs) > 1 {
		what = "clients "
	}
	return fmt.Sprintf("the user owns %s%s%s: give them another owner (or none), or delete them, first",
		what, strings.Join(ids, ", "), more)
}

// Is makes the refusal a tokenmint.ErrConflict.
func (e *OwnsClientsError) Is(target error) bool { return target == tokenmint.ErrConflict }

// checkOwner refuses an owner that names no user: an owner is a user ID
// (tokenmint.Client.Owner), "" for none. The error wraps ErrInvalid and a
// *tokenmint.FieldError naming the owner member.
func (r *Registry) checkOwner(ctx context.Context, userID string) error {
	if userID == "" {
		return nil
	}
	_, err := r.Store.GetUser(ctx, userID)
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		return invalid(&tokenmint.FieldError{Field: tokenmint.FieldOwner,
			Err: fmt.Errorf("owner %s is not the ID of a user", quoteID(userID))})
	case err != nil:
		return fmt.Errorf("look up owner: %w", err)
	}
	return nil
}

// quoteID quotes an ID from a request for a message, bounded.
func quoteID(id string) string {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return fmt.Sprintf("%q", id)
}

// OwnedClients returns the clients whose owner is userID, ordered by ID.
func (r *Registry) OwnedClients(ctx context.Context, userID string) ([]tokenmint.Client, error) {
	if userID == "" {
		return nil, invalidf("no owner given")
	}
	all, err := r.Store.ListClients(ctx)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	var out []tokenmint.Client
	for _, c := range all {
		if c.Owner == userID {
			out = append(out, c)
		}
	}
	return out, nil
}

// CreateOwnedClient creates a client owned by spec.Owner (the
// self-service pages) unless the owner already has max clients (max <= 0:
// no limit), which is ErrTooManyClients. The limit holds under
// concurrent creations on every instance without a lock: the client is
// created, then the owner's clients are counted; when they are more than
// max, the new one is deleted again and the creation refused, so that
// two racing requests at max-1 may both be refused but never both
// succeed.
func (r *Registry) CreateOwnedClient(ctx context.Context, spec ClientSpec, max int) (tokenmint.Client, Credentials, error) {
	if spec.Owner == "" {
		return tokenmint.Client{}, Credentials{}, invalidf("a self-service client needs an owner")
	}
	if max > 0 {
		owned, err := r.OwnedClients(ctx, spec.Owner)
		if err != nil {
			return tokenmint.Client{}, Credentials{}, err
		}
		if len(owned) >= max {
			return tokenmint.Client{}, Credentials{}, fmt.Errorf("%w: the limit is %d per user", ErrTooManyClients, max)
		}
	}
	c, creds, err := r.NewClient(spec)
	if err != nil {
		return tokenmint.Client{}, Credentials{}, err
	}
	if err := r.Store.CreateClient(ctx, c); err != nil {
		return tokenmint.Client{}, Credentials{}, fmt.Errorf("create client %s: %w", c.ID, err)
	}
	if max > 0 {
		owned, err := r.OwnedClients(ctx, spec.Owner)
		if err == nil && len(owned) > max {
			err = fmt.Errorf("%w: the limit is %d per user", ErrTooManyClients, max)
		}
		if err != nil {
			if derr := r.Store.DeleteClient(ctx, c.ID); derr != nil && !errors.Is(derr, tokenmint.ErrNotFound) {
				err = errors.Join(err, fmt.Errorf("delete client %s over the limit: %w", c.ID, derr))
			}
			return tokenmint.Client{}, Credentials{}, err
		}
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditClientCreated, ClientID: c.ID, Details: clientCreatedDetails(c, creds)})
	return c, creds, nil
}

// KeyRetireAfter is how long a signing key replaced by a rotation stays
// published: base (the server's key_retire_after), raised to the longest
// access token lifetime of any client, so that no token outlives the key
// that verifies it. The admin API and the console rotate with it.
func (r *Registry) KeyRetireAfter(ctx context.Context, base time.Duration) (time.Duration, error) {
	clients, err := r.Store.ListClients(ctx)
	if err != nil {
		return 0, fmt.Errorf("list clients: %w", err)
	}
	longest := base
	for i := range clients {
		longest = max(longest, clients[i].EffectiveAccessTTL())
	}
	return longest, nil
}
