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

func miscTests() []test {
	return []test{
		{"Ping", testPing},
		{"CancelledContext", testCancelledContext},
		{"ConcurrentIssuance", testConcurrentIssuance},
	}
}

func testPing(t *testing.T, s tokenmint.Store) {
	ok(t, s.Ping(t.Context()), "ping")
}

// testCancelledContext: a cancelled ctx stops the call, and the error says
// so (it is not a storage outage, nor "not found").
func testCancelledContext(t *testing.T, s tokenmint.Store) {
	ok(t, s.CreateClient(t.Context(), fullClient("c1")), "create client")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"GetClient": func() error { _, err := s.GetClient(ctx, "c1"); return err },
		"CreateAccessToken": func() error {
			return s.CreateAccessToken(ctx, opaqueToken("at", "c1", "", at(time.Hour)))
		},
		"UpdateClient": func() error {
			_, err := s.UpdateClient(ctx, "c1", func(*tokenmint.Client) error { return nil })
			return err
		},
		"DeleteExpired": func() error { _, err := s.DeleteExpired(ctx, at(0)); return err },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: error = %v, want context.Canceled", name, err)
		}
		if errors.Is(err, tokenmint.ErrUnavailable) || errors.Is(err, tokenmint.ErrNotFound) {
			t.Errorf("%s with a cancelled context: error %v is misclassified", name, err)
		}
	}
	if _, err := s.GetAccessToken(t.Context(), "at"); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Errorf("a create with a cancelled context stored a token (get: %v)", err)
	}
}

// testConcurrentIssuance: the server issues, introspects and touches
// tokens from many goroutines at once; none of it may fail.
func testConcurrentIssuance(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.CreateClient(ctx, fullClient("c1")), "create client")
	const workers, each = 8, 25
	errs := make(chan error, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				errs <- issueAndUse(ctx, s, fmt.Sprintf("at-%d-%d", w, i))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// issueAndUse runs the hot path of one request: authenticate the client,
// store a token, introspect it, slide its idle expiry, check a JWT.
func issueAndUse(ctx context.Context, s tokenmint.Store, id string) error {
	if _, err := s.GetClient(ctx, "c1"); err != nil {
		return err
	}
	a := opaqueToken(id, "c1", "", at(time.Hour))
	a.IdleTTL = time.Minute
	if err := s.CreateAccessToken(ctx, a); err != nil {
		return err
	}
	if _, err := s.GetAccessToken(ctx, id); err != nil {
		return err
	}
	if err := s.TouchAccessToken(ctx, id, at(0)); err != nil {
		return err
	}
	_, err := s.IsRevoked(ctx, id)
	return err
}
