package ratelimit

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

func newMemoryLimiter(t *testing.T, now func() time.Time) Limiter {
	t.Helper()
	return NewMemory(now)
}

func TestMemory(t *testing.T) {
	runLimiterSuite(t, newMemoryLimiter)
}

func TestMemorySweep(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	short := Limit{Count: 5, Per: time.Minute}
	long := Limit{Count: 5, Per: 10 * time.Minute}
	for i := range 500 {
		mustAllow(t, m, "short"+strconv.Itoa(i), short)
		mustAllow(t, m, "long"+strconv.Itoa(i), long)
	}
	steps := []struct {
		name        string
		wait        time.Duration
		wantRemoved int
		wantLen     int
	}{
		{"nothing has expired", 0, 0, 1000},
		{"short keys expire", time.Minute / 5, 500, 500},
		{"long keys still held", time.Minute, 0, 500},
		{"long keys expire", 2 * time.Minute, 500, 0},
		{"empty stays empty", time.Hour, 0, 0},
	}
	for _, s := range steps {
		clock.Advance(s.wait)
		if got := m.Sweep(clock.Now()); got != s.wantRemoved {
			t.Errorf("%s: Sweep removed %d, want %d", s.name, got, s.wantRemoved)
		}
		if got := m.Len(); got != s.wantLen {
			t.Errorf("%s: Len = %d, want %d", s.name, got, s.wantLen)
		}
	}
}

// TestMemorySweepKeepsAnswers checks that sweeping only forgets what no
// longer matters: a swept key answers as it would have unswept.
func TestMemorySweepKeepsAnswers(t *testing.T) {
	clock := newFakeClock()
	swept, kept := NewMemory(clock.Now), NewMemory(clock.Now)
	for range 3 {
		mustAllow(t, swept, "a", threeAMinute)
		mustAllow(t, kept, "a", threeAMinute)
	}
	for _, wait := range []time.Duration{30 * time.Second, time.Minute, 3 * time.Minute} {
		clock.Advance(wait)
		swept.Sweep(clock.Now())
		a, _ := swept.Peek(t.Context(), "a", threeAMinute)
		b, _ := kept.Peek(t.Context(), "a", threeAMinute)
		if a != b {
			t.Errorf("after %s: swept %+v, unswept %+v", wait, a, b)
		}
	}
}

func TestMemoryRun(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	mustAllow(t, m, "a", threeAMinute)
	clock.Advance(time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		m.Run(ctx, time.Millisecond)
		close(done)
	}()
	for deadline := time.Now().Add(10 * time.Second); m.Len() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Run did not sweep the expired key")
		}
	}
	cancel()
	<-done
}

func TestMemoryHonoursContext(t *testing.T) {
	m := NewMemory(newFakeClock().Now)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := m.Allow(ctx, "a", threeAMinute); !errors.Is(err, context.Canceled) {
		t.Errorf("Allow error = %v, want context.Canceled", err)
	}
	if _, err := m.Peek(ctx, "a", threeAMinute); !errors.Is(err, context.Canceled) {
		t.Errorf("Peek error = %v, want context.Canceled", err)
	}
	if err := m.Reset(ctx, "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("Reset error = %v, want context.Canceled", err)
	}
}

func TestMemoryAllowDoesNotAllocate(t *testing.T) {
	m := NewMemory(time.Now)
	ctx := context.Background()
	limit := Limit{Count: 1000, Per: time.Second}
	mustAllow(t, m, "client:192.0.2.1", limit)
	allocs := testing.AllocsPerRun(1000, func() {
		_, _ = m.Allow(ctx, "client:192.0.2.1", limit)
	})
	if allocs != 0 {
		t.Errorf("Allow on an existing key: %v allocations, want 0", allocs)
	}
}

func mustAllow(t *testing.T, l Limiter, key string, limit Limit) {
	t.Helper()
	d, err := l.Allow(t.Context(), key, limit)
	if err != nil || !d.Allowed {
		t.Fatalf("Allow %q = %+v, %v; want allowed", key, d, err)
	}
}

func BenchmarkMemoryAllow(b *testing.B) {
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "token:ip:192.0.2." + strconv.Itoa(i)
	}
	limit := Limit{Count: 10, Per: time.Hour}
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		m := NewMemory(time.Now)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_, _ = m.Allow(ctx, keys[i%len(keys)], limit)
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		m := NewMemory(time.Now)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				_, _ = m.Allow(ctx, keys[i%len(keys)], limit)
				i++
			}
		})
	})
}
