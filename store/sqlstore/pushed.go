package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/tokenmint/tokenmint"
)

const pushedCols = `id, client_id, params, created_at, expires_at, used_at`

func scanPushed(r row) (tokenmint.PushedRequest, error) {
	var p tokenmint.PushedRequest
	err := r.Scan(&p.ID, &p.ClientID, &p.Params, timeCol{&p.CreatedAt}, timeCol{&p.ExpiresAt}, timeCol{&p.UsedAt})
	return p, err
}

// CreatePushedRequest stores a pushed authorization request (RFC 9126
// §2.2); ErrConflict when its ID exists.
func (db *DB) CreatePushedRequest(ctx context.Context, p tokenmint.PushedRequest) error {
	const q = `INSERT INTO pushed_requests (` + pushedCols + `) VALUES (?, ?, ?, ?, ?, ?)`
	_, err := db.w.ExecContext(ctx, db.q(q), p.ID, p.ClientID, p.Params, micros(p.CreatedAt), deadline(p.ExpiresAt), micros(p.UsedAt))
	return db.wrap("create pushed request", err)
}

// UsePushedRequest spends a request_uri (RFC 9126 §4): one conditional
// UPDATE decides between concurrent uses; the loser reads the record and
// gets ErrAlreadyUsed. A request of another client is not touched and
// reads as ErrNotFound, so that a client cannot spend another's.
func (db *DB) UsePushedRequest(ctx context.Context, id, clientID string, now time.Time) (tokenmint.PushedRequest, error) {
	var p tokenmint.PushedRequest
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		const use = `UPDATE pushed_requests SET used_at = ? WHERE id = ? AND client_id = ? AND used_at IS NULL RETURNING ` + pushedCols
		var err error
		p, err = scanPushed(tx.QueryRowContext(ctx, db.q(use), now.UnixMicro(), id, clientID))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		const get = `SELECT ` + pushedCols + ` FROM pushed_requests WHERE id = ? AND client_id = ?`
		if p, err = scanPushed(tx.QueryRowContext(ctx, db.q(get), id, clientID)); err != nil {
			return err
		}
		return tokenmint.ErrAlreadyUsed
	})
	if err != nil && !errors.Is(err, tokenmint.ErrAlreadyUsed) {
		return tokenmint.PushedRequest{}, db.wrap("use pushed request", err)
	}
	return p, db.wrap("use pushed request", err)
}
