package ratelimit

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// newLimiterFunc returns a fresh, empty Limiter reading the time from now.
type newLimiterFunc func(t *testing.T, now func() time.Time) Limiter

// step is one action of a suite case: wait, then act on key and compare.
type step struct {
	wait time.Duration
	op   string // "allow", "peek", "reset" or "" (wait only)
	key  string
	want Decision
}

func allow(key string, want Decision) step { return step{op: "allow", key: key, want: want} }
func peek(key string, want Decision) step  { return step{op: "peek", key: key, want: want} }
func reset(key string) step                { return step{op: "reset", key: key} }
func wait(d time.Duration) step            { return step{wait: d} }

func ok(remaining int, retry, reset time.Duration) Decision {
	return Decision{Allowed: true, Remaining: remaining, RetryAfter: retry, ResetAfter: reset}
}

func denied(retry, reset time.Duration) Decision {
	return Decision{Allowed: false, RetryAfter: retry, ResetAfter: reset}
}

// burst3 spends the whole burst of key under threeAMinute at one instant.
func burst3(key string) []step {
	return []step{
		allow(key, ok(2, 0, time.Minute)),
		allow(key, ok(1, 0, 2*time.Minute)),
		allow(key, ok(0, time.Minute, 3*time.Minute)),
	}
}

var threeAMinute = Limit{Count: 3, Per: 3 * time.Minute} // one event a minute, bursts of 3

// runLimiterSuite checks the GCRA semantics every Limiter must share.
func runLimiterSuite(t *testing.T, newLimiter newLimiterFunc) {
	t.Helper()
	t.Run("Semantics", func(t *testing.T) { testSemantics(t, newLimiter) })
	t.Run("InvalidLimit", func(t *testing.T) { testInvalidLimit(t, newLimiter) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newLimiter) })
}

func testSemantics(t *testing.T, newLimiter newLimiterFunc) {
	tests := []struct {
		name  string
		limit Limit
		steps []step
	}{
		{"burst then denied", threeAMinute, slices.Concat(burst3("a"), []step{
			allow("a", denied(time.Minute, 3*time.Minute)),
			allow("a", denied(time.Minute, 3*time.Minute)),
		})},
		{"retry after is exact", threeAMinute, slices.Concat(burst3("a"), []step{
			wait(59 * time.Second),
			allow("a", denied(time.Second, 2*time.Minute+time.Second)),
			wait(time.Second),
			allow("a", ok(0, time.Minute, 3*time.Minute)),
		})},
		{"steady rate is always allowed", threeAMinute, []step{
			allow("a", ok(2, 0, time.Minute)),
			wait(time.Minute), allow("a", ok(2, 0, time.Minute)),
			wait(time.Minute), allow("a", ok(2, 0, time.Minute)),
			wait(time.Minute), allow("a", ok(2, 0, time.Minute)),
		}},
		{"twice the rate drains the burst", threeAMinute, []step{
			allow("a", ok(2, 0, time.Minute)),
			wait(30 * time.Second), allow("a", ok(1, 0, 90*time.Second)),
			wait(30 * time.Second), allow("a", ok(1, 0, 2*time.Minute)),
			wait(30 * time.Second), allow("a", ok(0, 30*time.Second, 150*time.Second)),
			wait(30 * time.Second), allow("a", ok(0, time.Minute, 3*time.Minute)),
			wait(30 * time.Second), allow("a", denied(30*time.Second, 150*time.Second)),
		}},
		{"partial recovery", threeAMinute, slices.Concat(burst3("a"), []step{
			wait(time.Minute), peek("a", ok(1, 0, 2*time.Minute)),
			wait(time.Minute), peek("a", ok(2, 0, time.Minute)),
		})},
		{"full recovery after the window", threeAMinute, slices.Concat(burst3("a"), []step{
			wait(3 * time.Minute), peek("a", ok(3, 0, 0)),
		}, burst3("a"))},
		{"long idle is a fresh key", threeAMinute, slices.Concat(burst3("a"), []step{
			wait(24 * time.Hour),
		}, burst3("a"))},
		{"keys are independent", threeAMinute, slices.Concat(burst3("a"), []step{
			allow("b", ok(2, 0, time.Minute)),
			allow("a", denied(time.Minute, 3*time.Minute)),
			peek("c", ok(3, 0, 0)),
		})},
		{"peek does not record", threeAMinute, []step{
			peek("a", ok(3, 0, 0)),
			peek("a", ok(3, 0, 0)),
			allow("a", ok(2, 0, time.Minute)),
			peek("a", ok(2, 0, time.Minute)),
			peek("a", ok(2, 0, time.Minute)),
		}},
		{"peek when exhausted", threeAMinute, slices.Concat(burst3("a"), []step{
			peek("a", denied(time.Minute, 3*time.Minute)),
		})},
		{"denied events are not recorded", threeAMinute, slices.Concat(burst3("a"), []step{
			allow("a", denied(time.Minute, 3*time.Minute)),
			allow("a", denied(time.Minute, 3*time.Minute)),
			allow("a", denied(time.Minute, 3*time.Minute)),
			wait(time.Minute),
			allow("a", ok(0, time.Minute, 3*time.Minute)),
		})},
		{"reset forgets the key", threeAMinute, slices.Concat(burst3("a"), burst3("b"), []step{
			reset("a"),
			peek("a", ok(3, 0, 0)),
			allow("a", ok(2, 0, time.Minute)),
			allow("b", denied(time.Minute, 3*time.Minute)),
			reset("never-seen"),
		})},
		{"limit of one", Limit{Count: 1, Per: time.Hour}, []step{
			allow("a", ok(0, time.Hour, time.Hour)),
			allow("a", denied(time.Hour, time.Hour)),
			wait(time.Hour),
			allow("a", ok(0, time.Hour, time.Hour)),
		}},
		{"interval truncated to microseconds", Limit{Count: 3, Per: time.Second}, []step{
			allow("a", ok(2, 0, 333333*time.Microsecond)),
			allow("a", ok(1, 0, 666666*time.Microsecond)),
			allow("a", ok(0, 333333*time.Microsecond, 999999*time.Microsecond)),
			allow("a", denied(333333*time.Microsecond, 999999*time.Microsecond)),
		}},
		{"zero limit is unlimited", Limit{}, []step{
			allow("a", ok(math.MaxInt, 0, 0)),
			allow("a", ok(math.MaxInt, 0, 0)),
			peek("a", ok(math.MaxInt, 0, 0)),
		}},
		{"awkward keys", threeAMinute, []step{
			allow("", ok(2, 0, time.Minute)),
			allow("login:user:ÅSA bØ\x00*?[", ok(2, 0, time.Minute)),
			allow("login:user:ÅSA bØ\x00*?[", ok(1, 0, 2*time.Minute)),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			l := newLimiter(t, clock.Now)
			for i, s := range tt.steps {
				clock.Advance(s.wait)
				runStep(t, l, tt.limit, i, s)
			}
		})
	}
}

