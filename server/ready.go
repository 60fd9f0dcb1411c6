package server

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// writeProbeEvery is how long a successful write probe vouches for the
// database at /readyz: at most one small write transaction per interval,
// however often the load balancer asks. A failed probe is not
// remembered, so an instance is ready again at the first check after
// the database is.
const writeProbeEvery = 5 * time.Second

// database is what readiness asks of the store.
type database interface {
	Ping(ctx context.Context) error
	CheckWritable(ctx context.Context) error
}

// keyLoader (re)loads the signing keys from the store (token.Keyset).
type keyLoader interface {
	Load(ctx context.Context, algs ...string) error
}

// readiness is /readyz's check: the database answers and accepts writes,
// and the signing keys loaded.
type readiness struct {
	db   database
	keys keyLoader // nil: not checked
	now  func() time.Time

	mu      sync.Mutex // one probe at a time
	okUntil time.Time  // a probe succeeded; trusted until then
	keysErr error      // the last load of the signing keys failed
}

// Ping pings the database, probes a write when the last successful probe
// is older than writeProbeEvery, and loads the signing keys again when
// the last load failed.
func (r *readiness) Ping(ctx context.Context) error {
	if err := r.db.Ping(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keysErr != nil {
		r.loadKeysLocked(ctx)
		if r.keysErr != nil {
			return fmt.Errorf("signing keys: %w", r.keysErr)
		}
	}
	now := r.now()
	if now.Before(r.okUntil) {
		return nil
	}
	if err := r.db.CheckWritable(ctx); err != nil {
		return err
	}
	r.okUntil = now.Add(writeProbeEvery)
	return nil
}

// loadKeys loads the signing keys (a key created or rotated elsewhere)
// and remembers whether that failed: a key this instance cannot open (a
// master key it does not hold) leaves it unable to verify what the others
// sign, so it is not ready until a load succeeds.
func (r *readiness) loadKeys(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.loadKeysLocked(ctx)
	return r.keysErr
}

func (r *readiness) loadKeysLocked(ctx context.Context) {
	if r.keys != nil {
		r.keysErr = r.keys.Load(ctx)
	}
}
