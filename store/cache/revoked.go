package cache

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/internal/periodic"
)

// pruneEvery is how often entries of expired tokens are dropped, and
// pruneMargin how long after its expiry an entry is kept: a token past its
// expiry is inactive whatever the set says, and the margin keeps clock
// differences between instances out of the question.
const (
	pruneEvery  = time.Minute
	pruneMargin = time.Minute
)

// denylist is a tokenmint.Store whose IsRevoked answers from memory once
// Load has succeeded: every revoked access token ID not yet expired,
// followed through the store's revocation feed (see the package
// documentation). Every other method is the wrapped store's; the
// revoking ones also update the set.
type denylist struct {
	tokenmint.Store
	log *slog.Logger
	now func() time.Time

	loaded  atomic.Bool
	revoked sync.Map // token ID -> expiry (time.Time)
	size    atomic.Int64

	mu        sync.Mutex // serialises reads of the feed; guards cursor, lastPrune
	cursor    int64
	lastPrune time.Time
}

// newDenylist wraps store; it uses opts.Logger and opts.Now. Until Load
// succeeds, IsRevoked asks the store.
func newDenylist(store tokenmint.Store, opts Options) *denylist {
	opts = opts.withDefaults()
	return &denylist{Store: store, log: opts.Logger, now: opts.Now, cursor: -1}
}

// Load reads every revocation in the store; from then on IsRevoked
// answers from memory.
func (s *denylist) Load(ctx context.Context) error {
	if err := s.Sync(ctx); err != nil {
		return err
	}
	s.loaded.Store(true)
	return nil
}

// Sync reads the revocations committed since the last read.
func (s *denylist) Sync(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs, next, err := s.Store.RevocationsSince(ctx, s.cursor)
	if err != nil {
		return fmt.Errorf("read revocation feed: %w", err)
	}
	for _, r := range rs {
		s.add(r.ID, r.ExpiresAt)
	}
	s.cursor = next
	if now := s.now(); now.Sub(s.lastPrune) >= pruneEvery {
		s.prune(now)
		s.lastPrune = now
	}
	return nil
}

func (s *denylist) add(id string, exp time.Time) {
	if _, loaded := s.revoked.Swap(id, exp); !loaded {
		s.size.Add(1)
	}
}

func (s *denylist) prune(now time.Time) {
	s.revoked.Range(func(k, v any) bool {
		if v.(time.Time).Add(pruneMargin).Before(now) && s.revoked.CompareAndDelete(k, v) {
			s.size.Add(-1)
		}
		return true
	})
}

// Len is how many revoked tokens are held.
func (s *denylist) Len() int { return int(s.size.Load()) }

// Watch calls Sync every interval until ctx ends. A failed read is logged
// and retried at the next tick.
func (s *denylist) Watch(ctx context.Context, interval time.Duration) {
	periodic.Run(ctx, interval, func(ctx context.Context) {
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "revocation poll failed", "err", err)
		}
	})
}

// IsRevoked answers from memory once loaded.
func (s *denylist) IsRevoked(ctx context.Context, id string) (bool, error) {
	if !s.loaded.Load() {
		return s.Store.IsRevoked(ctx, id)
	}
	if s.size.Load() == 0 {
		return false, nil
	}
	_, ok := s.revoked.Load(id)
	return ok, nil
}

// DeleteAccessToken revokes the opaque token and reads the revocation it
// recorded before returning.
func (s *denylist) DeleteAccessToken(ctx context.Context, id string) error {
	if err := s.Store.DeleteAccessToken(ctx, id); err != nil {
		return err
	}
	s.syncAfter(ctx, "delete access token")
	return nil
}

// RevokeJWT records the revocation and holds it at once.
func (s *denylist) RevokeJWT(ctx context.Context, r tokenmint.RevokedToken) error {
	if err := s.Store.RevokeJWT(ctx, r); err != nil {
		return err
	}
	s.add(r.ID, r.ExpiresAt)
	return nil
}

// RevokeFamily revokes the family and reads the revocations it recorded
// before returning.
func (s *denylist) RevokeFamily(ctx context.Context, id string, now time.Time) error {
	if err := s.Store.RevokeFamily(ctx, id, now); err != nil {
		return err
	}
	s.syncAfter(ctx, "revoke family")
	return nil
}

// DeleteClient deletes the client and reads the revocations it recorded
// before returning.
func (s *denylist) DeleteClient(ctx context.Context, id string) error {
	if err := s.Store.DeleteClient(ctx, id); err != nil {
		return err
	}
	s.syncAfter(ctx, "delete client")
	return nil
}

// RevokeClientTokens revokes what the client was issued and reads the
// revocations it recorded before returning.
func (s *denylist) RevokeClientTokens(ctx context.Context, id string, now time.Time) error {
	if err := s.Store.RevokeClientTokens(ctx, id, now); err != nil {
		return err
	}
	s.syncAfter(ctx, "revoke client tokens")
	return nil
}

// DeleteUser deletes the user and reads the revocations it recorded
// before returning.
func (s *denylist) DeleteUser(ctx context.Context, id string) error {
	if err := s.Store.DeleteUser(ctx, id); err != nil {
		return err
	}
	s.syncAfter(ctx, "delete user")
	return nil
}

// RevokeUserGrants revokes the user's families and reads the
// revocations it recorded before returning.
func (s *denylist) RevokeUserGrants(ctx context.Context, userID string, now time.Time) error {
	if err := s.Store.RevokeUserGrants(ctx, userID, now); err != nil {
		return err
	}
	s.syncAfter(ctx, "revoke user grants")
	return nil
}

// syncAfter reads the feed after a committed write that revoked. The
// write stands whatever happens here: a failed read is logged and the
// next poll brings the revocations in.
func (s *denylist) syncAfter(ctx context.Context, op string) {
	if err := s.Sync(ctx); err != nil {
		s.log.WarnContext(ctx, "revocation feed read after "+op+" failed; the next poll retries", "err", err)
	}
}
