package ratelimit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidLimit is wrapped by every error about a malformed or
// out-of-range Limit, from ParseLimit and from the Limiters.
var ErrInvalidLimit = errors.New("invalid rate limit")

// MaxPer is the longest period a Limit may have. Longer periods are not
// useful for rate limiting, and the bound keeps every timestamp the
// algorithm computes far from int64 overflow.
const MaxPer = 366 * 24 * time.Hour

// Limit allows Count events per Per, in bursts of up to Count: after a
// burst, one more event is allowed every Per/Count. The zero Limit means
// unlimited.
type Limit struct {
	Count int
	Per   time.Duration
}

// ParseLimit parses "COUNT/PERIOD", such as "10/1h", "100/1m" or "5/15m".
// PERIOD is a Go duration; a bare unit ("10/h") means one of it. "" and
// "0" give the zero Limit, meaning unlimited.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return Limit{}, nil
	}
	cs, ps, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("%w %q: want COUNT/PERIOD such as \"10/1h\", or \"0\" for unlimited", ErrInvalidLimit, s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(cs))
	if err != nil || count <= 0 {
		return Limit{}, fmt.Errorf("%w %q: count %q is not a positive integer", ErrInvalidLimit, s, cs)
	}
	per, err := parsePer(strings.TrimSpace(ps))
	if err != nil {
		return Limit{}, fmt.Errorf("%w %q: period %q is not a duration such as 1h, 15m or 30s", ErrInvalidLimit, s, ps)
	}
	l := Limit{Count: count, Per: per}
	if err := l.validate(); err != nil {
		return Limit{}, err
	}
	return l, nil
}

// parsePer parses a duration, accepting a bare unit as one of it.
func parsePer(s string) (time.Duration, error) {
	if s != "" && (s[0] < '0' || s[0] > '9') && s[0] != '.' {
		s = "1" + s
	}
	return time.ParseDuration(s)
}

// IsZero reports whether l is the zero Limit, meaning unlimited.
func (l Limit) IsZero() bool { return l == Limit{} }

// String formats l so that ParseLimit reads it back: "10/1h", "5/15m",
// "0" for unlimited.
func (l Limit) String() string {
	if l.IsZero() {
		return "0"
	}
	return strconv.Itoa(l.Count) + "/" + formatPer(l.Per)
}

// formatPer writes d in the largest unit that divides it exactly, so 1h
// is "1h" rather than time.Duration's "1h0m0s".
func formatPer(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}, {time.Microsecond, "us"}}
	for _, u := range units {
		if d != 0 && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return d.String()
}

// validate checks a non-zero Limit can be enforced: a positive count, a
// period in (0, MaxPer] and at least one microsecond between events (the
// resolution of the Redis backend).
func (l Limit) validate() error {
	switch {
	case l.Count <= 0:
		return fmt.Errorf("%w %q: count must be positive", ErrInvalidLimit, l.String())
	case l.Per <= 0 || l.Per > MaxPer:
		return fmt.Errorf("%w %q: period must be positive and at most %s", ErrInvalidLimit, l.String(), formatPer(MaxPer))
	case l.interval() <= 0:
		return fmt.Errorf("%w %q: more than one event per microsecond", ErrInvalidLimit, l.String())
	}
	return nil
}

// interval is the GCRA emission interval Per/Count, truncated to whole
// microseconds so that Memory and Redis compute exactly the same answers.
func (l Limit) interval() time.Duration {
	return (l.Per / time.Duration(l.Count)).Truncate(time.Microsecond)
}
