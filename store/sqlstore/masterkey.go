package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tokenmint/tokenmint"
)

var _ tokenmint.MasterKeyStore = (*DB)(nil)

// SealedHashKeys returns the hash keys a master key rotation stored;
// ErrNotFound before the first.
func (db *DB) SealedHashKeys(ctx context.Context) ([]byte, error) {
	var b []byte
	err := db.r.QueryRowContext(ctx, `SELECT hash_keys FROM master_key WHERE id = 1`).Scan(blobCol{&b})
	return b, db.wrap("read hash keys", err)
}

// Reseal rewrites every value sealed under the master key in one write
// transaction (on SQLite the writer lock is taken first, so no write
// lands between the read and the rewrite; on PostgreSQL the rows read are
// locked FOR UPDATE), and bumps the revision so that every instance
// reloads its clients and signing keys.
func (db *DB) Reseal(ctx context.Context, reseal func(tokenmint.SealedValue) ([]byte, error)) (map[tokenmint.SealedKind]int, error) {
	counts := map[tokenmint.SealedKind]int{}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, col := range resealColumns {
			if err := db.resealColumn(ctx, tx, col, reseal, counts); err != nil {
				return err
			}
		}
		if err := db.resealHashKeys(ctx, tx, reseal); err != nil {
			return err
		}
		counts[tokenmint.SealedHashKeys] = 1
		return db.bumpRevision(ctx, tx)
	})
	if err != nil {
		return nil, db.wrap("reseal", err)
	}
	return counts, nil
}

// resealColumn is a column of sealed values, keyed by the record's ID.
type resealColumn struct {
	kind          tokenmint.SealedKind
	table, column string
}

var resealColumns = []resealColumn{
	{tokenmint.SealedSigningKey, "signing_keys", "private_enc"},
	{tokenmint.SealedClientSecret, "clients", "secret_enc"},
	{tokenmint.SealedPreviousClientSecret, "clients", "previous_secret_enc"},
}

func (db *DB) resealColumn(ctx context.Context, tx *sql.Tx, c resealColumn, reseal func(tokenmint.SealedValue) ([]byte, error), counts map[tokenmint.SealedKind]int) error {
	q := `SELECT id, ` + c.column + ` FROM ` + c.table + ` WHERE ` + c.column + ` IS NOT NULL ORDER BY id`
	if db.flavor.dollar {
		q += ` FOR UPDATE`
	}
	vals, err := queryAll(ctx, tx, q, func(r row) (tokenmint.SealedValue, error) {
		v := tokenmint.SealedValue{Kind: c.kind}
		return v, r.Scan(&v.ID, blobCol{&v.Value})
	})
	if err != nil {
		return err
	}
	update := db.q(`UPDATE ` + c.table + ` SET ` + c.column + ` = ? WHERE id = ?`)
	for _, v := range vals {
		if len(v.Value) == 0 {
			continue
		}
		next, err := reseal(v)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, update, blob(next), v.ID); err != nil {
			return err
		}
		counts[c.kind]++
	}
	return nil
}

func (db *DB) resealHashKeys(ctx context.Context, tx *sql.Tx, reseal func(tokenmint.SealedValue) ([]byte, error)) error {
	q := `SELECT hash_keys FROM master_key WHERE id = 1`
	if db.flavor.dollar {
		q += ` FOR UPDATE`
	}
	v := tokenmint.SealedValue{Kind: tokenmint.SealedHashKeys}
	if err := tx.QueryRowContext(ctx, q).Scan(blobCol{&v.Value}); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	next, err := reseal(v)
	if err != nil {
		return err
	}
	const upsert = `INSERT INTO master_key (id, hash_keys, rotated_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET hash_keys = excluded.hash_keys, rotated_at = excluded.rotated_at`
	_, err = tx.ExecContext(ctx, db.q(upsert), blob(next), micros(db.now()))
	return err
}
