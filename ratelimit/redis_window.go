package ratelimit

import (
	"context"
	"crypto/rand"
	_ "embed"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed window.lua
var windowLua string

// RedisWindow is a Window whose logs live in Redis, so that every
// instance sharing one Redis shares one window per key. A key is a sorted
// set of event IDs scored by time; each Reserve is one Lua script run
// atomically (so concurrent instances never together exceed the limit),
// and the set carries a PEXPIRE at the moment its newest event leaves the
// window. The time is the caller's clock, as for Redis.
type RedisWindow struct {
	client redis.UniversalClient
	prefix string
	now    func() time.Time
	script *redis.Script
}

var _ Window = (*RedisWindow)(nil)

// NewRedisWindow returns a RedisWindow storing its keys under prefix and
// reading the time from now (time.Now when nil).
func NewRedisWindow(client redis.UniversalClient, prefix string, now func() time.Time) *RedisWindow {
	if now == nil {
		now = time.Now
	}
	return &RedisWindow{client: client, prefix: prefix, now: now, script: redis.NewScript(windowLua)}
}

// Reserve implements Window.
func (w *RedisWindow) Reserve(ctx context.Context, key string, l Limit) (Reservation, error) {
	if l.IsZero() {
		return Reservation{Decision: unlimited}, nil
	}
	if err := l.validateWindow(); err != nil {
		return Reservation{}, err
	}
	id := rand.Text()
	args := []any{w.now().UnixMicro(), l.Per.Microseconds(), l.Count, id}
	res, err := w.script.Run(ctx, w.client, []string{w.prefix + key}, args...).Int64Slice()
	if err != nil {
		return Reservation{}, fmt.Errorf("redis rate window reserve: %w", err)
	}
	d, err := decisionFromScript(res)
	if err != nil {
		return Reservation{}, fmt.Errorf("redis rate window reserve: %w", err)
	}
	r := Reservation{Decision: d, key: key}
	if d.Allowed {
		r.id = id
	}
	return r, nil
}

// Cancel implements Window.
func (w *RedisWindow) Cancel(ctx context.Context, r Reservation) error {
	if r.id == "" {
		return nil
	}
	if err := w.client.ZRem(ctx, w.prefix+r.key, r.id).Err(); err != nil {
		return fmt.Errorf("redis rate window cancel: %w", err)
	}
	return nil
}
