package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Policy decides what a limiter does when its backend fails.
type Policy int

const (
	// FailOpen allows the event: an outage of Redis must not take token
	// issuance down with it. The usual choice for issuance limits.
	FailOpen Policy = iota
	// FailClosed denies the event, asking the client to retry in a
	// second: for limits whose purpose is security (login throttling)
	// when an outage must not open the door to unlimited guessing.
	FailClosed
)

// failClosedRetry is what FailClosed tells the client to wait.
const failClosedRetry = time.Second

// String returns "fail-open" or "fail-closed".
func (p Policy) String() string {
	switch p {
	case FailOpen:
		return "fail-open"
	case FailClosed:
		return "fail-closed"
	default:
		return fmt.Sprintf("Policy(%d)", int(p))
	}
}

// ParsePolicy reads "fail-open" ("open") or "fail-closed" ("closed"),
// for configuration.
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "fail-open", "open":
		return FailOpen, nil
	case "fail-closed", "closed":
		return FailClosed, nil
	default:
		return 0, fmt.Errorf("parse rate limit policy %q: want fail-open or fail-closed", s)
	}
}

// WithFallback returns a Limiter that never returns an error: when
// primary fails it calls onError (if not nil; the server logs the error
// and counts it in a metric) and answers by policy. FailOpen allows
// (Decision{Allowed: true}, whose Remaining of 0 means unknown);
// FailClosed denies with a RetryAfter of one second. A failed Reset is reported and then ignored under both policies.
//
// An error caused by the caller's own context being cancelled (the client
// went away) is not a backend failure and is not passed to onError; the
// policy still applies.
//
// After a backend failure the primary is left alone for Cooldown: the
// policy answers at once instead of every request paying for another
// failed attempt (dial timeouts, retries) while the backend is down.
func WithFallback(primary Limiter, policy Policy, onError func(error)) Limiter {
	return &fallback{primary: primary, breaker: newBreaker(policy, onError)}
}

// WindowWithFallback is WithFallback for a Window: when primary fails,
// FailOpen grants a Reservation that records nothing (Cancel of it does
// nothing) and FailClosed refuses with a RetryAfter of one second. A
// failed Cancel is reported and then ignored.
func WindowWithFallback(primary Window, policy Policy, onError func(error)) Window {
	return &windowFallback{primary: primary, breaker: newBreaker(policy, onError)}
}

// Cooldown is how long WithFallback answers by policy alone after a
// failure of its primary.
const Cooldown = time.Second

// breaker is what both fallbacks share: the policy, the error report and
// the cooldown after a failure of the primary.
type breaker struct {
	policy    Policy
	onError   func(error)
	now       func() time.Time
	skipUntil atomic.Int64 // unix nanoseconds; the primary is skipped before it
}

func newBreaker(policy Policy, onError func(error)) *breaker {
	return &breaker{policy: policy, onError: onError, now: time.Now}
}

type fallback struct {
	primary Limiter
	*breaker
}

func (f *fallback) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	if f.cooling() {
		return f.policyDecision(), nil
	}
	d, err := f.primary.Allow(ctx, key, l)
	if err != nil {
		return f.fail(ctx, err), nil
	}
	return d, nil
}

func (f *fallback) Peek(ctx context.Context, key string, l Limit) (Decision, error) {
	if f.cooling() {
		return f.policyDecision(), nil
	}
	d, err := f.primary.Peek(ctx, key, l)
	if err != nil {
		return f.fail(ctx, err), nil
	}
	return d, nil
}

func (f *fallback) Reset(ctx context.Context, key string) error {
	if err := f.primary.Reset(ctx, key); err != nil {
		f.report(ctx, err)
	}
	return nil
}

type windowFallback struct {
	primary Window
	*breaker
}

func (f *windowFallback) Reserve(ctx context.Context, key string, l Limit) (Reservation, error) {
	if f.cooling() {
		return Reservation{Decision: f.policyDecision()}, nil
	}
	r, err := f.primary.Reserve(ctx, key, l)
	if err != nil {
		return Reservation{Decision: f.fail(ctx, err)}, nil
	}
	return r, nil
}

func (f *windowFallback) Cancel(ctx context.Context, r Reservation) error {
	if r.id == "" { // refused, or granted by the policy: nothing recorded
		return nil
	}
	if err := f.primary.Cancel(ctx, r); err != nil {
		f.report(ctx, err)
	}
	return nil
}

func (b *breaker) cooling() bool { return b.now().UnixNano() < b.skipUntil.Load() }

// fail reports err, rests the primary for Cooldown (unless the caller
// merely gave up), and returns the policy's Decision.
func (b *breaker) fail(ctx context.Context, err error) Decision {
	b.report(ctx, err)
	if ctx.Err() == nil {
		b.skipUntil.Store(b.now().Add(Cooldown).UnixNano())
	}
	return b.policyDecision()
}

func (b *breaker) policyDecision() Decision {
	if b.policy == FailClosed {
		return Decision{Allowed: false, RetryAfter: failClosedRetry, ResetAfter: failClosedRetry}
	}
	return Decision{Allowed: true}
}

func (b *breaker) report(ctx context.Context, err error) {
	if b.onError == nil || (errors.Is(err, context.Canceled) && ctx.Err() != nil) {
		return
	}
	b.onError(err)
}
