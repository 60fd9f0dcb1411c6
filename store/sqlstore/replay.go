package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/tokenmint/tokenmint"
)

// useOnce inserts the identifier, or takes over a record of it that has
// expired; a live record makes it affect no row. One statement, so that
// of concurrent uses the database's unique key lets exactly one through,
// on SQLite and PostgreSQL alike.
const useOnce = `INSERT INTO used_ids (id, expires_at) VALUES (?, ?)
	ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at
	WHERE used_ids.expires_at <= ?`

// UseOnce records purpose's id as used until expiresAt; ErrAlreadyUsed
// when a record of it is live at now. On SQLite the statement joins the
// grouped write transactions of the single writer (txgroup.go), in its
// own savepoint, so that concurrent uses share a commit; on PostgreSQL
// it is one statement on its own.
func (db *DB) UseOnce(ctx context.Context, purpose, id string, now, expiresAt time.Time) error {
	args := []any{purpose + " " + id, deadline(expiresAt), deadline(now)}
	var n int64
	var err error
	if db.txs != nil {
		err = db.txs.run(ctx, func(ctx context.Context, tx *sql.Tx) error {
			var runErr error // fn may run again alone: only the run that committed counts
			n, runErr = affected(tx.ExecContext(ctx, db.q(useOnce), args...))
			return runErr
		})
	} else {
		n, err = affected(db.w.ExecContext(ctx, db.q(useOnce), args...))
	}
	if err != nil {
		return db.wrap("use once", err)
	}
	if n == 0 {
		return db.wrap("use once", tokenmint.ErrAlreadyUsed)
	}
	return nil
}
