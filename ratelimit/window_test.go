package ratelimit

import (
	"context"
	"errors"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// newWindowFunc returns a fresh, empty Window reading the time from now.
type newWindowFunc func(t *testing.T, now func() time.Time) Window

// wstep is one action of a window case: wait, then reserve under key (and
// keep the Reservation as number ref) or cancel Reservation ref.
type wstep struct {
	wait time.Duration
	op   string // "reserve", "cancel" or "" (wait only)
	key  string
	ref  int
	want Decision
}

func reserve(key string, ref int, want Decision) wstep {
	return wstep{op: "reserve", key: key, ref: ref, want: want}
}
func cancelRes(ref int) wstep     { return wstep{op: "cancel", ref: ref} }
func wwait(d time.Duration) wstep { return wstep{wait: d} }

// runWindowSuite checks the sliding-log semantics every Window must share.
func runWindowSuite(t *testing.T, newWindow newWindowFunc) {
	t.Helper()
	t.Run("Semantics", func(t *testing.T) { testWindowSemantics(t, newWindow) })
	t.Run("InvalidLimit", func(t *testing.T) { testWindowInvalidLimit(t, newWindow) })
	t.Run("Concurrent", func(t *testing.T) { testWindowConcurrent(t, newWindow) })
}

func testWindowSemantics(t *testing.T, newWindow newWindowFunc) {
	const m = time.Minute
	tests := []struct {
		name  string
		limit Limit
		steps []wstep
	}{
		{"count events then refused", threeAMinute, []wstep{
			reserve("a", 1, ok(2, 0, 3*m)),
			reserve("a", 2, ok(1, 0, 3*m)),
			reserve("a", 3, ok(0, 3*m, 3*m)),
			reserve("a", 4, denied(3*m, 3*m)),
			reserve("a", 5, denied(3*m, 3*m)),
		}},
		{"a burst waits the whole period", threeAMinute, []wstep{
			reserve("a", 1, ok(2, 0, 3*m)), reserve("a", 2, ok(1, 0, 3*m)), reserve("a", 3, ok(0, 3*m, 3*m)),
			wwait(3*m - time.Second), reserve("a", 4, denied(time.Second, time.Second)),
			wwait(time.Second), reserve("a", 5, ok(2, 0, 3*m)),
		}},
		{"the window rolls", threeAMinute, []wstep{
			reserve("a", 1, ok(2, 0, 3*m)),
			wwait(m), reserve("a", 2, ok(1, 0, 3*m)),
			wwait(m), reserve("a", 3, ok(0, m, 3*m)),
			reserve("a", 4, denied(m, 3*m)),
			wwait(m), reserve("a", 5, ok(0, m, 3*m)),
			wwait(30 * time.Second), reserve("a", 6, denied(30*time.Second, 150*time.Second)),
		}},
		{"refusals are not recorded", threeAMinute, []wstep{
			reserve("a", 1, ok(2, 0, 3*m)), reserve("a", 2, ok(1, 0, 3*m)), reserve("a", 3, ok(0, 3*m, 3*m)),
			wwait(m), reserve("a", 4, denied(2*m, 2*m)),
			wwait(m), reserve("a", 5, denied(m, m)),
			wwait(m), reserve("a", 6, ok(2, 0, 3*m)),
		}},
		{"cancel frees the slot", threeAMinute, []wstep{
			reserve("a", 1, ok(2, 0, 3*m)),
			wwait(m), reserve("a", 2, ok(1, 0, 3*m)),
			reserve("a", 3, ok(0, 2*m, 3*m)),
			cancelRes(1),
			reserve("a", 4, ok(0, 3*m, 3*m)),
			reserve("a", 5, denied(3*m, 3*m)),
			cancelRes(5), // refused: nothing to forget
			cancelRes(3),
			cancelRes(3), // twice: nothing more to forget
			reserve("a", 6, ok(0, 3*m, 3*m)),
		}},
		{"cancel after the event left the window", threeAMinute, []wstep{
			reserve("a", 1, ok(2, 0, 3*m)),
			wwait(3 * m), reserve("a", 2, ok(2, 0, 3*m)),
			cancelRes(1),
			reserve("a", 3, ok(1, 0, 3*m)),
		}},
		{"keys are independent", threeAMinute, []wstep{
			reserve("a", 1, ok(2, 0, 3*m)), reserve("a", 2, ok(1, 0, 3*m)), reserve("a", 3, ok(0, 3*m, 3*m)),
			reserve("b", 4, ok(2, 0, 3*m)),
			cancelRes(4),
			reserve("a", 5, denied(3*m, 3*m)),
		}},
		{"limit of one", Limit{Count: 1, Per: time.Hour}, []wstep{
			reserve("a", 1, ok(0, time.Hour, time.Hour)),
			reserve("a", 2, denied(time.Hour, time.Hour)),
			wwait(time.Hour), reserve("a", 3, ok(0, time.Hour, time.Hour)),
		}},
		{"ten an hour", Limit{Count: 10, Per: time.Hour}, []wstep{
			reserve("ip", 1, ok(9, 0, time.Hour)),
			wwait(30 * m),
			reserve("ip", 2, ok(8, 0, time.Hour)),
			wwait(30*m - time.Microsecond),
			reserve("ip", 3, ok(7, 0, time.Hour)),
		}},
		{"zero limit is unlimited", Limit{}, []wstep{
			reserve("a", 1, ok(math.MaxInt, 0, 0)),
			reserve("a", 2, ok(math.MaxInt, 0, 0)),
			cancelRes(1),
		}},
		{"awkward keys", threeAMinute, []wstep{
			reserve("", 1, ok(2, 0, 3*m)),
			reserve("epicollect:ÅSA\x00*?[", 2, ok(2, 0, 3*m)),
			reserve("epicollect:ÅSA\x00*?[", 3, ok(1, 0, 3*m)),
			cancelRes(3),
			reserve("epicollect:ÅSA\x00*?[", 4, ok(1, 0, 3*m)),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			w := newWindow(t, clock.Now)
			held := map[int]Reservation{}
			for i, s := range tt.steps {
				clock.Advance(s.wait)
				runWindowStep(t, w, tt.limit, i, s, held)
			}
		})
	}
}

func runWindowStep(t *testing.T, w Window, limit Limit, i int, s wstep, held map[int]Reservation) {
	t.Helper()
	switch s.op {
	case "":
	case "reserve":
		r, err := w.Reserve(t.Context(), s.key, limit)
		if err != nil {
			t.Fatalf("step %d: reserve %q: %v", i, s.key, err)
		}
		if r.Decision != s.want {
			t.Errorf("step %d: reserve %q = %+v, want %+v", i, s.key, r.Decision, s.want)
		}
		held[s.ref] = r
	case "cancel":
		if err := w.Cancel(t.Context(), held[s.ref]); err != nil {
			t.Fatalf("step %d: cancel %d: %v", i, s.ref, err)
		}
	default:
		t.Fatalf("step %d: unknown op %q", i, s.op)
	}
}

func testWindowInvalidLimit(t *testing.T, newWindow newWindowFunc) {
	tests := []struct {
		name  string
		limit Limit
	}{
		{"negative count", Limit{Count: -1, Per: time.Hour}},
		{"count without period", Limit{Count: 5}},
		{"period without count", Limit{Per: time.Hour}},
		{"period too long", Limit{Count: 1, Per: MaxPer + time.Hour}},
		{"too many events to log", Limit{Count: MaxWindowCount + 1, Per: time.Hour}},
	}
	w := newWindow(t, newFakeClock().Now)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := w.Reserve(t.Context(), "a", tt.limit); !errors.Is(err, ErrInvalidLimit) {
				t.Errorf("Reserve error = %v, want ErrInvalidLimit", err)
			}
			if err := tt.limit.ValidateWindow(); !errors.Is(err, ErrInvalidLimit) {
				t.Errorf("ValidateWindow = %v, want ErrInvalidLimit", err)
			}
		})
	}
	if err := (Limit{Count: MaxWindowCount, Per: time.Hour}).ValidateWindow(); err != nil {
		t.Errorf("ValidateWindow of the largest window: %v", err)
	}
}

