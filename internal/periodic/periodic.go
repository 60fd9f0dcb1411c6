// Package periodic runs background work on a fixed interval: the
// janitor, cache and revocation polls, rate-limit sweeps.
package periodic

import (
	"context"
	"time"
)

// Run calls fn every interval (which must be positive) until ctx ends.
// The first call comes one interval after Run starts. fn runs on Run's
// goroutine, so calls never overlap: a call that takes longer than the
// interval delays the next instead of piling up.
func Run(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}
