package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tokenmint/tokenmint"
)

// ErrTooManyClients is returned by CreateOwnedClient when the owner
// already has as many clients as they may. Test with errors.Is.
var ErrTooManyClients = errors.New("too many clients")

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
