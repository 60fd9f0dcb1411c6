package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tokenmint/tokenmint/internal/periodic"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// WAL checkpoints off the request path (SQLite files only).
//
// In WAL mode each commit appends the pages it changed to the -wal file; a
// checkpoint copies them into the database file, and once every frame is
// copied the next write can start the WAL over from its beginning. By
// default the connection whose commit takes the WAL past 1000 pages runs
// a checkpoint inside that commit, and on the single writer every insert
// queued behind it waits (BENCHMARKS.md, "WAL checkpoints").
//
// Here a goroutine owned by the DB runs a PASSIVE checkpoint from its own
// connection every checkpointEvery, beside the writer and the readers,
// which does the copying. PASSIVE alone cannot bound the WAL: the WAL
// restarts only when, as a write begins, every frame is copied and no
// reader still uses one, and under steady writes a background checkpoint
// always misses the frames appended while it ran, while steady reads
// always hold some frame (they kept SQLite's own automatic checkpoints
// from ever restarting the WAL too, in TestWALBounded). So when the WAL
// is still past walPages after a pass, the goroutine runs a RESTART
// checkpoint on the writer connection, between two writes: it copies the
// few frames left, waits for the readers of older frames (new readers go
// to the database file and do not delay it), and the next write starts
// the WAL over. The writer's automatic checkpoint stays as a backstop at
// four times walPages.

// restartWait bounds how long a RESTART checkpoint may hold the writer
// waiting for it or for old readers; one that gives up is tried again
// after the next pass.
const restartWait = 50 * time.Millisecond

// checkpointer runs the background checkpoints of one database file.
type checkpointer struct {
	conn   *sql.DB // one connection of its own: passive checkpoints never wait for a pool
	writer *sql.DB // the writer pool, for the RESTART checkpoints
	pages  int     // the WAL size that calls for a RESTART
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}

	restarted int // WAL frames at the last complete RESTART (run's goroutine only)
}

// startCheckpointer starts checkpointing the database at path, written
// through w, until close.
func startCheckpointer(ctx context.Context, path string, w *sql.DB, opts Options) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxLifetime(0)
	conn.SetConnMaxIdleTime(0)
	if err := conn.PingContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{conn: conn, writer: w, pages: opts.walPages, log: opts.Logger,
		cancel: cancel, done: make(chan struct{})}
	go c.run(runCtx, opts.checkpointEvery)
	return c, nil
}

// run checkpoints every interval until ctx is cancelled, which also
// interrupts a checkpoint in progress.
func (c *checkpointer) run(ctx context.Context, every time.Duration) {
	defer close(c.done)
	failing := false
	periodic.Run(ctx, every, func(ctx context.Context) {
		err := c.checkpoint(ctx)
		switch {
		case err == nil:
			failing = false
		case ctx.Err() != nil:
		case !failing: // once per run of failures, not every tick
			failing = true
			c.log.Warn("sqlite: WAL checkpoint failed", "err", err)
		}
	})
}

// checkpoint copies what it can of the WAL into the database file without
// waiting for the writer or the readers, then restarts the WAL from the
// writer if it is still too long.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	_, frames, err := walCheckpoint(ctx, c.conn, "PASSIVE")
	// After a complete RESTART the frames stay until the next write
	// starts the WAL over: no second RESTART for them.
	if err != nil || frames < c.pages || frames == c.restarted {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, restartWait)
	defer cancel()
	done, frames, err := walCheckpoint(rctx, c.writer, "RESTART")
	switch {
	case rctx.Err() != nil && ctx.Err() == nil:
		return nil // gave up waiting: again after the next pass
	case err == nil && done:
		c.restarted = frames
	}
	return err
}

// walCheckpoint runs PRAGMA wal_checkpoint(mode) and returns whether it
// completed and the number of frames in the WAL. Another checkpoint
// running is not an error: it does the same work.
func walCheckpoint(ctx context.Context, db *sql.DB, mode string) (done bool, frames int, err error) {
	var busy, copied int
	err = db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busy, &frames, &copied)
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("wal_checkpoint(%s): %w", mode, err)
	}
	return busy == 0, frames, nil
}

// close stops the goroutine and closes its connection.
func (c *checkpointer) close() error {
	c.cancel()
	<-c.done
	return c.conn.Close()
}
