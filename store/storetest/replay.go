package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func replayTests() []test {
	return []test{
		{"FirstUse", testUseOnceFirst},
		{"Replay", testUseOnceReplay},
		{"PurposesApart", testUseOncePurposes},
		{"ExpiredRecordReplaced", testUseOnceAfterExpiry},
		{"Concurrent", testUseOnceConcurrent},
		{"JanitorDeletesExpired", testUseOnceJanitor},
		{"CancelledContext", testUseOnceCancelled},
	}
}

const purposeA, purposeB = tokenmint.ReplayClientAssertion, "other purpose"

func testUseOnceFirst(t *testing.T, s tokenmint.Store) {
	ok(t, s.UseOnce(t.Context(), purposeA, "id-1", at(0), at(time.Minute)), "first use")
	ok(t, s.UseOnce(t.Context(), purposeA, "id-2", at(0), at(time.Minute)), "another id")
}

// testUseOnceReplay: a second use while the record lives is refused,
// however close to its end, and whatever end the replay claims.
func testUseOnceReplay(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.UseOnce(ctx, purposeA, "id", at(0), at(time.Minute)), "first use")
	wantErr(t, s.UseOnce(ctx, purposeA, "id", at(0), at(time.Minute)), tokenmint.ErrAlreadyUsed, "replay")
	wantErr(t, s.UseOnce(ctx, purposeA, "id", at(time.Minute-time.Millisecond), at(time.Hour)), tokenmint.ErrAlreadyUsed, "replay just before the end")
	wantErr(t, s.UseOnce(ctx, purposeA, "id", at(0), at(-time.Hour)), tokenmint.ErrAlreadyUsed, "replay claiming an earlier end")
}

func testUseOncePurposes(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.UseOnce(ctx, purposeA, "id", at(0), at(time.Minute)), "use for A")
	ok(t, s.UseOnce(ctx, purposeB, "id", at(0), at(time.Minute)), "the same id for B")
	wantErr(t, s.UseOnce(ctx, purposeB, "id", at(0), at(time.Minute)), tokenmint.ErrAlreadyUsed, "replay for B")
}

// testUseOnceAfterExpiry: once its record has ended, an id may be used
// again (what carried it has expired: a new use is a new credential),
// and is then recorded until the new end.
func testUseOnceAfterExpiry(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.UseOnce(ctx, purposeA, "id", at(0), at(time.Minute)), "first use")
	ok(t, s.UseOnce(ctx, purposeA, "id", at(time.Minute), at(3*time.Minute)), "use at the end of the first record")
	wantErr(t, s.UseOnce(ctx, purposeA, "id", at(2*time.Minute), at(3*time.Minute)), tokenmint.ErrAlreadyUsed, "replay within the new record")
}

// testUseOnceConcurrent: of many simultaneous uses of one id, exactly
// one succeeds; the others see ErrAlreadyUsed, nothing else.
func testUseOnceConcurrent(t *testing.T, s tokenmint.Store) {
	const n = 16
	ctx := t.Context()
	for round := range 3 {
		id := fmt.Sprintf("race-%d", round)
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.UseOnce(ctx, purposeA, id, at(0), at(time.Minute))
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, tokenmint.ErrAlreadyUsed):
				t.Fatalf("round %d, use %d: error = %v, want nil or ErrAlreadyUsed", round, i, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d of %d concurrent uses succeeded, want exactly 1", round, won, n)
		}
	}
}

// testUseOnceJanitor: DeleteExpired removes the records past their end,
// counts them, and keeps the live ones, which still refuse a replay.
func testUseOnceJanitor(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.UseOnce(ctx, purposeA, "gone", at(-time.Hour), at(-time.Minute)), "use ended")
	ok(t, s.UseOnce(ctx, purposeA, "live", at(0), at(time.Minute)), "use live")
	n, err := s.DeleteExpired(ctx, at(0))
	ok(t, err, "delete expired")
	if n != 1 {
		t.Errorf("DeleteExpired = %d rows, want 1 (the ended use)", n)
	}
	wantErr(t, s.UseOnce(ctx, purposeA, "live", at(0), at(time.Minute)), tokenmint.ErrAlreadyUsed, "replay of the live use after the sweep")
	ok(t, s.UseOnce(ctx, purposeA, "gone", at(0), at(time.Minute)), "use of the swept id")
}

func testUseOnceCancelled(t *testing.T, s tokenmint.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.UseOnce(ctx, purposeA, "id", at(0), at(time.Minute))
	if !errors.Is(err, context.Canceled) || errors.Is(err, tokenmint.ErrAlreadyUsed) {
		t.Fatalf("UseOnce with a cancelled context: error = %v, want context.Canceled", err)
	}
	ok(t, s.UseOnce(t.Context(), purposeA, "id", at(0), at(time.Minute)), "the use a cancelled call did not record")
}
