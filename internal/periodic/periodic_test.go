package periodic_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/internal/periodic"
)

func TestRunCallsUntilCancelledWithoutOverlap(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var calls, running atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		periodic.Run(ctx, time.Millisecond, func(context.Context) {
			if running.Add(1) != 1 {
				t.Error("calls overlap")
			}
			time.Sleep(3 * time.Millisecond) // longer than the interval
			calls.Add(1)
			running.Add(-1)
		})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatal("fewer than 3 calls in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	after := calls.Load()
	time.Sleep(10 * time.Millisecond)
	if calls.Load() != after {
		t.Fatal("fn called after Run returned")
	}
}
