package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseRate parses a rate limit written N/DURATION ("100/1m", "10/1h"):
// at most n requests per period. A bare unit counts as one of it, so
// "100/s" is "100/1s". Both parts must be positive.
func ParseRate(s string) (n int, per time.Duration, err error) {
	bad := fmt.Errorf("invalid rate %q (use N/DURATION like 100/1m or 10/1h)", s)
	count, period, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, 0, bad
	}
	n, err = strconv.Atoi(count)
	if err != nil || n <= 0 {
		return 0, 0, bad
	}
	if period != "" && period[0] >= 'a' && period[0] <= 'z' {
		period = "1" + period
	}
	per, err = time.ParseDuration(period)
	if err != nil || per <= 0 {
		return 0, 0, bad
	}
	return n, per, nil
}
