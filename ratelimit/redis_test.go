package ratelimit

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// testRedis connects to the Redis named by TOKENMINT_TEST_REDIS, or skips.
// Keys the test leaves under its prefixes are deleted at cleanup.
func testRedis(t testing.TB) redis.UniversalClient {
	t.Helper()
	url := os.Getenv("TOKENMINT_TEST_REDIS")
	if url == "" {
		t.Skip("set TOKENMINT_TEST_REDIS (e.g. redis://127.0.0.1:6379/0) to run the Redis tests")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("parse TOKENMINT_TEST_REDIS: %v", err)
	}
	client := redis.NewClient(opt)
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("ping redis at TOKENMINT_TEST_REDIS: %v", err)
	}
	return client
}

// testPrefix is a key prefix unique to this call, so parallel or repeated
// runs against one Redis never share keys; the keys go at cleanup.
func testPrefix(t testing.TB, client redis.UniversalClient) string {
	t.Helper()
	prefix := "tokenmint-test:ratelimit:" + rand.Text() + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("clean up %s*: %v", prefix, err)
		}
	})
	return prefix
}

func newRedisLimiter(t *testing.T, now func() time.Time) Limiter {
	t.Helper()
	client := testRedis(t)
	return NewRedis(client, testPrefix(t, client), now)
}

func TestRedis(t *testing.T) {
	testRedis(t) // skip the whole suite at once without Redis
	runLimiterSuite(t, newRedisLimiter)
}

// TestRedisSharedBudget runs two limiters on separate connections, as two
// server instances would: together they may spend Count, not 2×Count.
func TestRedisSharedBudget(t *testing.T) {
	a, b := testRedis(t), testRedis(t)
	prefix := testPrefix(t, a)
	clock := newFakeClock()
	instances := []*Redis{NewRedis(a, prefix, clock.Now), NewRedis(b, prefix, clock.Now)}
	limit := Limit{Count: 10, Per: time.Hour}
	allowed := 0
	for i := range 40 {
		d, err := instances[i%2].Allow(t.Context(), "token:ip:192.0.2.1", limit)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			allowed++
		}
	}
	if allowed != limit.Count {
		t.Errorf("two instances allowed %d events, want %d", allowed, limit.Count)
	}
	d, err := instances[1].Peek(t.Context(), "token:ip:192.0.2.1", limit)
	if err != nil || d.Allowed || d.RetryAfter != 6*time.Minute {
		t.Errorf("Peek on the other instance = %+v, %v; want denied for 6m", d, err)
	}
}

// TestRedisKeyExpires checks Redis cleans up by itself: the key's TTL
// ends at its theoretical arrival time.
func TestRedisKeyExpires(t *testing.T) {
	client := testRedis(t)
	prefix := testPrefix(t, client)
	l := NewRedis(client, prefix, newFakeClock().Now)
	for range 2 {
		if _, err := l.Allow(t.Context(), "a", threeAMinute); err != nil {
			t.Fatal(err)
		}
	}
	ttl, err := client.PTTL(t.Context(), prefix+"a").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= time.Minute || ttl > 2*time.Minute {
		t.Errorf("PTTL after two events of %s = %s, want (1m, 2m]", threeAMinute, ttl)
	}
	if _, err := l.Peek(t.Context(), "b", threeAMinute); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Exists(t.Context(), prefix+"b").Result(); err != nil || n != 0 {
		t.Errorf("Peek created key b (exists = %d, %v)", n, err)
	}
}

// TestRedisScriptNotCached checks the EVAL fallback when Redis does not
// hold the script (first use, restart, failover). The script gets a unique
// comment so that it is unknown to Redis without a global SCRIPT FLUSH.
func TestRedisScriptNotCached(t *testing.T) {
	client := testRedis(t)
	l := NewRedis(client, testPrefix(t, client), newFakeClock().Now)
	l.script = redis.NewScript(gcraLua + "\n-- test " + rand.Text() + "\n")
	if cached := scriptCached(t, client, l.script.Hash()); cached {
		t.Fatal("a new script is already cached")
	}
	d, err := l.Allow(t.Context(), "a", threeAMinute)
	if err != nil || d != ok(2, 0, time.Minute) {
		t.Errorf("Allow with an uncached script = %+v, %v", d, err)
	}
	if cached := scriptCached(t, client, l.script.Hash()); !cached {
		t.Error("the script is not cached after EVAL")
	}
}

func scriptCached(t *testing.T, client redis.UniversalClient, sha string) bool {
	t.Helper()
	exists, err := client.ScriptExists(t.Context(), sha).Result()
	if err != nil {
		t.Fatal(err)
	}
	return exists[0]
}

// TestRedisUnreachable runs against a port nothing listens on: the bare
// limiter returns errors, and WithFallback turns them into its policy.
func TestRedisUnreachable(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	bare := NewRedis(client, "tokenmint-test:", time.Now)
	if _, err := bare.Allow(t.Context(), "a", threeAMinute); err == nil {
		t.Fatal("Allow against an unreachable Redis returned no error")
	}
	if err := bare.Reset(t.Context(), "a"); err == nil {
		t.Fatal("Reset against an unreachable Redis returned no error")
	}
	tests := []struct {
		policy Policy
		want   Decision
	}{
		{FailOpen, Decision{Allowed: true}},
		{FailClosed, Decision{RetryAfter: time.Second, ResetAfter: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.policy.String(), func(t *testing.T) {
			var reported []error
			l := WithFallback(bare, tt.policy, func(err error) { reported = append(reported, err) })
			for _, op := range []func() (Decision, error){
				func() (Decision, error) { return l.Allow(t.Context(), "a", threeAMinute) },
				func() (Decision, error) { return l.Peek(t.Context(), "a", threeAMinute) },
			} {
				if d, err := op(); err != nil || d != tt.want {
					t.Errorf("got %+v, %v; want %+v, nil", d, err, tt.want)
				}
			}
			if err := l.Reset(t.Context(), "a"); err != nil {
				t.Errorf("Reset = %v, want nil", err)
			}
			if len(reported) != 2 { // Allow and Reset; Peek fell in the cooldown
				t.Errorf("onError called %d times, want 2: %v", len(reported), reported)
			}
		})
	}
}

func BenchmarkRedisAllow(b *testing.B) {
	client := testRedis(b)
	l := NewRedis(client, testPrefix(b, client), time.Now)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "token:ip:192.0.2." + strconv.Itoa(i)
	}
	limit := Limit{Count: 10, Per: time.Hour}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := l.Allow(ctx, keys[i%len(keys)], limit); err != nil && !errors.Is(err, context.Canceled) {
			b.Fatal(err)
		}
		i++
	}
}
