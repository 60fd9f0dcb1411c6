package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math/bits"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit for the one write on the hot path: storing an opaque
// access token. Each insert on its own costs a commit (on SQLite, lock
// and WAL syscalls on the single writer connection; on PostgreSQL, a
// round trip and a WAL flush). Under concurrency the inserts that queue
// up while a statement is running go into the next one together: a group
// is ONE multi-row INSERT, so it costs one round trip and one commit, with
// no BEGIN or COMMIT around it.
//
// It is the classic leader scheme: a caller appends its row to the
// pending list and tries to become the lane's leader; the leader writes
// what is pending, group after group, until its own row is written, while
// the other callers wait for their answer or for the lead. An insert
// arriving alone becomes leader at once and writes its row by itself in
// its own goroutine: no waiting for company, no hand-off, so latency at
// low load is unchanged. Every caller returns only after the commit that
// holds its row, so a token is never answered before it is durable.

const (
	// maxBatch bounds a group so one statement stays short.
	maxBatch = 64
	// batchTimeout bounds one group's statement; it is independent of
	// the callers' contexts, which only decide whether they still wait.
	batchTimeout = 10 * time.Second
)

// groupSize is the number of rows of the group statement used when n
// (at least 1) are pending: the largest of 1, 2, 3, 4, 6, 8, 12, ... 48,
// 64 not above n. Statements are prepared per size, so a connection holds
// a dozen of them rather than one per count, and the rows left for the
// next group are fewer than a third of those pending.
func groupSize(n int) int {
	n = min(n, maxBatch)
	p := 1 << (bits.Len(uint(n)) - 1) // largest power of two ≤ n
	if q := p + p/2; p >= 2 && q <= n {
		return q
	}
	return p
}

// insertRows is insertAccessToken with n rows in its VALUES.
func insertRows(n int) string {
	_, values, _ := strings.Cut(insertAccessToken, "VALUES")
	values = strings.TrimSpace(values)
	var b strings.Builder
	b.WriteString(insertAccessToken)
	for range n - 1 {
		b.WriteString(",\n\t")
		b.WriteString(values)
	}
	return b.String()
}

// request is one caller's write waiting for a leader: a row to insert
// (committer) or the body of a transaction (txGroup).
type request struct {
	ctx  context.Context
	args []any                                // an insert's row
	fn   func(context.Context, *sql.Tx) error // a transaction's body
	done chan error                           // buffered: the leader never blocks on it
}

// lane is one leader slot with its queue. SQLite has one (one writer
// connection); PostgreSQL may have a few, writing in parallel.
type lane struct {
	leader  chan struct{} // holds a token while a caller leads the lane
	mu      sync.Mutex
	pending []*request
}

func newLanes(n int) []lane {
	ls := make([]lane, n)
	for i := range ls {
		ls[i].leader = make(chan struct{}, 1)
	}
	return ls
}

// submit queues r and waits for its answer. The caller that finds the
// lane without a leader becomes it and writes what is pending, group
// after group (each group the first size(n) of n pending, written by
// commit), until its own request is answered; the others wait for their
// answer or for the lead. A request arriving alone is led at once, in
// its caller's goroutine.
func (l *lane) submit(r *request, size func(int) int, commit func([]*request)) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	r.done = make(chan error, 1)
	l.mu.Lock()
	l.pending = append(l.pending, r)
	l.mu.Unlock()

	select {
	case err := <-r.done: // a leader wrote it
		return err
	case l.leader <- struct{}{}:
	}
	defer func() { <-l.leader }()
	for {
		select {
		case err := <-r.done:
			return err
		default: // ours is still pending: write the next group
		}
		if batch := l.take(size); len(batch) > 0 {
			commit(batch)
		}
	}
}

// take removes the next group from the pending requests, answering the
// callers that gave up before their request was written.
func (l *lane) take(size func(int) int) []*request {
	l.mu.Lock()
	defer l.mu.Unlock()
	live := l.pending[:0]
	for _, r := range l.pending {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		l.pending = nil
		return nil
	}
	n := size(len(live))
	batch := make([]*request, n)
	copy(batch, live)
	l.pending = append(live[:0], live[n:]...)
	return batch
}

type committer struct {
	db    *DB
	one   *stmt // the single-row insert, shared with the direct path
	rows  [maxBatch + 1]stmt
	lanes []lane
	next  atomic.Uint32
}

func newCommitter(db *DB, one *stmt, lanes int) *committer {
	c := &committer{db: db, one: one, lanes: newLanes(lanes)}
	for n := 2; n <= maxBatch; n++ {
		if groupSize(n) == n {
			c.rows[n] = stmt{pool: writer, query: insertRows(n)}
		}
	}
	return c
}

// insert writes the row args, alone or in a group with others.
func (c *committer) insert(ctx context.Context, args []any) error {
	l := &c.lanes[int(c.next.Add(1))%len(c.lanes)]
	return l.submit(&request{ctx: ctx, args: args}, groupSize, c.commit)
}

// commit writes a group of groupSize rows in one statement. The
// statement is atomic: if it fails, nothing of it was written and each
// row is retried alone, so one bad row (a duplicate ID) fails only its
// own caller.
func (c *committer) commit(batch []*request) {
	if len(batch) == 1 { // alone: the caller's own statement and context
		r := batch[0]
		r.done <- c.exec(r.ctx, 1, r.args)
		return
	}
	ctx, end := c.db.groupContext(batch)
	defer end()
	args := make([]any, 0, len(batch)*len(batch[0].args))
	for _, r := range batch {
		args = append(args, r.args...)
	}
	if c.exec(ctx, len(batch), args) == nil {
		reply(batch, nil)
		return
	}
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err // gave up meanwhile: write nothing
			continue
		}
		r.done <- c.exec(ctx, 1, r.args)
	}
}

// exec runs the n-row insert, prepared once on the writer pool.
func (c *committer) exec(ctx context.Context, n int, args []any) error {
	s := c.one
	if n > 1 {
		s = &c.rows[n]
	}
	prepared, err := s.get(ctx, c.db)
	if err != nil {
		return err
	}
	_, err = prepared.ExecContext(ctx, args...)
	return err
}

// close releases the group statements (the single-row one belongs to
// the DB's hot statements).
func (c *committer) close() error {
	var err error
	for i := range c.rows {
		err = errors.Join(err, c.rows[i].close())
	}
	return err
}

func reply(rs []*request, err error) {
	for _, r := range rs {
		r.done <- err
	}
}
