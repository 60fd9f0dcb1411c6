package ratelimit

import (
	"context"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/tokenmint/tokenmint/internal/periodic"
)

// MemoryWindow is a Window for a single instance: per key, the times of
// the events in its window, in sharded maps. A key whose newest event has
// left the window holds nothing, so Sweep, or Run in the background,
// removes it: memory is bounded by the keys active within the longest Per
// in use, times their Count.
type MemoryWindow struct {
	now    func() time.Time
	nextID atomic.Uint64
	logs   shards[*eventLog]
}

// eventLog is one key's events, oldest first, and when the newest leaves
// the window (Unix microseconds): after that the key may be forgotten.
type eventLog struct {
	events []event
	until  int64
}

type event struct {
	at int64 // Unix microseconds
	id uint64
}

var _ Window = (*MemoryWindow)(nil)

// NewMemoryWindow returns an empty MemoryWindow reading the time from now
// (time.Now when nil).
func NewMemoryWindow(now func() time.Time) *MemoryWindow {
	if now == nil {
		now = time.Now
	}
	m := &MemoryWindow{now: now}
	m.logs.init()
	return m
}

// Reserve implements Window.
func (m *MemoryWindow) Reserve(ctx context.Context, key string, l Limit) (Reservation, error) {
	if err := ctx.Err(); err != nil {
		return Reservation{}, err
	}
	if l.IsZero() {
		return Reservation{Decision: unlimited}, nil
	}
	if err := l.validateWindow(); err != nil {
		return Reservation{}, err
	}
	now, per := m.now().UnixMicro(), l.Per.Microseconds()
	s := m.logs.of(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	log := s.m[key]
	if log == nil {
		log = &eventLog{}
	}
	log.events = slices.DeleteFunc(log.events, func(e event) bool { return e.at <= now-per })
	r := Reservation{key: key}
	allowed := len(log.events) < l.Count
	if allowed {
		id := m.nextID.Add(1)
		r.id = strconv.FormatUint(id, 10)
		log.events = append(log.events, event{at: now, id: id})
		slices.SortStableFunc(log.events, func(a, b event) int { return compareInt64(a.at, b.at) })
		log.until = max(log.until, now+per)
	}
	if len(log.events) == 0 {
		delete(s.m, key)
	} else {
		s.m[key] = log
	}
	r.Decision = windowDecision(allowed, log.times(), now, per, l.Count)
	return r, nil
}

// Cancel implements Window.
func (m *MemoryWindow) Cancel(ctx context.Context, r Reservation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.id == "" {
		return nil
	}
	id, err := strconv.ParseUint(r.id, 10, 64)
	if err != nil {
		return nil // not one of ours: nothing of ours to forget
	}
	s := m.logs.of(r.key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if log := s.m[r.key]; log != nil {
		log.events = slices.DeleteFunc(log.events, func(e event) bool { return e.id == id })
	}
	return nil
}

// Sweep removes every key whose newest event left its window by now and
// returns how many it removed. It locks one shard at a time.
func (m *MemoryWindow) Sweep(now time.Time) int {
	cutoff := now.UnixMicro()
	return m.logs.sweep(func(l *eventLog) bool { return l.until <= cutoff })
}

// Run calls Sweep every interval (which must be positive) until ctx is
// done.
func (m *MemoryWindow) Run(ctx context.Context, interval time.Duration) {
	periodic.Run(ctx, interval, func(context.Context) { m.Sweep(m.now()) })
}

// Len returns how many keys are held, for a gauge.
func (m *MemoryWindow) Len() int { return m.logs.len() }

func (l *eventLog) times() []int64 {
	t := make([]int64, len(l.events))
	for i, e := range l.events {
		t[i] = e.at
	}
	return t
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
