package server

import (
	"context"
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

// readiness is /readyz's check: the database answers and accepts writes.
type readiness struct {
	db  database
	now func() time.Time

	mu      sync.Mutex // one probe at a time
	okUntil time.Time  // a probe succeeded; trusted until then
}

// Ping pings the database, and probes a write when the last successful
// probe is older than writeProbeEvery.
func (r *readiness) Ping(ctx context.Context) error {
	if err := r.db.Ping(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
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
