package sqlstore

import (
	"context"
	"database/sql"
	"sync/atomic"
)

// Group commit for the write transactions of the user grants on SQLite:
// a refresh rotation, a code exchange, a password grant's issuance. Each
// is a few statements on the single writer connection, and on its own
// each pays a BEGIN, a COMMIT and the WAL frames of every page it touched
// (two pwrites a page); the next transaction waits for the connection to
// be handed over. Under concurrency the transactions queued while one is
// written go into the next one together, on the lane scheme of the token
// inserts (groupcommit.go): one BEGIN and one COMMIT for the group, the
// pages they share (the right-hand edges of the time-ordered indexes and
// of the tables) written once, and no hand-over between them.
//
// Each member runs inside its own SAVEPOINT, so a member that fails (a
// refresh token already used, a unique violation) is rolled back alone
// and its caller gets its own error, as it would alone. Members run with
// the group's context, not their callers': on SQLite an interrupted
// statement can roll back the whole transaction. If anything fails at the
// level of the transaction (BEGIN, a SAVEPOINT statement, COMMIT), nothing
// of the group was committed and every member is run again alone, so a
// caller is answered only with what happened to its own transaction.
//
// PostgreSQL does not use it: its transactions run in parallel on their
// own connections, and concurrent commits already share WAL flushes.

// maxTxGroup bounds the members of a group, so that one transaction
// stays short.
const maxTxGroup = 32

type txGroup struct {
	db     *DB
	lane   *lane        // one: SQLite has one writer
	shared atomic.Int64 // transactions committed for more than one member
}

func newTxGroup(db *DB) *txGroup {
	return &txGroup{db: db, lane: &newLanes(1)[0]}
}

// run runs fn in a write transaction, alone or with others; fn must use
// its context and tx only, and may run more than once: only the run that
// committed counts.
func (g *txGroup) run(ctx context.Context, fn func(context.Context, *sql.Tx) error) error {
	return g.lane.submit(&request{ctx: ctx, fn: fn}, func(n int) int { return min(n, maxTxGroup) }, g.commit)
}

func (g *txGroup) commit(batch []*request) {
	if len(batch) > 1 {
		ctx, end := g.db.groupContext(batch)
		errs, err := g.db.sharedTx(ctx, batch)
		end()
		if err == nil {
			g.shared.Add(1)
			for i, r := range batch {
				r.done <- errs[i]
			}
			return
		}
	}
	for _, r := range batch { // alone, with the caller's own context
		if err := r.ctx.Err(); err != nil {
			r.done <- err // gave up meanwhile: run nothing
			continue
		}
		r.done <- g.db.inTx(r.ctx, func(tx *sql.Tx) error { return r.fn(r.ctx, tx) })
	}
}

// sharedTx runs the members of batch in one transaction, each in a
// savepoint, and returns each member's error. A non-nil error means the
// transaction itself failed and nothing was committed.
func (db *DB) sharedTx(ctx context.Context, batch []*request) ([]error, error) {
	errs := make([]error, len(batch))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for i, r := range batch {
			if errs[i] = r.ctx.Err(); errs[i] != nil {
				continue // gave up meanwhile
			}
			if _, err := db.txExec(ctx, tx, &db.hot.savepoint); err != nil {
				return err
			}
			if errs[i] = r.fn(ctx, tx); errs[i] != nil {
				if _, err := db.txExec(ctx, tx, &db.hot.rollbackToSavepoint); err != nil {
					return err
				}
			}
			if _, err := db.txExec(ctx, tx, &db.hot.releaseSavepoint); err != nil {
				return err
			}
		}
		return nil
	})
	return errs, err
}

// writeTx runs fn in a write transaction: grouped with others on SQLite,
// on its own connection on PostgreSQL.
func (db *DB) writeTx(ctx context.Context, fn func(context.Context, *sql.Tx) error) error {
	if db.txs != nil {
		return db.txs.run(ctx, fn)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error { return fn(ctx, tx) })
}
