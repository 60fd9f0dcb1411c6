package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Throttle limits failures, typically failed logins, per key. A login
// handler checks the username key and the client IP key before verifying
// the password, records a failure on both when it is wrong, and clears
// only the username key when it is right:
//
//	th := ratelimit.Throttle{
//		Limiter: ratelimit.WithFallback(lim, ratelimit.FailClosed, report),
//		Limit:   ratelimit.Limit{Count: 5, Per: 15 * time.Minute},
//	}
//	keys := []string{"login:user:" + username, "login:ip:" + ip}
//	d, err := th.Check(ctx, keys...) // err is nil behind WithFallback
//	if err != nil || !d.Allowed {
//		// answer 429 with Retry-After: d.RetryAfterSeconds()
//	}
//	if !ok {
//		err = th.Fail(ctx, keys...)
//	} else {
//		err = th.Succeed(ctx, keys[0]) // the username only, never the IP
//	}
//
// Succeed must not reset the IP key: an attacker holding one valid
// account would log into it between guesses at other accounts and so
// reset the IP's budget forever. Resetting the username key is safe, as
// only the account's owner (or someone who already has its password) can
// succeed.
//
// Failures expire by themselves: with a Limit of 5/15m a locked key
// regains one attempt every three minutes and its full five after fifteen,
// so the real user is never locked out for good, and failures while
// locked are not recorded, so an attacker cannot extend the lock.
//
// Check and Fail are separate calls, so concurrent attempts on one key
// can together exceed the Limit by the number in flight; the cost of
// password hashing bounds that. Normalise usernames (case, Unicode) before
// building keys, or one account gets several budgets.
type Throttle struct {
	Limiter Limiter
	Limit   Limit
}

// Check reports whether one more attempt is allowed: denied if any key
// has no failures left. The Decision merges the keys' answers: the
// smallest Remaining and the longest RetryAfter and ResetAfter.
func (t Throttle) Check(ctx context.Context, keys ...string) (Decision, error) {
	out := Decision{Allowed: true, Remaining: math.MaxInt}
	for _, key := range keys {
		d, err := t.Limiter.Peek(ctx, key, t.Limit)
		if err != nil {
			return Decision{}, fmt.Errorf("check throttle: %w", err)
		}
		out = merge(out, d)
	}
	return out, nil
}

// Fail records one failure under each key. It tries every key even when
// one fails and returns the errors joined.
func (t Throttle) Fail(ctx context.Context, keys ...string) error {
	var errs []error
	for _, key := range keys {
		if _, err := t.Limiter.Allow(ctx, key, t.Limit); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("record throttle failure: %w", err)
	}
	return nil
}

// Succeed forgets the failures of each key. Pass the username key only;
// see Throttle.
func (t Throttle) Succeed(ctx context.Context, keys ...string) error {
	var errs []error
	for _, key := range keys {
		if err := t.Limiter.Reset(ctx, key); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reset throttle: %w", err)
	}
	return nil
}

// merge combines the Decisions of two keys that must both allow.
func merge(a, b Decision) Decision {
	return Decision{
		Allowed:    a.Allowed && b.Allowed,
		Remaining:  min(a.Remaining, b.Remaining),
		RetryAfter: max(a.RetryAfter, b.RetryAfter),
		ResetAfter: max(a.ResetAfter, b.ResetAfter),
	}
}
