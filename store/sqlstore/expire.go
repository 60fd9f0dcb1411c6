package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// sweepBatch bounds each janitor DELETE, so that on SQLite no single
// statement holds the write lock long enough to stall token issuance, and
// sweepPause separates full batches so that the writes of requests (token
// inserts, refresh rotations) get the writer between them: under a steady
// load the janitor used to hold SQLite's only writer batch after batch
// (most of a soak's CPU profile: BENCHMARKS.md, "Janitor pacing") and
// issuance fell behind.
const (
	sweepBatch = 1000
	sweepPause = 5 * time.Millisecond
)

// sweep deletes the rows of table whose key is picked from the rows of
// from matching cond, a condition on now (unix microseconds).
type sweep struct{ table, key, pick, from, cond string }

// sweeps are the janitor's deletions, in order. Each relies on an index on
// its deadline column. Used refresh tokens and codes stay until they
// expire so that a replay is recognised (ErrAlreadyUsed) and its family
// revoked.
func sweeps() []sweep {
	return []sweep{
		{"access_tokens", "id", "id", "access_tokens", "active_until <= ?"},
		{"revoked_jwts", "jti", "jti", "revoked_jwts", "expires_at <= ?"},
		{"refresh_tokens", "id", "r.id", "refresh_tokens r JOIN families f ON f.id = r.family_id", "f.expires_at <= ?"},
		{"refresh_tokens", "id", "id", "refresh_tokens", "expires_at <= ?"},
		{"families", "id", "id", "families", "expires_at <= ?"},
		{"auth_codes", "id", "id", "auth_codes", "expires_at <= ?"},
		{"login_sessions", "id", "id", "login_sessions", "expires_at <= ?"},
		{"registration_tokens", "id", "id", "registration_tokens", "expires_at <= ?"},
		{"used_ids", "id", "id", "used_ids", "expires_at <= ?"},
		{"device_authorizations", "id", "id", "device_authorizations", "expires_at <= ?"},
		{"pushed_requests", "id", "id", "pushed_requests", "expires_at <= ?"},
	}
}

// DeleteExpired removes every record that can no longer be valid at now:
// access tokens past their absolute or idle expiry, JWT revocations past
// the JWT's expiry, expired families with their refresh tokens, expired
// refresh tokens, codes, login sessions, registration tokens and single-use
// identifiers (UseOnce), and rotated signing keys past
// RetireAt. It deletes in batches, each its own statement, and returns the
// number of rows deleted (also when it fails part way).
func (db *DB) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	at := now.UnixMicro()
	var total int64
	for _, s := range sweeps() {
		n, err := db.sweep(ctx, s, at)
		total += n
		if err != nil {
			return total, db.wrap("delete expired "+s.table, err)
		}
	}
	n, err := db.deleteRetiredKeys(ctx, at)
	return total + n, db.wrap("delete expired signing keys", err)
}

func (db *DB) sweep(ctx context.Context, s sweep, at int64) (int64, error) {
	q := db.q(`DELETE FROM ` + s.table + ` WHERE ` + s.key + ` IN (SELECT ` + s.pick +
		` FROM ` + s.from + ` WHERE ` + s.cond + ` LIMIT ` + strconv.Itoa(sweepBatch) + `)`)
	var total int64
	for {
		n, err := affected(db.w.ExecContext(ctx, q, at))
		total += n
		if err != nil || n < sweepBatch {
			return total, err
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(sweepPause):
		}
	}
}

// deleteRetiredKeys deletes rotated keys past RetireAt and bumps the
// revision when any went, so that JWKS caches drop them. The current key
// of an alg is never deleted.
func (db *DB) deleteRetiredKeys(ctx context.Context, at int64) (int64, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		const q = `DELETE FROM signing_keys
			WHERE rotated_at IS NOT NULL AND retire_at IS NOT NULL AND retire_at <= ?`
		var err error
		if n, err = affected(tx.ExecContext(ctx, db.q(q), at)); err != nil || n == 0 {
			return err
		}
		return db.bumpRevision(ctx, tx)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
