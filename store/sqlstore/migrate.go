package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded schema change; files are named
// NNNN_description.sql and applied in version order.
type migration struct {
	version int64
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	ms := make([]migration, 0, len(names))
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version and _", base)
		}
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return int(a.version - b.version) })
	return ms, nil
}

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations, all in one transaction. It is idempotent, and safe
// when several processes start together: on PostgreSQL the transaction
// first takes an advisory lock, on SQLite it begins IMMEDIATE, so a
// second migrator waits and then finds nothing to do.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var applied []string
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		applied, err = db.migrateTx(ctx, tx, ms)
		return err
	})
	if err != nil {
		return db.wrap("migrate", err)
	}
	for _, name := range applied {
		db.log.InfoContext(ctx, "applied schema migration", "migration", name, "flavor", db.flavor.name)
	}
	return nil
}

func (db *DB) migrateTx(ctx context.Context, tx *sql.Tx, ms []migration) ([]string, error) {
	if db.flavor.migrateLock != "" {
		if _, err := tx.ExecContext(ctx, db.flavor.migrateLock); err != nil {
			return nil, fmt.Errorf("lock: %w", err)
		}
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return nil, err
	}
	var current int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := db.apply(ctx, tx, m); err != nil {
			return nil, err
		}
		applied = append(applied, m.name)
	}
	return applied, nil
}

func (db *DB) apply(ctx context.Context, tx *sql.Tx, m migration) error {
	ddl := strings.ReplaceAll(m.sql, "BLOB", db.flavor.bytesType)
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("%s: %w", m.name, err)
	}
	const record = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
	if _, err := tx.ExecContext(ctx, db.q(record), m.version, m.name, db.now().UnixMicro()); err != nil {
		return fmt.Errorf("%s: record: %w", m.name, err)
	}
	return nil
}
