package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tokenmint/tokenmint"
)

const familyCols = `id, client_id, subject, scopes, auth_time, created_at, expires_at, revoked_at, session_id,
	resources, cnf_jkt, cnf_x5t_s256, acr, amr, claims`

func scanFamily(r row) (tokenmint.Family, error) {
	var f tokenmint.Family
	err := r.Scan(&f.ID, &f.ClientID, &f.Subject, jsonCol{&f.Scopes}, timeCol{&f.AuthTime},
		timeCol{&f.CreatedAt}, timeCol{&f.ExpiresAt}, timeCol{&f.RevokedAt}, &f.SessionID,
		jsonCol{&f.Resources}, &f.Confirmation.JKT, &f.Confirmation.X5TS256, &f.ACR, jsonCol{&f.AMR}, &f.Claims)
	return f, err
}

const insertFamily = `INSERT INTO families (` + familyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func familyArgs(f *tokenmint.Family) ([]any, error) {
	var e encoder
	args := []any{f.ID, f.ClientID, f.Subject, e.json(f.Scopes), micros(f.AuthTime),
		micros(f.CreatedAt), deadline(f.ExpiresAt), micros(f.RevokedAt), f.SessionID,
		e.json(f.Resources), f.Confirmation.JKT, f.Confirmation.X5TS256, f.ACR, e.json(f.AMR), f.Claims}
	return args, e.err
}

// CreateFamily stores a new family; ErrConflict when the ID exists.
func (db *DB) CreateFamily(ctx context.Context, f tokenmint.Family) error {
	args, err := familyArgs(&f)
	if err == nil {
		_, err = db.w.ExecContext(ctx, db.q(insertFamily), args...)
	}
	return db.wrap("create family", err)
}

// GetFamily returns the family with that ID.
func (db *DB) GetFamily(ctx context.Context, id string) (tokenmint.Family, error) {
	s, err := db.hot.getFamily.get(ctx, db)
	if err != nil {
		return tokenmint.Family{}, db.wrap("get family", err)
	}
	f, err := scanFamily(s.QueryRowContext(ctx, id))
	return f, db.wrap("get family", err)
}

// RevokeFamily marks the family revoked at now (keeping an earlier
// revocation time), deletes its refresh tokens and access token records,
// and records its JWTs as revoked, in one transaction. Unknown and revoked
// families are not an error.
func (db *DB) RevokeFamily(ctx context.Context, id string, now time.Time) error {
	if id == "" {
		return nil // tokens without a family have family_id ''
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return db.revokeFamilies(ctx, tx, `id = ?`, `family_id = ?`, id, now)
	})
	return db.wrap("revoke family", err)
}

// revokeSubjectFamilies revokes every family of a subject inside tx.
func (db *DB) revokeSubjectFamilies(ctx context.Context, tx *sql.Tx, subject string, now time.Time) error {
	const ofSubject = `family_id IN (SELECT id FROM families WHERE subject = ? AND id <> '')`
	return db.revokeFamilies(ctx, tx, `subject = ?`, ofSubject, subject, now)
}

