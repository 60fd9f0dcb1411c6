package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// TestWALBounded: under sustained concurrent inserts, with readers whose
// snapshots overlap so that one is always in the WAL, the WAL file stays
// bounded. The readers keep PASSIVE checkpoints, SQLite's own automatic
// ones included, from ever letting the WAL start over: without the
// RESTART checkpoints it reached 30,000 to 35,000 pages here, and with
// SQLite's default automatic checkpoints alone (the configuration before
// the checkpointer) about 30,000; with them, 2,000 to 5,000.
//
// A RESTART gives up after restartWait and is retried, so on a loaded
// machine, where readers and the writer stall for longer, the WAL grows
// further: 11,000 to 12,900 pages when the whole test suite or a load
// benchmark runs beside this test on two cores. The bound is therefore 40
// times walPages (20,000 pages), and the run is tried up to three times:
// without the RESTART checkpoints every run reaches 29,000 to 41,000
// pages and the test fails.
func TestWALBounded(t *testing.T) {
	const walPages, attempts = 500, 3
	const limit = 40 * walPages
	for i := range attempts {
		pages, inserts := walPeak(t, walPages)
		t.Logf("attempt %d: WAL peak %d pages for %d inserts", i+1, pages, inserts)
		if pages <= limit {
			return
		}
	}
	t.Errorf("WAL grew past %d pages in %d runs out of %d", limit, attempts, attempts)
}

// walPeak runs the workload of TestWALBounded on a new file and returns
// the largest the WAL has been, in pages, and the number of inserts.
func walPeak(t *testing.T, walPages int) (pages int64, inserts int) {
	t.Helper()
	ctx := context.Background()
	path := sqlitePath(t)
	opts := quietOptions()
	opts.walPages = walPages
	opts.checkpointEvery = time.Millisecond
	db, err := OpenSQLite(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pageSize int64
	if err := db.r.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	var readers sync.WaitGroup
	for i := range 3 {
		readers.Go(func() {
			time.Sleep(time.Duration(i) * time.Millisecond) // staggered
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := readTwice(ctx, db, 2*time.Millisecond); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	const writers, perWriter = 8, 1200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				if err := db.CreateAccessToken(ctx, accessToken(fmt.Sprintf("w%d-%d", w, i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()

	// SQLite reuses the WAL file from its start rather than truncating
	// it, so its size is the largest the WAL has been.
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	return st.Size() / pageSize, writers * perWriter
}

// readTwice reads in one transaction, holding its snapshot for hold.
func readTwice(ctx context.Context, db *DB, hold time.Duration) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	for range 2 {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM access_tokens WHERE id = 'w0-0'`).Scan(&n); err != nil {
			return err
		}
		time.Sleep(hold)
	}
	return tx.Commit()
}
