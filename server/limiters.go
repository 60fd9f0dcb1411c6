package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/login"
	"github.com/tokenmint/tokenmint/ratelimit"
)

// limiters holds the rate limiter and the limits parsed from the config.
// With Redis configured, limits are shared by every instance; without it
// they are per instance.
type limiters struct {
	limiter   ratelimit.Limiter
	memory    *ratelimit.Memory       // nil with Redis
	window    ratelimit.Window        // rolling limits of tokens issued
	memWindow *ratelimit.MemoryWindow // nil with Redis
	redis     *redis.Client
	tokenIP   ratelimit.Limit
	perClient ratelimit.Limit
	login     ratelimit.Limit
}

func newLimiters(ctx context.Context, cfg config.Config, log *slog.Logger, m *httpapi.Metrics, now func() time.Time, tp trace.TracerProvider) (*limiters, error) {
	l := &limiters{}
	var err error
	for _, p := range []struct {
		name string
		s    string
		dst  *ratelimit.Limit
	}{
		{"token-rate-limit", cfg.TokenRateLimit, &l.tokenIP},
		{"client-rate-limit", cfg.ClientRateLimit, &l.perClient},
	} {
		if *p.dst, err = ratelimit.ParseLimit(p.s); err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	l.login = ratelimit.Limit{Count: cfg.LoginMaxFailures, Per: cfg.LoginFailureWindow}
	if cfg.Redis == "" {
		l.memory = ratelimit.NewMemory(now)
		l.limiter = l.memory
		l.memWindow = ratelimit.NewMemoryWindow(now)
		l.window = l.memWindow
		return l, nil
	}
	opts, err := redis.ParseURL(cfg.Redis)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	tightenRedis(opts)
	l.redis = redis.NewClient(opts)
	if err := traceRedis(l.redis, tp); err != nil {
		l.redis.Close()
		return nil, err
	}
	policy := ratelimit.FailClosed
	if cfg.RateLimitFailOpen {
		policy = ratelimit.FailOpen
	}
	onErr := func(err error) {
		m.LimiterError()
		log.Warn("rate limiter unavailable", "policy", policy.String(), "err", err)
	}
	l.limiter = ratelimit.WithFallback(ratelimit.NewRedis(l.redis, "tokenmint:rl:", now), policy, onErr)
	l.window = ratelimit.WindowWithFallback(ratelimit.NewRedisWindow(l.redis, "tokenmint:rlw:", now), policy, onErr)
	if err := l.redis.Ping(ctx).Err(); err != nil {
		log.Warn("redis does not answer yet; rate limits follow the fail policy until it does", "policy", policy.String(), "err", err)
	}
	return l, nil
}

// start runs the in-memory sweepers, which keep memory bounded.
func (l *limiters) start(ctx context.Context, wg *sync.WaitGroup) {
	if l.memory == nil {
		return
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		l.memory.Run(ctx, time.Minute)
	}()
	go func() {
		defer wg.Done()
		l.memWindow.Run(ctx, time.Minute)
	}()
}

// Close closes the Redis client, if any.
func (l *limiters) Close() error {
	if l.redis != nil {
		return l.redis.Close()
	}
	return nil
}

// clientLimit is the per-client issuance limit for the grant engine.
func (l *limiters) clientLimit() func(ctx context.Context, clientID string) (time.Duration, error) {
	if l.perClient.IsZero() {
		return nil
	}
	return func(ctx context.Context, clientID string) (time.Duration, error) {
		d, err := l.limiter.Allow(ctx, "token:client:"+clientID, l.perClient)
		if err != nil || d.Allowed {
			return 0, err
		}
		return max(d.RetryAfter, time.Second), nil
	}
}

// failedAuth limits failed client authentications per client IP with
// the sign-in failure limit (dialect.Deps.FailedAuth); zero without one.
func (l *limiters) failedAuth() ratelimit.Throttle {
	if l.login.IsZero() || l.login.Count <= 0 {
		return ratelimit.Throttle{}
	}
	return ratelimit.Throttle{Limiter: l.limiter, Limit: l.login}
}

// loginThrottle adapts ratelimit.Throttle to grant.Throttle: failures are
// counted per (case-folded) username and per client IP.
func (l *limiters) loginThrottle() grant.Throttle {
	if l.login.IsZero() || l.login.Count <= 0 {
		return nil
	}
	return throttle{ratelimit.Throttle{Limiter: l.limiter, Limit: l.login}}
}

// deviceGlobalFactor makes the limit of wrong user codes over all
// addresses this many times the per-address one.
const deviceGlobalFactor = 20

// deviceThrottle limits wrong user codes on the device verification page
// (RFC 8628 §5.1) with the sign-in failure limit per client IP, and
// deviceGlobalFactor times it over every address together (a botnet
// guessing from many addresses): with the defaults, 5 per address and
// 100 in all per 15 minutes, against 20^8 codes. Nil without a sign-in
// limit.
func (l *limiters) deviceThrottle() login.DeviceThrottle {
	if l.login.IsZero() || l.login.Count <= 0 {
		return nil
	}
	global := ratelimit.Limit{Count: l.login.Count * deviceGlobalFactor, Per: l.login.Per}
	return deviceThrottle{
		ip:     ratelimit.Throttle{Limiter: l.limiter, Limit: l.login},
		global: ratelimit.Throttle{Limiter: l.limiter, Limit: global},
	}
}

type deviceThrottle struct{ ip, global ratelimit.Throttle }

const deviceGlobalKey = "device:user_code:all"

func deviceIPKey(ip string) string { return "device:user_code:ip:" + ip }

func (t deviceThrottle) Allow(ctx context.Context, ip string) (time.Duration, error) {
	d, err := t.ip.Check(ctx, deviceIPKey(ip))
	if err != nil {
		return 0, err
	}
	g, err := t.global.Check(ctx, deviceGlobalKey)
	if err != nil {
		return 0, err
	}
	if d.Allowed && g.Allowed {
		return 0, nil
	}
	return max(d.RetryAfter, g.RetryAfter, time.Second), nil
}

func (t deviceThrottle) Failed(ctx context.Context, ip string) {
	t.ip.Fail(ctx, deviceIPKey(ip))
	t.global.Fail(ctx, deviceGlobalKey)
}

type throttle struct{ t ratelimit.Throttle }

func userKey(username string) string { return "login:user:" + strings.ToLower(username) }
func ipKey(ip string) string         { return "login:ip:" + ip }

func (t throttle) Allow(ctx context.Context, username, ip string) (time.Duration, error) {
	d, err := t.t.Check(ctx, userKey(username), ipKey(ip))
	if err != nil || d.Allowed {
		return 0, err
	}
	return max(d.RetryAfter, time.Second), nil
}

func (t throttle) Failed(ctx context.Context, username, ip string) {
	t.t.Fail(ctx, userKey(username), ipKey(ip))
}

func (t throttle) Succeeded(ctx context.Context, username, _ string) {
	t.t.Succeed(ctx, userKey(username))
}

// tightenRedis bounds how long a rate-limit decision may wait on Redis,
// unless the URL chose otherwise: a limiter sits in front of every token
// request, so when Redis is down the fail policy must decide within
// milliseconds, not after go-redis's default three retries with backoff
// (seconds per request).
func tightenRedis(o *redis.Options) {
	if o.MaxRetries == 0 {
		o.MaxRetries = 1
	}
	if o.MaxRetryBackoff == 0 {
		o.MinRetryBackoff, o.MaxRetryBackoff = 2*time.Millisecond, 20*time.Millisecond
	}
	if o.DialerRetries == 0 {
		o.DialerRetries, o.DialerRetryTimeout = 1, 10*time.Millisecond
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 250 * time.Millisecond
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 250 * time.Millisecond
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 250 * time.Millisecond
	}
	if o.PoolTimeout == 0 {
		o.PoolTimeout = 500 * time.Millisecond
	}
}