// testWindowConcurrent races many goroutines on one key at one instant:
// exactly Count reservations are granted; cancelling them all concurrently
// makes room for exactly Count again.
func testWindowConcurrent(t *testing.T, newWindow newWindowFunc) {
	const goroutines, each = 32, 5
	limit := Limit{Count: 10, Per: time.Hour}
	w := newWindow(t, newFakeClock().Now)
	race := func() []Reservation {
		var mu sync.Mutex
		var granted []Reservation
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for range each {
					r, err := w.Reserve(context.Background(), "shared", limit)
					if err != nil {
						t.Error(err)
						return
					}
					if r.Allowed {
						mu.Lock()
						granted = append(granted, r)
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		return granted
	}
	granted := race()
	if len(granted) != limit.Count {
		t.Fatalf("%d goroutines × %d reservations: %d granted, want %d", goroutines, each, len(granted), limit.Count)
	}
	var cancelled atomic.Int64
	var wg sync.WaitGroup
	for _, r := range granted {
		wg.Go(func() {
			if err := w.Cancel(context.Background(), r); err != nil {
				t.Error(err)
			}
			cancelled.Add(1)
		})
	}
	wg.Wait()
	if again := race(); len(again) != limit.Count {
		t.Errorf("after cancelling every reservation: %d granted, want %d", len(again), limit.Count)
	}
}

func TestMemoryWindow(t *testing.T) {
	runWindowSuite(t, func(t *testing.T, now func() time.Time) Window { return NewMemoryWindow(now) })
}

func TestMemoryWindowSweep(t *testing.T) {
	clock := newFakeClock()
	w := NewMemoryWindow(clock.Now)
	short, long := Limit{Count: 5, Per: time.Minute}, Limit{Count: 5, Per: 10 * time.Minute}
	for i := range 100 {
		if _, err := w.Reserve(t.Context(), "short"+strconv.Itoa(i), short); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Reserve(t.Context(), "long"+strconv.Itoa(i), long); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name                 string
		wait                 time.Duration
		wantRemoved, wantLen int
	}{
		{"nothing has left", 0, 0, 200},
		{"short windows end", time.Minute, 100, 100},
		{"long windows still held", 8 * time.Minute, 0, 100},
		{"long windows end", time.Minute, 100, 0},
	}
	for _, s := range steps {
		clock.Advance(s.wait)
		if got := w.Sweep(clock.Now()); got != s.wantRemoved {
			t.Errorf("%s: Sweep removed %d, want %d", s.name, got, s.wantRemoved)
		}
		if got := w.Len(); got != s.wantLen {
			t.Errorf("%s: Len = %d, want %d", s.name, got, s.wantLen)
		}
	}
}

// failingWindow fails every call with err.
type failingWindow struct{ err error }

func (f failingWindow) Reserve(context.Context, string, Limit) (Reservation, error) {
	return Reservation{}, f.err
}
func (f failingWindow) Cancel(context.Context, Reservation) error { return f.err }

func TestWindowWithFallback(t *testing.T) {
	closed := Decision{Allowed: false, RetryAfter: time.Second, ResetAfter: time.Second}
	for _, tt := range []struct {
		policy Policy
		want   Decision
	}{{FailOpen, Decision{Allowed: true}}, {FailClosed, closed}} {
		t.Run(tt.policy.String(), func(t *testing.T) {
			var reported []error
			w := WindowWithFallback(failingWindow{errBackend}, tt.policy, func(err error) { reported = append(reported, err) })
			for range 2 { // the second falls in the cooldown, unreported
				r, err := w.Reserve(t.Context(), "a", threeAMinute)
				if err != nil || r.Decision != tt.want {
					t.Errorf("Reserve = %+v, %v; want %+v", r.Decision, err, tt.want)
				}
				if err := w.Cancel(t.Context(), r); err != nil {
					t.Errorf("Cancel = %v, want nil", err)
				}
			}
			// Cancel of a policy Reservation records nothing, so it does
			// not reach the backend: only the first Reserve is reported.
			if len(reported) != 1 || !errors.Is(reported[0], errBackend) {
				t.Errorf("reported %v, want one %v", reported, errBackend)
			}
		})
	}
	healthy := WindowWithFallback(NewMemoryWindow(newFakeClock().Now), FailClosed, func(err error) { t.Errorf("reported %v", err) })
	held := map[int]Reservation{}
	for i, s := range []wstep{
		reserve("a", 1, ok(2, 0, 3*time.Minute)), cancelRes(1), reserve("a", 2, ok(2, 0, 3*time.Minute)),
	} {
		runWindowStep(t, healthy, threeAMinute, i, s, held)
	}
}
