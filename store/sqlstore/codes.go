package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tokenmint/tokenmint"
)

const codeCols = `id, family_id, client_id, redirect_uri, subject, scopes, nonce,
	code_challenge, code_challenge_method, auth_time, issued_at, expires_at, used_at, session_id,
	resources, dpop_jkt, acr, amr, claims`

const useAuthCode = `UPDATE auth_codes SET used_at = ? WHERE id = ? AND used_at IS NULL RETURNING ` + codeCols

func scanCode(r row) (tokenmint.AuthCode, error) {
	var c tokenmint.AuthCode
	err := r.Scan(&c.ID, &c.FamilyID, &c.ClientID, &c.RedirectURI, &c.Subject,
		jsonCol{&c.Scopes}, &c.Nonce, &c.CodeChallenge, &c.CodeChallengeMethod,
		timeCol{&c.AuthTime}, timeCol{&c.IssuedAt}, timeCol{&c.ExpiresAt}, timeCol{&c.UsedAt}, &c.SessionID,
		jsonCol{&c.Resources}, &c.DPoPJKT, &c.ACR, jsonCol{&c.AMR}, &c.Claims)
	return c, err
}

// CreateAuthCode stores an authorization code; ErrConflict when the ID
// exists.
func (db *DB) CreateAuthCode(ctx context.Context, c tokenmint.AuthCode) error {
	var e encoder
	args := []any{c.ID, c.FamilyID, c.ClientID, c.RedirectURI, c.Subject, e.json(c.Scopes),
		c.Nonce, c.CodeChallenge, c.CodeChallengeMethod, micros(c.AuthTime),
		micros(c.IssuedAt), deadline(c.ExpiresAt), micros(c.UsedAt), c.SessionID,
		e.json(c.Resources), c.DPoPJKT, c.ACR, e.json(c.AMR), c.Claims}
	if e.err != nil {
		return db.wrap("create auth code", e.err)
	}
	const q = `INSERT INTO auth_codes (` + codeCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := db.w.ExecContext(ctx, db.q(q), args...)
	return db.wrap("create auth code", err)
}

// ExchangeAuthCode marks the code used at now and stores what issue
// returns for it, in one transaction (RFC 6749 §4.1.2: a code is
// single-use; a crash can no longer leave a spent code without its
// tokens). One conditional UPDATE decides between concurrent exchanges;
// the loser gets the record and ErrAlreadyUsed and writes nothing, so that
// the caller can revoke what the first use produced. An unknown code is
// ErrNotFound. An error from issue commits the spending alone and is
// returned as is.
func (db *DB) ExchangeAuthCode(ctx context.Context, id string, now time.Time, issue func(tokenmint.AuthCode) (tokenmint.Issuance, error)) (tokenmint.AuthCode, error) {
	if err := db.prepareGrantStmts(ctx); err != nil {
		return tokenmint.AuthCode{}, db.wrap("exchange auth code", err)
	}
	var c tokenmint.AuthCode
	var issueErr error
	err := db.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		issueErr = nil
		if c, err = db.useCode(ctx, tx, id, now); err != nil || issue == nil {
			return err
		}
		is, err := issue(c)
		if err != nil {
			issueErr = err
			return nil // the code stays spent
		}
		rows, err := db.issuanceRows(&is)
		if err != nil {
			return err
		}
		return db.insertRows(ctx, tx, rows)
	})
	if err != nil && !errors.Is(err, tokenmint.ErrAlreadyUsed) {
		return tokenmint.AuthCode{}, db.wrap("exchange auth code", err)
	}
	if issueErr != nil {
		return c, issueErr
	}
	return c, db.wrap("exchange auth code", err)
}

// useCode marks a code used, returning it, or returns it with
// ErrAlreadyUsed when it was.
func (db *DB) useCode(ctx context.Context, tx *sql.Tx, id string, now time.Time) (tokenmint.AuthCode, error) {
	c, err := scanCode(db.txQueryRow(ctx, tx, &db.hot.useCode, now.UnixMicro(), id))
	if !errors.Is(err, sql.ErrNoRows) {
		return c, err
	}
	const get = `SELECT ` + codeCols + ` FROM auth_codes WHERE id = ?`
	if c, err = scanCode(tx.QueryRowContext(ctx, db.q(get), id)); err != nil {
		return c, err
	}
	return c, tokenmint.ErrAlreadyUsed
}
