package ratelimit

import (
	"context"
	"time"

	"github.com/tokenmint/tokenmint/internal/periodic"
)

// Memory is a Limiter for a single instance. It keeps one int64, the GCRA
// theoretical arrival time, per key in sharded maps. A key whose TAT has
// passed holds no information (it is at full burst), so Sweep, or Run in
// the background, removes it: memory is bounded by the keys active within
// the longest Per in use.
type Memory struct {
	now  func() time.Time
	tats shards[int64] // key → TAT in Unix nanoseconds
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns an empty Memory reading the time from now (time.Now
// when nil).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	m := &Memory{now: now}
	m.tats.init()
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
	s := m.tats.of(key)
	s.mu.Lock()
	tat, d := gcra(s.m[key], now, interval, interval*int64(l.Count), peek)
	if d.Allowed && !peek {
		s.m[key] = tat
	}
	s.mu.Unlock()
	return d, nil
}

// Reset implements Limiter.
func (m *Memory) Reset(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := m.tats.of(key)
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
	return nil
}

// Sweep removes every key whose theoretical arrival time is not after now
// (those keys are back to their full burst, so forgetting them changes no
// answer) and returns how many it removed. It locks one shard at a time.
func (m *Memory) Sweep(now time.Time) int {
	cutoff := now.UnixNano()
	return m.tats.sweep(func(tat int64) bool { return tat <= cutoff })
}

// Run calls Sweep every interval (which must be positive) until ctx is
// done. Start it once per Memory: go mem.Run(ctx, time.Minute).
func (m *Memory) Run(ctx context.Context, interval time.Duration) {
	periodic.Run(ctx, interval, func(context.Context) { m.Sweep(m.now()) })
}

// Len returns how many keys are held, for a gauge.
func (m *Memory) Len() int { return m.tats.len() }
