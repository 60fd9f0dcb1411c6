// Package clientcache keeps client records in memory so that a token
// request costs no database read in the steady state.
//
// Freshness comes from tokenmint.Store.Revision, a counter the store bumps
// whenever a client or signing key changes, in this process or any other
// sharing the database (the CLI writing the SQLite file, another instance
// on PostgreSQL). Watch polls it; when it moves, the cache is emptied and
// refills on demand. With the default one-second poll, a client created,
// changed or deleted anywhere takes effect everywhere within two seconds.
package clientcache

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/internal/periodic"
)

// Cache is a read-through cache of clients. Unknown client IDs are cached
// too (briefly, as misses) so that a flood of requests for a made-up
// client_id cannot turn into a flood of database reads.
type Cache struct {
	store tokenmint.ClientStore
	mu    sync.RWMutex
	items map[string]entry
	rev   atomic.Int64
	// maxItems bounds memory; past it the cache is emptied (simple and
	// adequate: real deployments have far fewer clients than this).
	maxItems int
}

type entry struct {
	client tokenmint.Client
	found  bool
}

// New returns an empty cache over store.
func New(store tokenmint.ClientStore) *Cache {
	return &Cache{store: store, items: make(map[string]entry), maxItems: 100_000}
}

// GetClient returns the client from memory, or from the store on a miss.
func (c *Cache) GetClient(ctx context.Context, id string) (tokenmint.Client, error) {
	c.mu.RLock()
	e, ok := c.items[id]
	c.mu.RUnlock()
	if ok {
		if !e.found {
			return tokenmint.Client{}, tokenmint.ErrNotFound
		}
		return e.client, nil
	}
	rev := c.rev.Load()
	cl, err := c.store.GetClient(ctx, id)
	found := err == nil
	if err != nil && !errors.Is(err, tokenmint.ErrNotFound) {
		return cl, err
	}
	c.mu.Lock()
	if c.rev.Load() == rev { // do not cache what a concurrent invalidation made stale
		if len(c.items) >= c.maxItems {
			clear(c.items)
		}
		c.items[id] = entry{client: cl, found: found}
	}
	c.mu.Unlock()
	return cl, err
}

// Invalidate empties the cache.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.rev.Add(1)
	clear(c.items)
	c.mu.Unlock()
}

// RevisionSource is the part of the store Watch polls.
type RevisionSource interface {
	Revision(ctx context.Context) (int64, error)
}

// Watch polls src every interval until ctx ends and calls each onChange
// (in order) whenever the revision differs from the last one seen,
// starting from since: read the revision before loading what the
// callbacks refresh, so no change between the load and the first poll is
// missed. It never returns early on errors: a failed poll is logged and
// retried at the next tick.
func Watch(ctx context.Context, src RevisionSource, since int64, interval time.Duration, log *slog.Logger, onChange ...func(context.Context)) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	last := since
	periodic.Run(ctx, interval, func(ctx context.Context) {
		rev, err := src.Revision(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.WarnContext(ctx, "cache revision poll failed", "err", err)
			}
			return
		}
		if rev != last {
			last = rev
			for _, f := range onChange {
				f(ctx)
			}
		}
	})
}
