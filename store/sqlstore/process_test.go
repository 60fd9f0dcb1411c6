package sqlstore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// helperDBEnv, when set, turns TestHelperWriterProcess into a writer
// process on that SQLite file: the CLI writing while the server runs.
const helperDBEnv = "TOKENMINT_SQLSTORE_HELPER_DB"

// TestSQLiteCrossProcessWriters runs a second process writing the same
// SQLite file while this one writes; neither may see "database is locked".
func TestSQLiteCrossProcessWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	ctx := context.Background()
	path := sqlitePath(t)
	db := openSQLite(t, path)
	if err := db.CreateClient(ctx, testClient("c")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperWriterProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperDBEnv+"="+path)
	out := make(chan []byte, 1)
	var cmdErr error
	go func() {
		b, err := cmd.CombinedOutput()
		cmdErr = err
		out <- b
	}()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 100 {
				if err := writeMix(ctx, db, w, i); err != nil {
					t.Errorf("this process, worker %d op %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b := <-out; cmdErr != nil {
		t.Fatalf("writer process: %v\n%s", cmdErr, b)
	}
}

// TestHelperWriterProcess is the other process of
// TestSQLiteCrossProcessWriters; it does nothing on its own.
func TestHelperWriterProcess(t *testing.T) {
	path := os.Getenv(helperDBEnv)
	if path == "" {
		t.Skip("helper process for TestSQLiteCrossProcessWriters")
	}
	ctx := context.Background()
	db := openSQLite(t, path)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 100 {
				// Worker numbers apart from the parent's keep IDs distinct.
				if err := writeMix(ctx, db, 1000+w, i); err != nil {
					t.Errorf("%v", fmt.Errorf("helper worker %d op %d: %w", w, i, err))
					return
				}
			}
		})
	}
	wg.Wait()
}
