package ratelimit

import (
	"errors"
	"math"
	"testing"
	"time"
)

const (
	userKey = "login:user:alice"
	ipKey   = "login:ip:192.0.2.1"
)

// fivePerQuarter is the usual login limit: one failure every three minutes,
// bursts of five.
var fivePerQuarter = Limit{Count: 5, Per: 15 * time.Minute}

// throttleStep is one action on a Throttle: wait, then fail or succeed on
// keys, or check them and compare.
type throttleStep struct {
	wait time.Duration
	op   string // "fail", "succeed" or "check"
	keys []string
	want Decision // for "check"
}

func fail(n int, keys ...string) []throttleStep {
	out := make([]throttleStep, n)
	for i := range out {
		out[i] = throttleStep{op: "fail", keys: keys}
	}
	return out
}

func check(wait time.Duration, want Decision, keys ...string) throttleStep {
	return throttleStep{wait: wait, op: "check", keys: keys, want: want}
}

func succeed(keys ...string) throttleStep { return throttleStep{op: "succeed", keys: keys} }

func TestThrottle(t *testing.T) {
	locked := denied(3*time.Minute, 15*time.Minute)
	tests := []struct {
		name  string
		limit Limit
		steps []throttleStep
	}{
		{"fresh keys are allowed", fivePerQuarter, []throttleStep{
			check(0, ok(5, 0, 0), userKey, ipKey),
		}},
		{"locked after Count failures", fivePerQuarter, append(fail(4, userKey, ipKey),
			check(0, ok(1, 0, 12*time.Minute), userKey, ipKey),
			throttleStep{op: "fail", keys: []string{userKey, ipKey}},
			check(0, locked, userKey, ipKey),
		)},
		{"any locked key denies", fivePerQuarter, append(fail(5, ipKey),
			check(0, locked, userKey, ipKey),
			check(0, ok(5, 0, 0), userKey),
		)},
		{"the merged decision is the strictest", fivePerQuarter, append(append(fail(2, userKey), fail(4, ipKey)...),
			check(0, ok(1, 0, 12*time.Minute), userKey, ipKey),
		)},
		{"success resets only the keys given", fivePerQuarter, append(fail(5, userKey, ipKey),
			succeed(userKey),
			check(0, ok(5, 0, 0), userKey),
			check(0, locked, ipKey),
			check(0, locked, userKey, ipKey),
		)},
		{"failures expire by themselves", fivePerQuarter, append(fail(5, userKey),
			check(3*time.Minute, ok(1, 0, 12*time.Minute), userKey),
			check(12*time.Minute, ok(5, 0, 0), userKey),
		)},
		{"failures while locked do not extend the lock", fivePerQuarter, append(append(fail(5, userKey), fail(20, userKey)...),
			check(3*time.Minute, ok(1, 0, 12*time.Minute), userKey),
		)},
		{"zero limit never locks", Limit{}, append(fail(100, userKey),
			check(0, ok(math.MaxInt, 0, 0), userKey),
		)},
		{"no keys allows", fivePerQuarter, []throttleStep{
			check(0, ok(math.MaxInt, 0, 0)),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			th := Throttle{Limiter: NewMemory(clock.Now), Limit: tt.limit}
			for i, s := range tt.steps {
				clock.Advance(s.wait)
				runThrottleStep(t, th, i, s)
			}
		})
	}
}

func runThrottleStep(t *testing.T, th Throttle, i int, s throttleStep) {
	t.Helper()
	ctx := t.Context()
	switch s.op {
	case "fail":
		if err := th.Fail(ctx, s.keys...); err != nil {
			t.Fatalf("step %d: Fail: %v", i, err)
		}
	case "succeed":
		if err := th.Succeed(ctx, s.keys...); err != nil {
			t.Fatalf("step %d: Succeed: %v", i, err)
		}
	case "check":
		got, err := th.Check(ctx, s.keys...)
		if err != nil || got != s.want {
			t.Errorf("step %d: Check(%q) = %+v, %v; want %+v", i, s.keys, got, err, s.want)
		}
	default:
		t.Fatalf("step %d: unknown op %q", i, s.op)
	}
}

func TestThrottleErrors(t *testing.T) {
	th := Throttle{Limiter: failingLimiter{errBackend}, Limit: fivePerQuarter}
	if _, err := th.Check(t.Context(), userKey, ipKey); !errors.Is(err, errBackend) {
		t.Errorf("Check error = %v, want %v", err, errBackend)
	}
	if err := th.Fail(t.Context(), userKey, ipKey); !errors.Is(err, errBackend) {
		t.Errorf("Fail error = %v, want %v", err, errBackend)
	}
	if err := th.Succeed(t.Context(), userKey); !errors.Is(err, errBackend) {
		t.Errorf("Succeed error = %v, want %v", err, errBackend)
	}
}

// TestThrottleFailClosed checks the login configuration: a failing backend
// behind FailClosed locks every key instead of returning errors.
func TestThrottleFailClosed(t *testing.T) {
	th := Throttle{Limiter: WithFallback(failingLimiter{errBackend}, FailClosed, nil), Limit: fivePerQuarter}
	d, err := th.Check(t.Context(), userKey, ipKey)
	if err != nil || d.Allowed || d.RetryAfterSeconds() != 1 {
		t.Errorf("Check = %+v, %v; want denied for 1s", d, err)
	}
	if err := th.Fail(t.Context(), userKey); err != nil {
		t.Errorf("Fail = %v, want nil", err)
	}
}
