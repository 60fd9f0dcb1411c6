package dpop

import (
	"context"
	"errors"
	"sync"
	"time"
)

// MemoryReplayCache is a ReplayCache in one process's memory, for a
// resource server that runs alone (several instances need a shared
// store, or each would accept a proof once). It holds at most max
// identifiers: when full, it first drops the expired ones, then refuses
// new proofs until some expire, rather than forget one that could be
// replayed.
//
// So one holder of a DPoP-bound token can fill it (max fresh proofs
// within the proof lifetime) and have every other client's proofs
// refused until they expire: a denial of service. It sees only hashed
// identifiers, not the key a proof is by, so it cannot cap each key's
// share. Size max for the traffic expected, rate-limit per client in
// front of it, and in production use a ReplayCache on a shared store
// (Redis, a database) sized for it.
type MemoryReplayCache struct {
	mu   sync.Mutex
	max  int
	seen map[string]time.Time
}

// NewMemoryReplayCache returns a cache of at most max identifiers (0:
// 100 000).
func NewMemoryReplayCache(max int) *MemoryReplayCache {
	if max <= 0 {
		max = 100_000
	}
	return &MemoryReplayCache{max: max, seen: make(map[string]time.Time)}
}

// errFull: the cache holds max unexpired identifiers.
var errFull = errors.New("dpop: replay cache full")

// UseOnce implements ReplayCache.
func (m *MemoryReplayCache) UseOnce(_ context.Context, id string, now, expiresAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if exp, ok := m.seen[id]; ok && now.Before(exp) {
		return ErrReplayed
	}
	if len(m.seen) >= m.max {
		m.sweep(now)
		if len(m.seen) >= m.max {
			return errFull
		}
	}
	m.seen[id] = expiresAt
	return nil
}

func (m *MemoryReplayCache) sweep(now time.Time) {
	for id, exp := range m.seen {
		if !now.Before(exp) {
			delete(m.seen, id)
		}
	}
}
