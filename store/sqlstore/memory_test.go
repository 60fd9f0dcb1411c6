package sqlstore

import (
	"context"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// TestConformanceSQLiteMemory runs the contract against the in-memory
// database other packages' tests use: one connection serves reads, writes
// and transactions, so any method that used the pool from inside its own
// transaction would deadlock here.
func TestConformanceSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tokenmint.Store {
		db, err := OpenSQLite(context.Background(), MemoryPath, quietOptions())
		if err != nil {
			t.Fatalf("open sqlite memory: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
