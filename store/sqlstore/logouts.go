package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/tokenmint/tokenmint"
)

// queueLogouts queues, inside tx, a back-channel logout (OIDC
// Back-Channel Logout 1.0 §2.5) for every client with a
// backchannel_logout_uri holding a family of the login sessions matching
// sessCond (a condition on login_sessions s taking arg), once per
// (client, session). It runs before the sessions are deleted.
func (db *DB) queueLogouts(ctx context.Context, tx *sql.Tx, sessCond string, arg any, now time.Time) error {
	q := `INSERT INTO backchannel_logouts (client_id, session_id, subject, created_at, next_attempt_at)
		SELECT DISTINCT f.client_id, f.session_id, s.user_id, CAST(? AS BIGINT), 0
		FROM login_sessions s JOIN families f ON f.session_id = s.id JOIN clients c ON c.id = f.client_id
		WHERE ` + sessCond + ` AND c.backchannel_logout_uri <> ''
		ON CONFLICT (client_id, session_id) DO NOTHING`
	// Due at once (0): whatever clock the workers go by.
	_, err := tx.ExecContext(ctx, db.q(q), now.UnixMicro(), arg)
	return err
}

const logoutCols = `client_id, session_id, subject, created_at, attempts, next_attempt_at, lease_id, last_error`

// ClaimLogouts claims the due deliveries in one statement. On PostgreSQL
// the rows picked are locked SKIP LOCKED, so that concurrent claims take
// disjoint sets, and the outer condition is checked again on the locked
// row; SQLite's single writer serialises claims.
func (db *DB) ClaimLogouts(ctx context.Context, now, leaseUntil time.Time, leaseID string, limit int) ([]tokenmint.LogoutDelivery, error) {
	lock := ""
	if db.flavor.forUpdate != "" {
		lock = db.flavor.forUpdate + " SKIP LOCKED"
	}
	q := `UPDATE backchannel_logouts SET lease_id = ?, lease_until = ?
		WHERE (client_id, session_id) IN (SELECT client_id, session_id FROM backchannel_logouts
			WHERE next_attempt_at <= ? AND lease_until <= ? ORDER BY next_attempt_at LIMIT ?` + lock + `)
		AND next_attempt_at <= ? AND lease_until <= ?
		RETURNING ` + logoutCols
	at := now.UnixMicro()
	var out []tokenmint.LogoutDelivery
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, db.q(q), leaseID, leaseUntil.UnixMicro(), at, at, limit, at, at)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d tokenmint.LogoutDelivery
			if err := rows.Scan(&d.ClientID, &d.SessionID, &d.Subject, timeCol{&d.CreatedAt}, &d.Attempts,
				timeCol{&d.NextAttemptAt}, &d.LeaseID, &d.LastError); err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, db.wrap("claim back-channel logouts", err)
}

// FinishLogout deletes a delivery still held under its lease.
func (db *DB) FinishLogout(ctx context.Context, d tokenmint.LogoutDelivery) error {
	const q = `DELETE FROM backchannel_logouts WHERE client_id = ? AND session_id = ? AND lease_id = ? AND lease_id <> ''`
	err := mustAffect(db.w.ExecContext(ctx, db.q(q), d.ClientID, d.SessionID, d.LeaseID))
	return db.wrap("finish back-channel logout", err)
}

// maxLogoutError bounds the cause kept with a failed delivery.
const maxLogoutError = 512

// RetryLogout records a failed attempt and releases the lease.
func (db *DB) RetryLogout(ctx context.Context, d tokenmint.LogoutDelivery, next time.Time, cause string) error {
	if len(cause) > maxLogoutError {
		cause = cause[:maxLogoutError]
	}
	const q = `UPDATE backchannel_logouts SET attempts = attempts + 1, next_attempt_at = ?, lease_id = '',
		lease_until = 0, last_error = ? WHERE client_id = ? AND session_id = ? AND lease_id = ? AND lease_id <> ''`
	err := mustAffect(db.w.ExecContext(ctx, db.q(q), next.UnixMicro(), cause, d.ClientID, d.SessionID, d.LeaseID))
	return db.wrap("retry back-channel logout", err)
}
