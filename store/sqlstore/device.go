package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tokenmint/tokenmint"
)

// The Device Authorization Grant (RFC 8628): device_authorizations, one
// row per device code (migration 0011).

const deviceCols = `id, user_code_id, client_id, scopes, resources, family_id, issued_at, expires_at,
	interval_us, last_polled_at, status, subject, session_id, auth_time, decided_at, used_at`

func scanDevice(r row, extra ...any) (tokenmint.DeviceAuthorization, error) {
	var d tokenmint.DeviceAuthorization
	var interval int64
	dst := []any{&d.ID, &d.UserCodeID, &d.ClientID, jsonCol{&d.Scopes}, jsonCol{&d.Resources}, &d.FamilyID,
		timeCol{&d.IssuedAt}, timeCol{&d.ExpiresAt}, &interval, timeCol{&d.LastPolledAt}, &d.Status,
		&d.Subject, &d.SessionID, timeCol{&d.AuthTime}, timeCol{&d.DecidedAt}, timeCol{&d.UsedAt}}
	err := r.Scan(append(dst, extra...)...)
	d.Interval = time.Duration(interval) * time.Microsecond
	return d, err
}

// CreateDeviceAuthorization stores d; ErrConflict when its ID or user
// code is taken.
func (db *DB) CreateDeviceAuthorization(ctx context.Context, d tokenmint.DeviceAuthorization) error {
	var e encoder
	args := []any{d.ID, d.UserCodeID, d.ClientID, e.json(d.Scopes), e.json(d.Resources), d.FamilyID,
		micros(d.IssuedAt), deadline(d.ExpiresAt), d.Interval.Microseconds(), micros(d.LastPolledAt), d.Status,
		d.Subject, d.SessionID, micros(d.AuthTime), micros(d.DecidedAt), micros(d.UsedAt)}
	if e.err != nil {
		return db.wrap("create device authorization", e.err)
	}
	const q = `INSERT INTO device_authorizations (` + deviceCols + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := db.w.ExecContext(ctx, db.q(q), args...)
	return db.wrap("create device authorization", err)
}

// GetDeviceAuthorizationByUserCode returns the authorization of a user
// code's keyed hash. It reads the writer, as the verification page acts
// on what the device authorization endpoint has just written.
func (db *DB) GetDeviceAuthorizationByUserCode(ctx context.Context, userCodeID string) (tokenmint.DeviceAuthorization, error) {
	const q = `SELECT ` + deviceCols + ` FROM device_authorizations WHERE user_code_id = ?`
	d, err := scanDevice(db.w.QueryRowContext(ctx, db.q(q), userCodeID))
	return d, db.wrap("get device authorization", err)
}

// DecideDeviceAuthorization records the user's answer with one
// conditional UPDATE, so that of two answers (two browsers, two
// instances) exactly one counts; the other finds it decided.
func (db *DB) DecideDeviceAuthorization(ctx context.Context, userCodeID string, dec tokenmint.DeviceDecision) (tokenmint.DeviceAuthorization, error) {
	status := tokenmint.DeviceDenied
	if dec.Approve {
		status = tokenmint.DeviceApproved
	}
	var d tokenmint.DeviceAuthorization
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		const decide = `UPDATE device_authorizations
			SET status = ?, subject = ?, session_id = ?, auth_time = ?, decided_at = ?
			WHERE user_code_id = ? AND status = 'pending' AND expires_at > ? RETURNING ` + deviceCols
		var err error
		d, err = scanDevice(tx.QueryRowContext(ctx, db.q(decide), status, dec.Subject, dec.SessionID,
			micros(dec.AuthTime), micros(dec.At), userCodeID, deadline(dec.At)))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		const get = `SELECT ` + deviceCols + ` FROM device_authorizations WHERE user_code_id = ?`
		if d, err = scanDevice(tx.QueryRowContext(ctx, db.q(get), userCodeID)); err != nil {
			return err
		}
		if !dec.At.Before(d.ExpiresAt) {
			return tokenmint.ErrNotFound
		}
		return tokenmint.ErrAlreadyUsed
	})
	if errors.Is(err, tokenmint.ErrNotFound) {
		d = tokenmint.DeviceAuthorization{}
	}
	return d, db.wrap("decide device authorization", err)
}

