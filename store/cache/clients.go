package cache

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

// Clients is a read-through cache of client records, for the engine's
// client lookups (grant.Config.Clients). Unknown client IDs are cached
// too (briefly, as misses) so that a flood of requests for a made-up
// client_id cannot turn into a flood of database reads. It is emptied
// when the store's revision moves (Store.Run).
type Clients struct {
	store tokenmint.ClientStore
	mu    sync.RWMutex
	items map[string]clientEntry
	rev   atomic.Int64
	// maxItems bounds memory; past it the cache is emptied (simple and
	// adequate: real deployments have far fewer clients than this).
	maxItems int
	// hits and misses count the lookups memory answered and those the
	// store did (ClientStats).
	hits, misses atomic.Uint64
}

// ClientStats are the client cache's size and counters, for metrics.
type ClientStats struct {
	Entries      int // clients held, found or not
	Hits, Misses uint64
}

// Stats returns the current size and counters.
func (c *Clients) Stats() ClientStats {
	c.mu.RLock()
	n := len(c.items)
	c.mu.RUnlock()
	return ClientStats{Entries: n, Hits: c.hits.Load(), Misses: c.misses.Load()}
}

type clientEntry struct {
	client tokenmint.Client
	found  bool
}

// newClients returns an empty cache over store.
func newClients(store tokenmint.ClientStore) *Clients {
	return &Clients{store: store, items: make(map[string]clientEntry), maxItems: 100_000}
}

// GetClient returns the client from memory, or from the store on a miss.
func (c *Clients) GetClient(ctx context.Context, id string) (tokenmint.Client, error) {
	c.mu.RLock()
	e, ok := c.items[id]
	c.mu.RUnlock()
	if ok {
		c.hits.Add(1)
		if !e.found {
			return tokenmint.Client{}, tokenmint.ErrNotFound
		}
		return e.client, nil
	}
	c.misses.Add(1)
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
		c.items[id] = clientEntry{client: cl, found: found}
	}
	c.mu.Unlock()
	return cl, err
}

// Invalidate empties the cache at once: for a process that has just
// changed a client (the admin API, the registration endpoint) and must
// not serve the old record until the next revision poll. Other processes
// follow the revision.
func (c *Clients) Invalidate() { c.invalidate() }

// invalidate empties the cache.
func (c *Clients) invalidate() {
	c.mu.Lock()
	c.rev.Add(1)
	clear(c.items)
	c.mu.Unlock()
}

// revisionSource is the part of the store watchRevision polls.
type revisionSource interface {
	Revision(ctx context.Context) (int64, error)
}

// watchRevision polls src every interval until ctx ends and calls each
// onChange (in order) whenever the revision differs from the last one
// seen, starting from since: read the revision before loading what the
// callbacks refresh, so no change between the load and the first poll is
// missed. It never returns early on errors: a failed poll is logged and
// retried at the next tick.
func watchRevision(ctx context.Context, src revisionSource, since int64, interval time.Duration, log *slog.Logger, onChange ...func(context.Context)) {
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
