package ratelimit

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed gcra.lua
var gcraLua string

// Redis is a Limiter whose state lives in Redis, so that every instance
// of the server sharing one Redis shares one budget per key. Each decision
// is a single Lua script run atomically on the server (EVALSHA, falling
// back to EVAL when the script is not cached), and every key carries a
// PEXPIRE at its theoretical arrival time, so Redis forgets idle keys by
// itself and needs no sweeper.
//
// The time is the caller's clock, passed into the script, not Redis TIME.
// tokenmint already requires its instances' clocks to agree (they sign
// and check token expiry with them), and a skew of d between two
// instances lets at most d/(Per/Count) events slip through or be held
// back: well under one event for NTP-synchronised hosts and the limits
// tokenmint uses (minutes per event). In exchange the script is a pure
// function of its arguments, which keeps it valid under every Redis
// replication mode and lets the same fake-clock test suite run against
// Memory and Redis.
type Redis struct {
	client redis.UniversalClient
	prefix string
	now    func() time.Time
	script *redis.Script
}

var _ Limiter = (*Redis)(nil)

// NewRedis returns a Redis limiter storing its keys under prefix (for
// example "tokenmint:rl:") and reading the time from now (time.Now when
// nil). Each call touches one key, so client may be a Redis Cluster.
func NewRedis(client redis.UniversalClient, prefix string, now func() time.Time) *Redis {
	if now == nil {
		now = time.Now
	}
	return &Redis{client: client, prefix: prefix, now: now, script: redis.NewScript(gcraLua)}
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	d, err := r.run(ctx, key, l, false)
	if err != nil {
		return Decision{}, fmt.Errorf("redis rate limit allow: %w", err)
	}
	return d, nil
}

// Peek implements Limiter.
func (r *Redis) Peek(ctx context.Context, key string, l Limit) (Decision, error) {
	d, err := r.run(ctx, key, l, true)
	if err != nil {
		return Decision{}, fmt.Errorf("redis rate limit peek: %w", err)
	}
	return d, nil
}

// Reset implements Limiter.
func (r *Redis) Reset(ctx context.Context, key string) error {
	if err := r.client.Del(ctx, r.prefix+key).Err(); err != nil {
		return fmt.Errorf("redis rate limit reset: %w", err)
	}
	return nil
}

func (r *Redis) run(ctx context.Context, key string, l Limit, peek bool) (Decision, error) {
	if l.IsZero() {
		return unlimited, nil
	}
	if err := l.validate(); err != nil {
		return Decision{}, err
	}
	peekArg := "0"
	if peek {
		peekArg = "1"
	}
	args := []any{r.now().UnixMicro(), l.interval().Microseconds(), l.Count, peekArg}
	res, err := r.script.Run(ctx, r.client, []string{r.prefix + key}, args...).Int64Slice()
	if err != nil {
		return Decision{}, err
	}
	return decisionFromScript(res)
}

// decisionFromScript reads the script's {allowed, remaining, retry_us,
// reset_us} reply.
func decisionFromScript(res []int64) (Decision, error) {
	if len(res) != 4 {
		return Decision{}, fmt.Errorf("unexpected script reply of %d values", len(res))
	}
	return Decision{
		Allowed:    res[0] == 1,
		Remaining:  int(res[1]),
		RetryAfter: time.Duration(res[2]) * time.Microsecond,
		ResetAfter: time.Duration(res[3]) * time.Microsecond,
	}, nil
}
