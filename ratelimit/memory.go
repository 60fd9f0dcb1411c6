package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/tokenmint/tokenmint/internal/periodic"
)

// shardCount spreads keys over independently locked maps so that
// concurrent requests for different keys rarely contend.
const shardCount = 64

// Memory is a Limiter for a single instance. It keeps one int64, the GCRA
// theoretical arrival time, per key in sharded maps. A key whose TAT has
// passed holds no information (it is at full burst), so Sweep, or Run in
// the background, removes it: memory is bounded by the keys active within
// the longest Per in use.
type Memory struct {
	now    func() time.Time
	seed   maphash.Seed
	shards [shardCount]memoryShard
}

type memoryShard struct {
	mu   sync.Mutex
	tats map[string]int64 // key → TAT in Unix nanoseconds
	_    [48]byte         // pad to a cache line against false sharing
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns an empty Memory reading the time from now (time.Now
// when nil).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	m := &Memory{now: now, seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].tats = make(map[string]int64)
	}
	return m
}

// Allow implements Limiter. For a key already present it does not allocate.
func (m *Memory) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	return m.apply(ctx, key, l, false)
}

// Peek implements Limiter.
func (m *Memory) Peek(ctx context.Context, key string, l Limit) (Decision, error) {
	return m.apply(ctx, key, l, true)
}

func (m *Memory) apply(ctx context.Context, key string, l Limit, peek bool) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	if l.IsZero() {
		return unlimited, nil
	}
	if err := l.validate(); err != nil {
		return Decision{}, err
	}
	interval := int64(l.interval())
	now := m.now().UnixNano()
	s := m.shard(key)
	s.mu.Lock()
	tat, d := gcra(s.tats[key], now, interval, interval*int64(l.Count), peek)
	if d.Allowed && !peek {
		s.tats[key] = tat
	}
	s.mu.Unlock()
	return d, nil
}

// Reset implements Limiter.
func (m *Memory) Reset(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := m.shard(key)
	s.mu.Lock()
	delete(s.tats, key)
	s.mu.Unlock()
	return nil
}

// Sweep removes every key whose theoretical arrival time is not after now
// (those keys are back to their full burst, so forgetting them changes no
// answer) and returns how many it removed. It locks one shard at a time.
func (m *Memory) Sweep(now time.Time) int {
	cutoff := now.UnixNano()
	removed := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		for k, tat := range s.tats {
			if tat <= cutoff {
				delete(s.tats, k)
				removed++
			}
		}
		s.mu.Unlock()
	}
	return removed
}

// Run calls Sweep every interval (which must be positive) until ctx is
// done. Start it once per Memory: go mem.Run(ctx, time.Minute).
func (m *Memory) Run(ctx context.Context, interval time.Duration) {
	periodic.Run(ctx, interval, func(context.Context) { m.Sweep(m.now()) })
}

// Len returns how many keys are held, for a gauge.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tats)
		s.mu.Unlock()
	}
	return n
}

func (m *Memory) shard(key string) *memoryShard {
	return &m.shards[maphash.String(m.seed, key)%shardCount]
}
