package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tokenmint/tokenmint"
)

const accessTokenCols = `id, format, client_id, subject, scopes, audience, family_id,
	issued_at, expires_at, idle_ttl, last_used_at, cnf_jkt, cnf_x5t_s256, act`

const selectAccessToken = `SELECT ` + accessTokenCols + ` FROM access_tokens`

const insertAccessToken = `INSERT INTO access_tokens (` + accessTokenCols + `, active_until)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// touchAccessToken moves last_used_at forward and recomputes active_until
// as activeUntil does: idle_ttl is rounded up to whole microseconds.
const touchAccessToken = `UPDATE access_tokens SET last_used_at = ?,
	active_until = CASE WHEN idle_ttl > 0 AND ? + (idle_ttl + 999) / 1000 < expires_at
		THEN ? + (idle_ttl + 999) / 1000 ELSE expires_at END
	WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`

// activeUntil is the token's effective expiry in microseconds, the earlier
// of its absolute and idle expiry (AccessToken.EffectiveExpiry), computed
// from the stored (microsecond) values and rounding the idle TTL up, so
// the janitor never deletes a token whose stored record is still active.
func activeUntil(t *tokenmint.AccessToken) int64 {
	exp := deadline(t.ExpiresAt)
	if t.IdleTTL <= 0 {
		return exp
	}
	idle := t.LastUsedAt.UnixMicro() + int64((t.IdleTTL+time.Microsecond-1)/time.Microsecond)
	return min(exp, idle)
}

func accessTokenArgs(t *tokenmint.AccessToken) ([]any, error) {
	var e encoder
	args := []any{
		t.ID, t.Format, t.ClientID, t.Subject, e.json(t.Scopes), e.json(t.Audience), t.FamilyID,
		micros(t.IssuedAt), deadline(t.ExpiresAt), int64(t.IdleTTL), micros(t.LastUsedAt),
		t.Confirmation.JKT, t.Confirmation.X5TS256, t.Act, activeUntil(t),
	}
	return args, e.err
}

func scanAccessToken(r row) (tokenmint.AccessToken, error) {
	var t tokenmint.AccessToken
	err := r.Scan(&t.ID, &t.Format, &t.ClientID, &t.Subject, jsonCol{&t.Scopes},
		jsonCol{&t.Audience}, &t.FamilyID, timeCol{&t.IssuedAt}, timeCol{&t.ExpiresAt},
		durCol{&t.IdleTTL}, timeCol{&t.LastUsedAt}, &t.Confirmation.JKT, &t.Confirmation.X5TS256, &t.Act)
	return t, err
}

// CreateAccessToken stores an access token record; ErrConflict when the
// ID exists.
func (db *DB) CreateAccessToken(ctx context.Context, t tokenmint.AccessToken) error {
	args, err := accessTokenArgs(&t)
	if err != nil {
		return db.wrap("create access token", err)
	}
	if db.tokens != nil {
		return db.wrap("create access token", db.tokens.insert(ctx, args))
	}
	s, err := db.hot.createAccessToken.get(ctx, db)
	if err != nil {
		return db.wrap("create access token", err)
	}
	_, err = s.ExecContext(ctx, args...)
	return db.wrap("create access token", err)
}

// GetAccessToken returns the access token record with that ID.
func (db *DB) GetAccessToken(ctx context.Context, id string) (tokenmint.AccessToken, error) {
	s, err := db.hot.getAccessToken.get(ctx, db)
	if err != nil {
		return tokenmint.AccessToken{}, db.wrap("get access token", err)
	}
	t, err := scanAccessToken(s.QueryRowContext(ctx, id))
	return t, db.wrap("get access token", err)
}

// TouchAccessToken sets LastUsedAt to usedAt when later than the stored
// value, sliding the idle expiry; ErrNotFound for an unknown ID.
func (db *DB) TouchAccessToken(ctx context.Context, id string, usedAt time.Time) error {
	s, err := db.hot.touchAccessToken.get(ctx, db)
	if err != nil {
		return db.wrap("touch access token", err)
	}
	u := usedAt.UnixMicro()
	n, err := affected(s.ExecContext(ctx, u, u, u, id, u))
	if err == nil && n == 0 {
		// Either unknown or already touched at or after usedAt.
		var one int
		err = db.r.QueryRowContext(ctx, db.q(`SELECT 1 FROM access_tokens WHERE id = ?`), id).Scan(&one)
	}
	return db.wrap("touch access token", err)
}

// DeleteAccessToken revokes an access token: its ID enters the revocation
// feed and its record goes, in one transaction; ErrNotFound when there is
// no record.
func (db *DB) DeleteAccessToken(ctx context.Context, id string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.recordRevocations(ctx, tx, `id = ?`, id); err != nil {
			return err
		}
		return mustAffect(tx.ExecContext(ctx, db.q(`DELETE FROM access_tokens WHERE id = ?`), id))
	})
	return db.wrap("delete access token", err)
}

// RevokeJWT records a JWT as revoked until it expires. Revoking it again
// changes nothing.
func (db *DB) RevokeJWT(ctx context.Context, r tokenmint.RevokedToken) error {
	const q = `INSERT INTO revoked_jwts (jti, client_id, expires_at, seq)
		VALUES (?, ?, ?, (SELECT value FROM revision WHERE id = 2))
		ON CONFLICT (jti) DO NOTHING`
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := bumpRevocationSeq(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(q), r.ID, r.ClientID, deadline(r.ExpiresAt))
		return err
	})
	return db.wrap("revoke jwt", err)
}

// bumpRevocationSeq starts the revocation feed's next entry inside tx:
// the rows the transaction then inserts into revoked_jwts carry the new
// value (see migration 0002). On PostgreSQL the row lock it takes until
// commit orders concurrent revokers, so sequence order is commit order.
func bumpRevocationSeq(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE revision SET value = value + 1 WHERE id = 2`)
	return err
}

