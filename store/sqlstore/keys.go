package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
)

const keyCols = `id, alg, public_jwk, private_enc, created_at, rotated_at, retire_at`

const insertKey = `INSERT INTO signing_keys (` + keyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?)`

func keyArgs(k *tokenmint.SigningKey) []any {
	return []any{k.ID, k.Alg, blob(k.PublicJWK), blob(k.PrivateEnc),
		micros(k.CreatedAt), micros(k.RotatedAt), micros(k.RetireAt)}
}

func scanKey(r row) (tokenmint.SigningKey, error) {
	var k tokenmint.SigningKey
	err := r.Scan(&k.ID, &k.Alg, blobCol{&k.PublicJWK}, blobCol{&k.PrivateEnc},
		timeCol{&k.CreatedAt}, timeCol{&k.RotatedAt}, timeCol{&k.RetireAt})
	return k, err
}

// CreateSigningKey stores a signing key. ErrConflict when the ID exists,
// or when k is current (RotatedAt zero) and its alg already has a current
// key: two instances creating the first key together keep only one.
func (db *DB) CreateSigningKey(ctx context.Context, k tokenmint.SigningKey) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(insertKey), keyArgs(&k)...); err != nil {
			return err
		}
		return db.bumpRevision(ctx, tx)
	})
	return db.wrap("create signing key", err)
}

// ListSigningKeys returns every signing key, oldest first (by CreatedAt,
// then ID).
func (db *DB) ListSigningKeys(ctx context.Context) ([]tokenmint.SigningKey, error) {
	ks, err := queryAll(ctx, db.r, `SELECT `+keyCols+` FROM signing_keys`, scanKey)
	if err != nil {
		return nil, db.wrap("list signing keys", err)
	}
	slices.SortFunc(ks, func(a, b tokenmint.SigningKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return ks, nil
}

// RotateSigningKeys marks the current key of next.Alg (if any) rotated at
// next.CreatedAt and retiring at retireAt, and stores next as the current
// key, in one transaction.
func (db *DB) RotateSigningKeys(ctx context.Context, next tokenmint.SigningKey, retireAt time.Time) error {
	if next.CreatedAt.IsZero() {
		// It is the rotation instant, and a NULL rotated_at means current.
		return errors.New("rotate signing keys: the next key has no CreatedAt")
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		const rotate = `UPDATE signing_keys SET rotated_at = ?, retire_at = ?
			WHERE alg = ? AND rotated_at IS NULL`
		if _, err := tx.ExecContext(ctx, db.q(rotate), micros(next.CreatedAt), micros(retireAt), next.Alg); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(insertKey), keyArgs(&next)...); err != nil {
			return err
		}
		return db.bumpRevision(ctx, tx)
	})
	return db.wrap("rotate signing keys", err)
}
