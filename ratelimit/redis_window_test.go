package ratelimit

import (
	"testing"
	"time"
)

func newRedisWindow(t *testing.T, now func() time.Time) Window {
	t.Helper()
	client := testRedis(t)
	return NewRedisWindow(client, testPrefix(t, client), now)
}

func TestRedisWindow(t *testing.T) {
	testRedis(t) // skip the whole suite at once without Redis
	runWindowSuite(t, newRedisWindow)
}

// TestRedisWindowSharedBudget runs two windows on separate connections, as
// two server instances would: together they grant Count, not 2×Count, and
// a reservation cancelled on one instance frees the slot on the other.
func TestRedisWindowSharedBudget(t *testing.T) {
	a, b := testRedis(t), testRedis(t)
	prefix := testPrefix(t, a)
	clock := newFakeClock()
	instances := []*RedisWindow{NewRedisWindow(a, prefix, clock.Now), NewRedisWindow(b, prefix, clock.Now)}
	limit := Limit{Count: 10, Per: time.Hour}
	var granted []Reservation
	for i := range 40 {
		r, err := instances[i%2].Reserve(t.Context(), "epicollect:tokens:ip:192.0.2.1", limit)
		if err != nil {
			t.Fatal(err)
		}
		if r.Allowed {
			granted = append(granted, r)
		}
		clock.Advance(time.Minute)
	}
	if len(granted) != limit.Count {
		t.Fatalf("two instances granted %d, want %d", len(granted), limit.Count)
	}
	if err := instances[1].Cancel(t.Context(), granted[0]); err != nil {
		t.Fatal(err)
	}
	r, err := instances[0].Reserve(t.Context(), "epicollect:tokens:ip:192.0.2.1", limit)
	if err != nil || !r.Allowed {
		t.Fatalf("after a cancel on the other instance: %+v, %v", r.Decision, err)
	}
	// Now 40 minutes in, events at 1..9 and 40 minutes: the next slot frees
	// when the event at minute 1 leaves the window, at minute 61.
	r, err = instances[1].Reserve(t.Context(), "epicollect:tokens:ip:192.0.2.1", limit)
	if err != nil || r.Allowed || r.RetryAfter != 21*time.Minute {
		t.Errorf("Reserve = %+v, %v; want refused for 21m", r.Decision, err)
	}
}

// TestRedisWindowKeyExpires: the set's TTL ends when its newest event
// leaves the window, and a refused Reserve on an empty key writes nothing.
func TestRedisWindowKeyExpires(t *testing.T) {
	client := testRedis(t)
	prefix := testPrefix(t, client)
	clock := newFakeClock()
	w := NewRedisWindow(client, prefix, clock.Now)
	for range 2 {
		if _, err := w.Reserve(t.Context(), "a", threeAMinute); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	ttl, err := client.PTTL(t.Context(), prefix+"a").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 2*time.Minute || ttl > 3*time.Minute {
		t.Errorf("PTTL = %s, want (2m, 3m]", ttl)
	}
	if n, err := client.ZCard(t.Context(), prefix+"a").Result(); err != nil || n != 2 {
		t.Errorf("ZCARD = %d, %v; want 2", n, err)
	}
}
