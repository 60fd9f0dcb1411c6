package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tokenmint/tokenmint"
)

// CreateRegistrationToken stores an initial access token; ErrConflict
// when its ID exists.
func (db *DB) CreateRegistrationToken(ctx context.Context, t tokenmint.RegistrationToken) error {
	const q = `INSERT INTO registration_tokens (id, max_uses, remaining, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`
	_, err := db.w.ExecContext(ctx, db.q(q), t.ID, t.MaxUses, t.Remaining, micros(t.CreatedAt), deadline(t.ExpiresAt))
	return db.wrap("create registration token", err)
}

const selectRegistrationToken = `SELECT id, max_uses, remaining, created_at, expires_at FROM registration_tokens WHERE id = ?`

func scanRegistrationToken(r row) (tokenmint.RegistrationToken, error) {
	var t tokenmint.RegistrationToken
	err := r.Scan(&t.ID, &t.MaxUses, &t.Remaining, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt})
	return t, err
}

// GetRegistrationToken returns the initial access token with that ID.
func (db *DB) GetRegistrationToken(ctx context.Context, id string) (tokenmint.RegistrationToken, error) {
	t, err := scanRegistrationToken(db.r.QueryRowContext(ctx, db.q(selectRegistrationToken), id))
	return t, db.wrap("get registration token", err)
}

// RegisterClient spends one use of the registration token tokenID (when
// given), then stores the client and its registration, in one
// transaction. The use is spent by a guarded UPDATE (remaining > 0, not
// expired), which concurrent transactions serialise on the row's lock
// (PostgreSQL re-reads the guard after the wait; SQLite has one writer),
// so a token is never spent more times than it has uses.
func (db *DB) RegisterClient(ctx context.Context, c tokenmint.Client, reg tokenmint.ClientRegistration, tokenID string, now time.Time) error {
	if reg.ClientID != c.ID {
		return fmt.Errorf("register client: registration is for client %q, not %q", reg.ClientID, c.ID)
	}
	args, err := clientArgs(&c)
	if err != nil {
		return db.wrap("register client", err)
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if tokenID != "" {
			if err := db.spendRegistrationToken(ctx, tx, tokenID, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, db.q(insertClient), args...); err != nil {
			return err
		}
		if err := db.insertRegistration(ctx, tx, reg); err != nil {
			return err
		}
		return db.bumpRevision(ctx, tx)
	})
	return db.wrap("register client", err)
}

// spendRegistrationToken takes one use of the token at now, or says why
// it cannot: ErrNotFound (unknown or expired), ErrAlreadyUsed (no use
// left).
func (db *DB) spendRegistrationToken(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	const spend = `UPDATE registration_tokens SET remaining = remaining - 1
		WHERE id = ? AND remaining > 0 AND expires_at > ?`
	n, err := affected(tx.ExecContext(ctx, db.q(spend), id, now.UnixMicro()))
	if err != nil || n == 1 {
		return err
	}
	t, err := scanRegistrationToken(tx.QueryRowContext(ctx, db.q(selectRegistrationToken), id))
	switch {
	case err != nil:
		return err // sql.ErrNoRows: ErrNotFound
	case !now.Before(t.ExpiresAt):
		return fmt.Errorf("registration token expired: %w", tokenmint.ErrNotFound)
	default:
		return fmt.Errorf("registration token has no use left: %w", tokenmint.ErrAlreadyUsed)
	}
}

func (db *DB) insertRegistration(ctx context.Context, tx *sql.Tx, reg tokenmint.ClientRegistration) error {
	const q = `INSERT INTO client_registrations (client_id, access_token_hash, created_at) VALUES (?, ?, ?)`
	_, err := tx.ExecContext(ctx, db.q(q), reg.ClientID, blob(reg.AccessTokenHash), micros(reg.CreatedAt))
	return err
}

const selectRegistration = `SELECT client_id, access_token_hash, created_at FROM client_registrations WHERE client_id = ?`

func scanRegistration(r row) (tokenmint.ClientRegistration, error) {
	var reg tokenmint.ClientRegistration
	err := r.Scan(&reg.ClientID, blobCol{&reg.AccessTokenHash}, timeCol{&reg.CreatedAt})
	return reg, err
}

// GetClientRegistration returns the registration of a client made by the
// registration endpoint.
func (db *DB) GetClientRegistration(ctx context.Context, clientID string) (tokenmint.ClientRegistration, error) {
	reg, err := scanRegistration(db.r.QueryRowContext(ctx, db.q(selectRegistration), clientID))
	return reg, db.wrap("get client registration", err)
}
