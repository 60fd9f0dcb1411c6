package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit for the one write on the hot path: storing an opaque
// access token. Each insert in its own transaction costs a commit (on
// SQLite, lock and WAL syscalls on the single writer connection; on
// PostgreSQL, a WAL flush of about a millisecond). Under concurrency the
// inserts that queue up while a commit is running go into the next
// transaction together, so they share its cost.
//
// It is the classic leader scheme: a caller appends its row to the
// pending list and takes the lane's lock; whoever holds it commits
// everything pending, so a caller often finds its row already committed
// by the previous holder. An insert arriving alone takes the lock at once
// and commits by itself in its own goroutine: no waiting for company, no
// hand-off, so latency at low load is unchanged. Every caller returns
// only after the commit that holds its row, so a token is never answered
// before it is durable.

const (
	// maxBatch bounds a group so one commit stays short.
	maxBatch = 256
	// batchTimeout bounds one group's transaction; it is independent of
	// the callers' contexts, which only decide whether they still wait.
	batchTimeout = 10 * time.Second
)

type insertReq struct {
	ctx  context.Context
	args []any
	done chan error // buffered: the committer never blocks on it
}

// lane is one leader lock with its queue. SQLite has one (one writer
// connection); PostgreSQL a few, committing in parallel.
type lane struct {
	leader  sync.Mutex
	mu      sync.Mutex
	pending []*insertReq
}

type committer struct {
	db    *DB
	query *stmt // prepared once on the writer pool, reused by every group
	lanes []lane
	next  atomic.Uint32
}

func newCommitter(db *DB, query *stmt, lanes int) *committer {
	return &committer{db: db, query: query, lanes: make([]lane, lanes)}
}

// insert runs the statement with args inside some group's transaction.
func (c *committer) insert(ctx context.Context, args []any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l := &c.lanes[int(c.next.Add(1))%len(c.lanes)]
	r := &insertReq{ctx: ctx, args: args, done: make(chan error, 1)}
	l.mu.Lock()
	l.pending = append(l.pending, r)
	l.mu.Unlock()

	l.leader.Lock()
	defer l.leader.Unlock()
	select {
	case err := <-r.done: // the previous leader committed it
		return err
	default:
	}
	for {
		l.mu.Lock()
		batch := l.pending
		if len(batch) > maxBatch {
			batch = batch[:maxBatch]
		}
		l.pending = l.pending[len(batch):]
		l.mu.Unlock()
		c.commit(batch)
		select {
		case err := <-r.done:
			return err
		default: // more than maxBatch were ahead of us: go again
		}
	}
}

// commit writes the group in one transaction (a group of one without
// one). If the transaction fails as a whole, each row is retried alone,
// so one bad row (a duplicate ID) fails only its own caller.
func (c *committer) commit(batch []*insertReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err // gave up before anything was written
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	prepared, err := c.query.get(live[0].ctx, c.db) // before a transaction takes the writer
	if err != nil {
		reply(live, err)
		return
	}
	if len(live) == 1 { // alone: the caller's own statement, no transaction
		_, err := prepared.ExecContext(live[0].ctx, live[0].args...)
		live[0].done <- err
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	err = c.db.inTx(ctx, func(tx *sql.Tx) error {
		st := tx.StmtContext(ctx, prepared) // reuses the connection's statement
		defer st.Close()
		for _, r := range live {
			if _, err := st.ExecContext(ctx, r.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		reply(live, nil)
		return
	}
	for _, r := range live {
		_, err := prepared.ExecContext(ctx, r.args...)
		r.done <- err
	}
}

func reply(rs []*insertReq, err error) {
	for _, r := range rs {
		r.done <- err
	}
}
