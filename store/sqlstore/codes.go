package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tokenmint/tokenmint"
)

const codeCols = `id, family_id, client_id, redirect_uri, subject, scopes, nonce,
	code_challenge, code_challenge_method, auth_time, issued_at, expires_at, used_at`

func scanCode(r row) (tokenmint.AuthCode, error) {
	var c tokenmint.AuthCode
	err := r.Scan(&c.ID, &c.FamilyID, &c.ClientID, &c.RedirectURI, &c.Subject,
		jsonCol{&c.Scopes}, &c.Nonce, &c.CodeChallenge, &c.CodeChallengeMethod,
		timeCol{&c.AuthTime}, timeCol{&c.IssuedAt}, timeCol{&c.ExpiresAt}, timeCol{&c.UsedAt})
	return c, err
}

// CreateAuthCode stores an authorization code; ErrConflict when the ID
// exists.
func (db *DB) CreateAuthCode(ctx context.Context, c tokenmint.AuthCode) error {
	var e encoder
	args := []any{c.ID, c.FamilyID, c.ClientID, c.RedirectURI, c.Subject, e.json(c.Scopes),
		c.Nonce, c.CodeChallenge, c.CodeChallengeMethod, micros(c.AuthTime),
		micros(c.IssuedAt), deadline(c.ExpiresAt), micros(c.UsedAt)}
	if e.err != nil {
		return db.wrap("create auth code", e.err)
	}
	const q = `INSERT INTO auth_codes (` + codeCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := db.w.ExecContext(ctx, db.q(q), args...)
	return db.wrap("create auth code", err)
}

// ConsumeAuthCode marks the code used at now and returns it (RFC 6749
// §4.1.2: a code is single-use). One conditional UPDATE decides between
// concurrent consumptions; the loser gets the record and ErrAlreadyUsed,
// so that the caller can revoke what the first use produced. An unknown
// code is ErrNotFound.
func (db *DB) ConsumeAuthCode(ctx context.Context, id string, now time.Time) (tokenmint.AuthCode, error) {
	const use = `UPDATE auth_codes SET used_at = ? WHERE id = ? AND used_at IS NULL RETURNING ` + codeCols
	c, err := scanCode(db.w.QueryRowContext(ctx, db.q(use), now.UnixMicro(), id))
	if errors.Is(err, sql.ErrNoRows) {
		const get = `SELECT ` + codeCols + ` FROM auth_codes WHERE id = ?`
		if c, err = scanCode(db.r.QueryRowContext(ctx, db.q(get), id)); err == nil {
			err = tokenmint.ErrAlreadyUsed
		}
	}
	if err != nil && !errors.Is(err, tokenmint.ErrAlreadyUsed) {
		c = tokenmint.AuthCode{}
	}
	return c, db.wrap("consume auth code", err)
}
