package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func pushedRequestTests() []test {
	return []test{
		{"CreateAndUse", testPushedCreateAndUse},
		{"Conflict", testPushedConflict},
		{"Replay", testPushedReplay},
		{"OtherClient", testPushedOtherClient},
		{"Unknown", testPushedUnknown},
		{"Concurrent", testPushedConcurrent},
		{"JanitorDeletesExpired", testPushedJanitor},
	}
}

func pushedFixture(id string) tokenmint.PushedRequest {
	return tokenmint.PushedRequest{ID: id, ClientID: "par-client",
		Params:    "client_id=par-client&response_type=code&scope=openid+api",
		CreatedAt: at(0), ExpiresAt: at(time.Minute)}
}

func testPushedCreateAndUse(t *testing.T, s tokenmint.Store) {
	want := pushedFixture("par-1")
	ok(t, s.CreatePushedRequest(t.Context(), want), "create")
	got, err := s.UsePushedRequest(t.Context(), want.ID, want.ClientID, at(time.Second))
	ok(t, err, "use")
	want.UsedAt = at(time.Second)
	same(t, "used request", got, want)
}

func testPushedConflict(t *testing.T, s tokenmint.Store) {
	ok(t, s.CreatePushedRequest(t.Context(), pushedFixture("par-1")), "create")
	wantErr(t, s.CreatePushedRequest(t.Context(), pushedFixture("par-1")), tokenmint.ErrConflict, "create again")
}

// testPushedReplay: RFC 9126 §4, a request_uri is single-use: the second
// use is ErrAlreadyUsed, with the record of the first.
func testPushedReplay(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	p := pushedFixture("par-1")
	ok(t, s.CreatePushedRequest(ctx, p), "create")
	_, err := s.UsePushedRequest(ctx, p.ID, p.ClientID, at(time.Second))
	ok(t, err, "first use")
	got, err := s.UsePushedRequest(ctx, p.ID, p.ClientID, at(2*time.Second))
	wantErr(t, err, tokenmint.ErrAlreadyUsed, "second use")
	if !got.UsedAt.Equal(at(time.Second)) {
		t.Errorf("second use: UsedAt = %v, want the first use's %v", got.UsedAt, at(time.Second))
	}
}

// testPushedOtherClient: another client cannot use (nor spend) a
// request_uri: ErrNotFound, and its client can still use it.
func testPushedOtherClient(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	p := pushedFixture("par-1")
	ok(t, s.CreatePushedRequest(ctx, p), "create")
	_, err := s.UsePushedRequest(ctx, p.ID, "another-client", at(time.Second))
	wantErr(t, err, tokenmint.ErrNotFound, "use by another client")
	_, err = s.UsePushedRequest(ctx, p.ID, p.ClientID, at(time.Second))
	ok(t, err, "use by its client after")
}

func testPushedUnknown(t *testing.T, s tokenmint.Store) {
	_, err := s.UsePushedRequest(t.Context(), "nope", "par-client", at(0))
	wantErr(t, err, tokenmint.ErrNotFound, "use unknown")
}

// testPushedConcurrent: of simultaneous uses of one request_uri, exactly
// one succeeds; the others see ErrAlreadyUsed.
func testPushedConcurrent(t *testing.T, s tokenmint.Store) {
	const n = 12
	ctx := t.Context()
	p := pushedFixture("par-race")
	ok(t, s.CreatePushedRequest(ctx, p), "create")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = s.UsePushedRequest(ctx, p.ID, p.ClientID, at(time.Second)) })
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, tokenmint.ErrAlreadyUsed):
			t.Fatalf("use %d: error = %v, want nil or ErrAlreadyUsed", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent uses succeeded, want exactly 1", won, n)
	}
}

// testPushedJanitor: DeleteExpired removes requests past ExpiresAt, used
// or not, and keeps live ones.
func testPushedJanitor(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	gone := pushedFixture("gone")
	gone.ExpiresAt = at(-time.Second)
	ok(t, s.CreatePushedRequest(ctx, gone), "create expired")
	ok(t, s.CreatePushedRequest(ctx, pushedFixture("live")), "create live")
	n, err := s.DeleteExpired(ctx, at(0))
	ok(t, err, "delete expired")
	if n != 1 {
		t.Errorf("DeleteExpired = %d rows, want 1 (the expired request)", n)
	}
	_, err = s.UsePushedRequest(ctx, "gone", gone.ClientID, at(0))
	wantErr(t, err, tokenmint.ErrNotFound, "use of the swept request")
	_, err = s.UsePushedRequest(ctx, "live", gone.ClientID, at(0))
	ok(t, err, "use of the live request")
}

// RunPushedRequests runs the PushedRequestStore tests alone, for a layer
// that passes them through (package store/cache).
func RunPushedRequests(t *testing.T, newStore func(t *testing.T) tokenmint.Store) {
	t.Helper()
	for _, tc := range pushedRequestTests() {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}
