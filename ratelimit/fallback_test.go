package ratelimit

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

var errBackend = errors.New("backend down")

// failingLimiter fails every call with err.
type failingLimiter struct{ err error }

func (f failingLimiter) Allow(context.Context, string, Limit) (Decision, error) {
	return Decision{}, f.err
}

func (f failingLimiter) Peek(context.Context, string, Limit) (Decision, error) {
	return Decision{}, f.err
}

func (f failingLimiter) Reset(context.Context, string) error { return f.err }

func TestWithFallback(t *testing.T) {
	closed := Decision{Allowed: false, RetryAfter: time.Second, ResetAfter: time.Second}
	tests := []struct {
		name       string
		policy     Policy
		err        error
		cancel     bool
		want       Decision
		wantReport int
	}{
		// Allow fails and is reported; Peek is answered by the policy
		// during the cooldown without asking the backend; Reset reports.
		{"open allows", FailOpen, errBackend, false, Decision{Allowed: true}, 2},
		{"closed denies for a second", FailClosed, errBackend, false, closed, 2},
		{"cancelled caller is not reported", FailClosed, context.Canceled, true, closed, 0},
		{"backend cancellation is reported", FailOpen, context.Canceled, false, Decision{Allowed: true}, 2},
		{"deadline is reported", FailOpen, context.DeadlineExceeded, false, Decision{Allowed: true}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			if tt.cancel {
				cancel()
			}
			defer cancel()
			var reported []error
			l := WithFallback(failingLimiter{tt.err}, tt.policy, func(err error) { reported = append(reported, err) })
			if d, err := l.Allow(ctx, "a", threeAMinute); err != nil || d != tt.want {
				t.Errorf("Allow = %+v, %v; want %+v, nil", d, err, tt.want)
			}
			if d, err := l.Peek(ctx, "a", threeAMinute); err != nil || d != tt.want {
				t.Errorf("Peek = %+v, %v; want %+v, nil", d, err, tt.want)
			}
			if err := l.Reset(ctx, "a"); err != nil {
				t.Errorf("Reset = %v, want nil", err)
			}
			if len(reported) != tt.wantReport {
				t.Fatalf("onError called %d times, want %d", len(reported), tt.wantReport)
			}
			for _, err := range reported {
				if !errors.Is(err, tt.err) {
					t.Errorf("reported %v, want %v", err, tt.err)
				}
			}
		})
	}
}

// countingLimiter fails while down and counts the calls that reach it.
type countingLimiter struct {
	down  bool
	calls int
}

func (c *countingLimiter) Allow(context.Context, string, Limit) (Decision, error) {
	c.calls++
	if c.down {
		return Decision{}, errBackend
	}
	return Decision{Allowed: true, Remaining: 7}, nil
}
func (c *countingLimiter) Peek(ctx context.Context, k string, l Limit) (Decision, error) {
	return c.Allow(ctx, k, l)
}
func (c *countingLimiter) Reset(context.Context, string) error { return nil }

// TestWithFallbackCooldown: after a failure the backend is left alone for
// Cooldown, then tried again, and answers again once it is back.
func TestWithFallbackCooldown(t *testing.T) {
	clock := newFakeClock()
	backend := &countingLimiter{down: true}
	f := WithFallback(backend, FailOpen, nil).(*fallback)
	f.now = clock.Now
	for range 5 {
		f.Allow(t.Context(), "k", threeAMinute)
	}
	if backend.calls != 1 {
		t.Fatalf("backend asked %d times during the cooldown, want 1", backend.calls)
	}
	clock.Advance(Cooldown)
	backend.down = false
	if d, _ := f.Allow(t.Context(), "k", threeAMinute); backend.calls != 2 || d.Remaining != 7 {
		t.Fatalf("after the cooldown: calls %d, decision %+v; want the backend's answer", backend.calls, d)
	}
}

func TestWithFallbackPassesThrough(t *testing.T) {
	clock := newFakeClock()
	reports := 0
	l := WithFallback(NewMemory(clock.Now), FailClosed, func(error) { reports++ })
	steps := slices.Concat(burst3("a"), []step{
		allow("a", denied(time.Minute, 3*time.Minute)),
		reset("a"),
		peek("a", ok(3, 0, 0)),
	})
	for i, s := range steps {
		runStep(t, l, threeAMinute, i, s)
	}
	if reports != 0 {
		t.Errorf("onError called %d times on a healthy limiter", reports)
	}
}

func TestWithFallbackNilOnError(t *testing.T) {
	l := WithFallback(failingLimiter{errBackend}, FailOpen, nil)
	if d, err := l.Allow(t.Context(), "a", threeAMinute); err != nil || !d.Allowed {
		t.Errorf("Allow = %+v, %v; want allowed", d, err)
	}
}

func TestPolicy(t *testing.T) {
	tests := []struct {
		in      string
		want    Policy
		wantErr bool
	}{
		{"fail-open", FailOpen, false},
		{"open", FailOpen, false},
		{"fail-closed", FailClosed, false},
		{"closed", FailClosed, false},
		{"", 0, true},
		{"FAIL-OPEN", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePolicy(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParsePolicy(%q) = %v, %v", tt.in, got, err)
			}
			if err == nil && !tt.wantErr {
				if back, err := ParsePolicy(got.String()); err != nil || back != got {
					t.Errorf("%v does not read back: %v, %v", got, back, err)
				}
			}
		})
	}
	if got := Policy(7).String(); got != "Policy(7)" {
		t.Errorf("Policy(7).String() = %q", got)
	}
}