// pollDevice records a poll in one statement: every right-hand side of
// SET reads the row as it was, so poll_too_soon and the new interval
// both come from the previous poll's time, and the row lock (or
// SQLite's single writer) orders concurrent polls.
const pollDevice = `UPDATE device_authorizations SET
	poll_too_soon = CASE WHEN status = 'pending' AND last_polled_at IS NOT NULL AND ? < last_polled_at + interval_us THEN 1 ELSE 0 END,
	interval_us = CASE WHEN status = 'pending' AND last_polled_at IS NOT NULL AND ? < last_polled_at + interval_us THEN interval_us + ? ELSE interval_us END,
	last_polled_at = ?
	WHERE id = ? RETURNING ` + deviceCols + `, poll_too_soon`

// PollDeviceAuthorization records a poll of the device code at now.
func (db *DB) PollDeviceAuthorization(ctx context.Context, id string, now time.Time, step time.Duration) (tokenmint.DeviceAuthorization, bool, error) {
	at := now.UnixMicro()
	var tooSoon int64
	d, err := scanDevice(db.w.QueryRowContext(ctx, db.q(pollDevice), at, at, step.Microseconds(), at, id), &tooSoon)
	if err != nil {
		return tokenmint.DeviceAuthorization{}, false, db.wrap("poll device authorization", err)
	}
	return d, tooSoon != 0, nil
}

// ExchangeDeviceCode spends an approved device code and stores what
// issue returns, in one transaction, as ExchangeAuthCode does.
func (db *DB) ExchangeDeviceCode(ctx context.Context, id string, now time.Time, issue func(tokenmint.DeviceAuthorization) (tokenmint.Issuance, error)) (tokenmint.DeviceAuthorization, error) {
	if err := db.prepareGrantStmts(ctx); err != nil {
		return tokenmint.DeviceAuthorization{}, db.wrap("exchange device code", err)
	}
	var d tokenmint.DeviceAuthorization
	var issueErr error
	err := db.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		issueErr = nil
		if d, err = db.useDeviceCode(ctx, tx, id, now); err != nil || issue == nil {
			return err
		}
		is, err := issue(d)
		if err != nil {
			issueErr = err
			return nil // the device code stays spent
		}
		rows, err := db.issuanceRows(&is)
		if err != nil {
			return err
		}
		return db.insertRows(ctx, tx, rows)
	})
	if err != nil && !errors.Is(err, tokenmint.ErrAlreadyUsed) {
		return tokenmint.DeviceAuthorization{}, db.wrap("exchange device code", err)
	}
	if issueErr != nil {
		return d, issueErr
	}
	return d, db.wrap("exchange device code", err)
}

// useDeviceCode marks an approved device code used and returns it;
// ErrAlreadyUsed with the record when it was used; ErrNotFound when it
// is unknown or not approved.
func (db *DB) useDeviceCode(ctx context.Context, tx *sql.Tx, id string, now time.Time) (tokenmint.DeviceAuthorization, error) {
	const use = `UPDATE device_authorizations SET used_at = ?
		WHERE id = ? AND status = 'approved' AND used_at IS NULL RETURNING ` + deviceCols
	d, err := scanDevice(tx.QueryRowContext(ctx, db.q(use), now.UnixMicro(), id))
	if !errors.Is(err, sql.ErrNoRows) {
		return d, err
	}
	const get = `SELECT ` + deviceCols + ` FROM device_authorizations WHERE id = ?`
	if d, err = scanDevice(tx.QueryRowContext(ctx, db.q(get), id)); err != nil {
		return d, err
	}
	if d.UsedAt.IsZero() {
		return tokenmint.DeviceAuthorization{}, tokenmint.ErrNotFound // not approved
	}
	return d, tokenmint.ErrAlreadyUsed
}