// RevocationsSince returns the revocations with a sequence after cursor.
func (db *DB) RevocationsSince(ctx context.Context, cursor int64) ([]tokenmint.RevokedToken, int64, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT jti, client_id, expires_at, seq
		FROM revoked_jwts WHERE seq > ? ORDER BY seq`), cursor)
	if err != nil {
		return nil, cursor, db.wrap("revoked jwts since", err)
	}
	defer rows.Close()
	var out []tokenmint.RevokedToken
	next := cursor
	for rows.Next() {
		var r tokenmint.RevokedToken
		if err := rows.Scan(&r.ID, &r.ClientID, timeCol{&r.ExpiresAt}, &next); err != nil {
			return nil, cursor, db.wrap("revoked jwts since", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, cursor, db.wrap("revoked jwts since", err)
	}
	return out, next, nil
}

// IsRevoked reports whether the access token with that ID is revoked.
func (db *DB) IsRevoked(ctx context.Context, id string) (bool, error) {
	s, err := db.hot.isRevoked.get(ctx, db)
	if err != nil {
		return false, db.wrap("is jwt revoked", err)
	}
	var one int
	err = s.QueryRowContext(ctx, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, db.wrap("is jwt revoked", err)
}

// recordRevocations records as revoked, inside tx, every access token
// (JWT or opaque) matching cond (a condition on access_tokens taking arg
// as its one parameter), keeping the revocations already there, as one
// entry of the revocation feed. Callers delete the records afterwards.
//
// The table keeps the name it had when it held JWTs only (revoked_jwts,
// keyed by jti): renaming it would break instances of the previous
// version still running during a rolling upgrade.
func (db *DB) recordRevocations(ctx context.Context, tx *sql.Tx, cond string, arg any) error {
	if err := bumpRevocationSeq(ctx, tx); err != nil {
		return err
	}
	q := `INSERT INTO revoked_jwts (jti, client_id, expires_at, seq)
		SELECT id, client_id, expires_at, (SELECT value FROM revision WHERE id = 2)
		FROM access_tokens
		WHERE ` + cond + `
		ON CONFLICT (jti) DO NOTHING`
	_, err := tx.ExecContext(ctx, db.q(q), arg)
	return err
}
