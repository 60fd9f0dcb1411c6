package sqlstore

import (
	"context"
	"database/sql"

	"github.com/tokenmint/tokenmint"
)

// CreateLoginSession stores a browser login session; ErrConflict when the
// ID exists.
func (db *DB) CreateLoginSession(ctx context.Context, s tokenmint.LoginSession) error {
	const q = `INSERT INTO login_sessions (id, user_id, auth_time, expires_at, acr, amr) VALUES (?, ?, ?, ?, ?, ?)`
	var e encoder
	args := []any{s.ID, s.UserID, micros(s.AuthTime), deadline(s.ExpiresAt), s.ACR, e.json(s.AMR)}
	if e.err != nil {
		return db.wrap("create login session", e.err)
	}
	_, err := db.w.ExecContext(ctx, db.q(q), args...)
	return db.wrap("create login session", err)
}

// GetLoginSession returns the login session with that ID. Expiry is the
// caller's to check.
func (db *DB) GetLoginSession(ctx context.Context, id string) (tokenmint.LoginSession, error) {
	const q = `SELECT id, user_id, auth_time, expires_at, acr, amr FROM login_sessions WHERE id = ?`
	var s tokenmint.LoginSession
	err := db.r.QueryRowContext(ctx, db.q(q), id).
		Scan(&s.ID, &s.UserID, timeCol{&s.AuthTime}, timeCol{&s.ExpiresAt}, &s.ACR, jsonCol{&s.AMR})
	return s, db.wrap("get login session", err)
}

// DeleteLoginSession removes a login session (sign-out) and queues its
// back-channel logouts, in one transaction; ErrNotFound when there is
// none.
func (db *DB) DeleteLoginSession(ctx context.Context, id string) error {
	now := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.queueLogouts(ctx, tx, `s.id = ?`, id, now); err != nil {
			return err
		}
		return mustAffect(tx.ExecContext(ctx, db.q(`DELETE FROM login_sessions WHERE id = ?`), id))
	})
	return db.wrap("delete login session", err)
}
