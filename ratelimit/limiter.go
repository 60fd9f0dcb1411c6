package ratelimit

import (
	"context"
	"math"
	"time"
)

// Limiter enforces Limits per key. Keys are the caller's: namespace them
// ("token:ip:192.0.2.1", "login:user:alice") and use one Limit per key, as
// the state kept for a key is only meaningful under the Limit that wrote it.
// Implementations are safe for concurrent use.
type Limiter interface {
	// Allow records one event under key if l allows it. A denied event
	// is not recorded, so hammering a key does not push its recovery
	// further away.
	Allow(ctx context.Context, key string, l Limit) (Decision, error)
	// Peek reports whether an event under key would be allowed now,
	// without recording one (for "is this username locked?").
	Peek(ctx context.Context, key string, l Limit) (Decision, error)
	// Reset forgets every event recorded under key.
	Reset(ctx context.Context, key string) error
}

// Decision is a Limiter's answer.
type Decision struct {
	// Allowed reports whether the event is (Allow) or would be (Peek)
	// within the limit.
	Allowed bool
	// Remaining is how many more events the limit admits right now:
	// after this one for Allow, including the next one for Peek. For a
	// zero (unlimited) Limit it is math.MaxInt.
	Remaining int
	// RetryAfter is the wait until the next event would be allowed; zero
	// while Remaining > 0.
	RetryAfter time.Duration
	// ResetAfter is the wait until the key is back to its full burst, as
	// if no event had ever been recorded.
	ResetAfter time.Duration
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds, for the
// Retry-After header's delay-seconds (RFC 9110 §10.2.3) and
// oauth.Error.RetryAfter. Rounding up keeps a client that obeys it from
// arriving a moment too early.
func (d Decision) RetryAfterSeconds() int {
	return int((d.RetryAfter + time.Second - 1) / time.Second)
}

// unlimited is the Decision for a zero Limit.
var unlimited = Decision{Allowed: true, Remaining: math.MaxInt}

// gcra is the virtual scheduling form of the Generic Cell Rate Algorithm
// (ITU-T I.371 Annex A). All values are nanoseconds: now is the current
// Unix time, stored the key's theoretical arrival time (TAT, zero or
// in the past when the key has no recent events), interval the emission
// interval Per/Count and window the burst tolerance interval*Count.
//
// An event is conforming when the TAT it would push the key to lies no more
// than window ahead of now. Allow (peek false) advances the TAT by one
// interval on a conforming event; Peek leaves it. It returns the TAT to
// store and the Decision read from it. The Lua script in gcra.lua is the
// same function; keep them in step.
func gcra(stored, now, interval, window int64, peek bool) (int64, Decision) {
	tat := max(stored, now)
	allowed := tat+interval-window <= now
	if allowed && !peek {
		tat += interval
	}
	return tat, Decision{
		Allowed:    allowed,
		Remaining:  int(max(0, (window-(tat-now))/interval)),
		RetryAfter: time.Duration(max(0, tat+interval-window-now)),
		ResetAfter: time.Duration(tat - now),
	}
}
