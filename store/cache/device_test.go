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

// TestDeviceThroughCache: the memory layer passes the device
// authorizations of RFC 8628 through to the store, so that every
// instance sees one state (the DeviceStore conformance tests, run on the
// layer over SQLite).
func TestDeviceThroughCache(t *testing.T) {
	storetest.RunDevice(t, func(t *testing.T) tokenmint.Store {
		db, err := store.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "device.db"), sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
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