// revokeFamilies revokes the families matching famCond and the tokens
// matching tokCond, each condition taking arg as its one parameter. The
// access tokens enter the revocation feed before their records go, so
// that a JWT already handed out stops introspecting as active, and so do
// opaque records other processes hold in their caches.
func (db *DB) revokeFamilies(ctx context.Context, tx *sql.Tx, famCond, tokCond string, arg any, now time.Time) error {
	const markRevoked = `UPDATE families SET revoked_at = ? WHERE revoked_at IS NULL AND `
	if _, err := tx.ExecContext(ctx, db.q(markRevoked+famCond), micros(now), arg); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM refresh_tokens WHERE `+tokCond), arg); err != nil {
		return err
	}
	if err := db.recordRevocations(ctx, tx, tokCond, arg); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, db.q(`DELETE FROM access_tokens WHERE `+tokCond), arg)
	return err
}

const refreshCols = `id, family_id, client_id, subject, scopes, issued_at, expires_at, used_at`

const insertRefresh = `INSERT INTO refresh_tokens (` + refreshCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

const useRefreshToken = `UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL RETURNING ` + refreshCols

func refreshArgs(t *tokenmint.RefreshToken) ([]any, error) {
	var e encoder
	args := []any{t.ID, t.FamilyID, t.ClientID, t.Subject, e.json(t.Scopes),
		micros(t.IssuedAt), deadline(t.ExpiresAt), micros(t.UsedAt)}
	return args, e.err
}

func scanRefresh(r row) (tokenmint.RefreshToken, error) {
	var t tokenmint.RefreshToken
	err := r.Scan(&t.ID, &t.FamilyID, &t.ClientID, &t.Subject, jsonCol{&t.Scopes},
		timeCol{&t.IssuedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.UsedAt})
	return t, err
}

// CreateRefreshToken stores a refresh token; ErrConflict when the ID
// exists.
func (db *DB) CreateRefreshToken(ctx context.Context, t tokenmint.RefreshToken) error {
	args, err := refreshArgs(&t)
	if err == nil {
		_, err = db.w.ExecContext(ctx, db.q(insertRefresh), args...)
	}
	return db.wrap("create refresh token", err)
}

// GetRefreshToken returns the refresh token with that ID.
func (db *DB) GetRefreshToken(ctx context.Context, id string) (tokenmint.RefreshToken, error) {
	s, err := db.hot.getRefresh.get(ctx, db)
	if err != nil {
		return tokenmint.RefreshToken{}, db.wrap("get refresh token", err)
	}
	t, err := scanRefresh(s.QueryRowContext(ctx, id))
	return t, db.wrap("get refresh token", err)
}

// RotateRefreshToken marks oldID used at now and stores next and access
// (when not nil), in one transaction; it returns the old record as it now
// is. The conditional UPDATE decides between concurrent rotations: the row
// lock it takes makes the loser re-check used_at and change nothing. The
// loser gets the old record and ErrAlreadyUsed, and nothing is stored; an
// unknown oldID is ErrNotFound. The rows are encoded and the statements
// prepared before the transaction, so that it holds the writer for the
// statements alone.
func (db *DB) RotateRefreshToken(ctx context.Context, oldID string, now time.Time, next tokenmint.RefreshToken, access *tokenmint.AccessToken) (tokenmint.RefreshToken, error) {
	rows, err := db.issuanceRows(&tokenmint.Issuance{Refresh: &next, Access: access})
	if err == nil {
		err = db.prepareGrantStmts(ctx)
	}
	if err != nil {
		return tokenmint.RefreshToken{}, db.wrap("rotate refresh token", err)
	}
	var old tokenmint.RefreshToken
	err = db.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		if old, err = db.useRefresh(ctx, tx, oldID, now); err != nil {
			return err
		}
		return db.insertRows(ctx, tx, rows)
	})
	if err != nil && !errors.Is(err, tokenmint.ErrAlreadyUsed) {
		old = tokenmint.RefreshToken{}
	}
	return old, db.wrap("rotate refresh token", err)
}

// CreateIssuance stores the records of is in one transaction, family
// first; a nil field stores nothing. As in RotateRefreshToken the rows are
// encoded and the statements prepared before the transaction begins.
func (db *DB) CreateIssuance(ctx context.Context, is tokenmint.Issuance) error {
	rows, err := db.issuanceRows(&is)
	if err != nil || len(rows) == 0 {
		return db.wrap("create issuance", err)
	}
	if err := db.prepareGrantStmts(ctx); err != nil {
		return db.wrap("create issuance", err)
	}
	err = db.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return db.insertRows(ctx, tx, rows) })
	return db.wrap("create issuance", err)
}

// useRefresh marks a refresh token used, returning it, or returns it with
// ErrAlreadyUsed when it was.
func (db *DB) useRefresh(ctx context.Context, tx *sql.Tx, id string, now time.Time) (tokenmint.RefreshToken, error) {
	t, err := scanRefresh(db.txQueryRow(ctx, tx, &db.hot.useRefresh, now.UnixMicro(), id))
	if !errors.Is(err, sql.ErrNoRows) {
		return t, err
	}
	const get = `SELECT ` + refreshCols + ` FROM refresh_tokens WHERE id = ?`
	if t, err = scanRefresh(tx.QueryRowContext(ctx, db.q(get), id)); err != nil {
		return t, err
	}
	return t, tokenmint.ErrAlreadyUsed
}

// insertRow is one INSERT of an issuance: its statement and arguments.
type insertRow struct {
	stmt *stmt
	args []any
}

// issuanceRows encodes the records of is as INSERTs, family first.
func (db *DB) issuanceRows(is *tokenmint.Issuance) ([]insertRow, error) {
	rows := make([]insertRow, 0, 3)
	if is.Family != nil {
		args, err := familyArgs(is.Family)
		if err != nil {
			return nil, err
		}
		rows = append(rows, insertRow{&db.hot.insertFamily, args})
	}
	if is.Refresh != nil {
		args, err := refreshArgs(is.Refresh)
		if err != nil {
			return nil, err
		}
		rows = append(rows, insertRow{&db.hot.insertRefresh, args})
	}
	if is.Access != nil {
		args, err := accessTokenArgs(is.Access)
		if err != nil {
			return nil, err
		}
		rows = append(rows, insertRow{&db.hot.insertAccess, args})
	}
	return rows, nil
}

// insertRows runs the INSERTs in tx.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, rows []insertRow) error {
	for _, r := range rows {
		if _, err := db.txExec(ctx, tx, r.stmt, r.args...); err != nil {
			return err
		}
	}
	return nil
}

// grantStmts are the statements of refresh rotation, code exchange and
// CreateIssuance: the reads before and the writes of the one transaction. SQLite parsing
// them anew took about a quarter of the refresh path's CPU.
type grantStmts struct {
	getFamily, getRefresh                     stmt // reader
	useRefresh, useCode                       stmt // writer
	insertFamily, insertRefresh, insertAccess stmt // writer
}

func newGrantStmts() grantStmts {
	return grantStmts{
		getFamily:     stmt{pool: reader, query: `SELECT ` + familyCols + ` FROM families WHERE id = ?`},
		getRefresh:    stmt{pool: reader, query: `SELECT ` + refreshCols + ` FROM refresh_tokens WHERE id = ?`},
		useRefresh:    stmt{pool: writer, query: useRefreshToken},
		useCode:       stmt{pool: writer, query: useAuthCode},
		insertFamily:  stmt{pool: writer, query: insertFamily},
		insertRefresh: stmt{pool: writer, query: insertRefresh},
		insertAccess:  stmt{pool: writer, query: insertAccessToken},
	}
}

func (g *grantStmts) close() error {
	return errors.Join(g.getFamily.close(), g.getRefresh.close(), g.useRefresh.close(),
		g.useCode.close(), g.insertFamily.close(), g.insertRefresh.close(), g.insertAccess.close())
}

// prepareGrantStmts prepares the writer statements of grantStmts (once).
// It runs before a transaction begins: on SQLite the writer pool is one
// connection, which preparing inside the transaction would wait for.
func (db *DB) prepareGrantStmts(ctx context.Context) error {
	h := &db.hot
	for _, s := range []*stmt{&h.useRefresh, &h.useCode, &h.insertFamily, &h.insertRefresh, &h.insertAccess,
		&h.savepoint, &h.rollbackToSavepoint, &h.releaseSavepoint} {
		if _, err := s.get(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

// txExec runs s in tx: as prepared when it has been (prepareGrantStmts),
// else parsed, never waiting for the writer tx holds.
func (db *DB) txExec(ctx context.Context, tx *sql.Tx, s *stmt, args ...any) (sql.Result, error) {
	if p := s.p.Load(); p != nil {
		return tx.StmtContext(ctx, p).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, db.q(s.query), args...)
}

// txQueryRow is txExec for a statement returning one row.
func (db *DB) txQueryRow(ctx context.Context, tx *sql.Tx, s *stmt, args ...any) *sql.Row {
	if p := s.p.Load(); p != nil {
		return tx.StmtContext(ctx, p).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, db.q(s.query), args...)
}
