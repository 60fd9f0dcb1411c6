package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tokenmint/tokenmint"
)

// q returns query in the flavour's placeholder syntax, rewriting (once)
// for PostgreSQL.
func (db *DB) q(query string) string {
	if !db.flavor.dollar {
		return query
	}
	if v, ok := db.queries.Load(query); ok {
		return v.(string)
	}
	v := rebindDollar(query)
	db.queries.Store(query, v)
	return v
}

// wrap adds op as context and the sentinel the error stands for: no rows
// is ErrNotFound; unique violations and connection failures are what the
// flavour says. The driver error stays in the chain for errors.As.
func (db *DB) wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", op, tokenmint.ErrNotFound)
	}
	if s := db.flavor.classify(err); s != nil && !errors.Is(err, s) {
		return fmt.Errorf("%s: %w: %w", op, s, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// inTx runs fn in a write transaction, committing when it returns nil. On
// SQLite the transaction begins IMMEDIATE (see sqliteDSN). fn must use tx
// only: the writer pool may have a single connection.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error of fn is the one that matters
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// affected returns the rows an Exec changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// mustAffect turns "no row changed" into ErrNotFound.
func mustAffect(res sql.Result, err error) error {
	n, err := affected(res, err)
	if err == nil && n == 0 {
		return tokenmint.ErrNotFound
	}
	return err
}

// stmt is a statement prepared on first use on one pool and kept until
// Close: the hot paths skip re-parsing (SQLite) and planning (PostgreSQL).
type stmt struct {
	pool  func(*DB) *sql.DB
	query string

	mu sync.Mutex
	p  atomic.Pointer[sql.Stmt]
}

func (s *stmt) get(ctx context.Context, db *DB) (*sql.Stmt, error) {
	if p := s.p.Load(); p != nil {
		return p, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.p.Load(); p != nil {
		return p, nil
	}
	p, err := s.pool(db).PrepareContext(ctx, db.q(s.query))
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	s.p.Store(p)
	return p, nil
}

func (s *stmt) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.p.Swap(nil); p != nil {
		return p.Close()
	}
	return nil
}

func reader(db *DB) *sql.DB { return db.r }
func writer(db *DB) *sql.DB { return db.w }

// hotStmts are the statements of the per-request paths: authenticating a
// client, issuing and introspecting tokens, checking JWT revocation, and
// the user grants' reads and transactions (grantStmts).
type hotStmts struct {
	getClient         stmt
	createAccessToken stmt
	getAccessToken    stmt
	touchAccessToken  stmt
	isRevoked         stmt
	grantStmts
	// The savepoint of each member of a shared transaction (txgroup.go).
	savepoint, rollbackToSavepoint, releaseSavepoint stmt
}

func newHotStmts() hotStmts {
	return hotStmts{
		getClient:         stmt{pool: reader, query: selectClient + ` WHERE id = ?`},
		createAccessToken: stmt{pool: writer, query: insertAccessToken},
		getAccessToken:    stmt{pool: reader, query: selectAccessToken + ` WHERE id = ?`},
		touchAccessToken:  stmt{pool: writer, query: touchAccessToken},
		isRevoked:         stmt{pool: reader, query: `SELECT 1 FROM revoked_jwts WHERE jti = ?`},
		grantStmts:        newGrantStmts(),

		savepoint:           stmt{pool: writer, query: `SAVEPOINT member`},
		rollbackToSavepoint: stmt{pool: writer, query: `ROLLBACK TO member`},
		releaseSavepoint:    stmt{pool: writer, query: `RELEASE member`},
	}
}

func (h *hotStmts) close() error {
	return errors.Join(h.getClient.close(), h.createAccessToken.close(),
		h.getAccessToken.close(), h.touchAccessToken.close(), h.isRevoked.close(),
		h.grantStmts.close(), h.savepoint.close(), h.rollbackToSavepoint.close(), h.releaseSavepoint.close())
}

// queryAll runs a query and scans every row.
func queryAll[T any](ctx context.Context, pool interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, scan func(row) (T, error), args ...any) ([]T, error) {
	rows, err := pool.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