func runStep(t *testing.T, l Limiter, limit Limit, i int, s step) {
	t.Helper()
	ctx := t.Context()
	var got Decision
	var err error
	switch s.op {
	case "":
		return
	case "allow":
		got, err = l.Allow(ctx, s.key, limit)
	case "peek":
		got, err = l.Peek(ctx, s.key, limit)
	case "reset":
		err = l.Reset(ctx, s.key)
	default:
		t.Fatalf("step %d: unknown op %q", i, s.op)
	}
	if err != nil {
		t.Fatalf("step %d: %s %q: %v", i, s.op, s.key, err)
	}
	if got != s.want {
		t.Errorf("step %d: %s %q = %+v, want %+v", i, s.op, s.key, got, s.want)
	}
}

func testInvalidLimit(t *testing.T, newLimiter newLimiterFunc) {
	tests := []struct {
		name  string
		limit Limit
	}{
		{"negative count", Limit{Count: -1, Per: time.Hour}},
		{"count without period", Limit{Count: 5}},
		{"period without count", Limit{Per: time.Hour}},
		{"negative period", Limit{Count: 1, Per: -time.Hour}},
		{"period too long", Limit{Count: 1, Per: MaxPer + time.Hour}},
		{"faster than a microsecond", Limit{Count: 2000, Per: time.Millisecond}},
	}
	clock := newFakeClock()
	l := newLimiter(t, clock.Now)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := l.Allow(t.Context(), "a", tt.limit); !errors.Is(err, ErrInvalidLimit) {
				t.Errorf("Allow error = %v, want ErrInvalidLimit", err)
			}
			if _, err := l.Peek(t.Context(), "a", tt.limit); !errors.Is(err, ErrInvalidLimit) {
				t.Errorf("Peek error = %v, want ErrInvalidLimit", err)
			}
		})
	}
}

// testConcurrent races many goroutines on one key at one instant: exactly
// Count events may pass.
func testConcurrent(t *testing.T, newLimiter newLimiterFunc) {
	const goroutines, each = 32, 5
	limit := Limit{Count: 10, Per: time.Hour}
	clock := newFakeClock()
	l := newLimiter(t, clock.Now)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				d, err := l.Allow(context.Background(), "shared", limit)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != int64(limit.Count) {
		t.Errorf("%d goroutines × %d events: %d allowed, want %d", goroutines, each, got, limit.Count)
	}
}
