package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// MaxWindowCount is the largest Count of a Limit a Window enforces: a
// sliding log keeps one entry per event in the window, so the bound keeps
// a key's memory (and the work per decision) small.
const MaxWindowCount = 10_000

// Window limits events per key to l.Count in any rolling l.Per: a sliding
// log of the events' times, for a limit documented as "N per period" that
// must hold over every period, not on average. ("10 tokens per hour"
// under GCRA allows 10 at once and then one every six minutes, 20 within
// the first hour; a Window allows 10 in any hour.)
//
// Reserve records an event before the work it stands for is done, so
// that concurrent requests cannot together exceed the limit; Cancel
// forgets it when the work did not happen (a token that was not issued is
// not a token). Keys are the caller's, as for Limiter, and must not be
// shared with a Limiter on the same backend.
//
// Implementations are safe for concurrent use.
type Window interface {
	// Reserve records one event under key now when fewer than l.Count
	// are recorded within the last l.Per. A refused event is not
	// recorded. The zero Limit allows every event and records none.
	Reserve(ctx context.Context, key string, l Limit) (Reservation, error)
	// Cancel forgets the event of r. Cancelling a refused Reservation,
	// or one whose event has left the window, does nothing.
	Cancel(ctx context.Context, r Reservation) error
}

// Reservation is the answer of Window.Reserve: its Decision, and what
// Cancel needs to forget the event. In the Decision, Remaining is how
// many more events fit in the window now, RetryAfter (zero while
// Remaining > 0) the wait until the oldest event that fills the window
// leaves it, and ResetAfter the wait until the window is empty.
type Reservation struct {
	Decision
	key string
	id  string // "" when no event was recorded
}

// validateWindow checks a non-zero Limit can be enforced by a Window.
func (l Limit) validateWindow() error {
	if err := l.validate(); err != nil {
		return err
	}
	if l.Count > MaxWindowCount {
		return fmt.Errorf("%w %q: a rolling window holds at most %d events", ErrInvalidLimit, l.String(), MaxWindowCount)
	}
	return nil
}

// ValidateWindow reports whether a Window can enforce l (the zero Limit
// included), so that a configuration is refused at start rather than at
// the first request.
func (l Limit) ValidateWindow() error {
	if l.IsZero() {
		return nil
	}
	return l.validateWindow()
}

// windowDecision reads a Decision from a key's log after a Reserve: times
// are the event times (Unix microseconds) in the window, ascending, now
// and per in microseconds. The Lua script in window.lua computes the
// same; keep them in step.
//
// A slot frees when enough events leave the window that fewer than count
// remain: when times[len(times)-count] does, normally the oldest.
func windowDecision(allowed bool, times []int64, now, per int64, count int) Decision {
	n := len(times)
	d := Decision{Allowed: allowed, Remaining: max(0, count-n)}
	if n >= count {
		d.RetryAfter = time.Duration(times[n-count]+per-now) * time.Microsecond
	}
	if n > 0 {
		d.ResetAfter = time.Duration(times[n-1]+per-now) * time.Microsecond
	}
	return d
}
