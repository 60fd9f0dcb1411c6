package cache_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/store"
	"github.com/tokenmint/tokenmint/store/cache"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// TestPushedRequestsThroughCache: the memory layer passes pushed
// authorization requests (RFC 9126) through to the store, so that a
// request_uri pushed to one instance is single-use on all of them (the
// PushedRequestStore conformance tests, run on the layer over SQLite).
func TestPushedRequestsThroughCache(t *testing.T) {
	storetest.RunPushedRequests(t, func(t *testing.T) tokenmint.Store {
		db, err := store.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "par.db"), sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		s := cache.Wrap(db, cache.Options{TokenEntries: 64})
		t.Cleanup(func() { s.Close() })
		if err := s.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
		return s
	})
}
