package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
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
	if len(ms) == 0 {
		return nil, errors.New("no migrations embedded")
	}
	slices.SortFunc(ms, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
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
	var current int64
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		applied, current, err = db.migrateTx(ctx, tx, ms)
		return err
	})
	if err != nil {
		return db.wrap("migrate", err)
	}
	for _, name := range applied {
		db.log.InfoContext(ctx, "applied schema migration", "migration", name, "flavor", db.flavor.name)
	}
	if latest := ms[len(ms)-1].version; current > latest {
		// A newer binary migrated the database (a rolling upgrade);
		// migrations only add, so this one can go on.
		db.log.WarnContext(ctx, "database schema is newer than this binary", "schema", current, "binary", latest)
	}
	return nil
}

// migrateTx applies the pending migrations inside tx and returns their
// names and the highest version the database had before.
func (db *DB) migrateTx(ctx context.Context, tx *sql.Tx, ms []migration) ([]string, int64, error) {
	if db.flavor.migrateLock != "" {
		if _, err := tx.ExecContext(ctx, db.flavor.migrateLock); err != nil {
			return nil, 0, fmt.Errorf("lock: %w", err)
		}
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return nil, 0, err
	}
	done, current, err := appliedVersions(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	// Every migration the database lacks is applied, in version order,
	// even one numbered below the latest applied: branches developed
	// side by side land in any order, and migrations only add.
	var applied []string
	for _, m := range ms {
		if done[m.version] {
			continue
		}
		if err := db.apply(ctx, tx, m); err != nil {
			return nil, 0, err
		}
		applied = append(applied, m.name)
	}
	return applied, current, nil
}

// appliedVersions returns the versions schema_migrations records, and
// the highest of them (0 for none).
func appliedVersions(ctx context.Context, tx *sql.Tx) (map[int64]bool, int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	done := map[int64]bool{}
	var highest int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, 0, err
		}
		done[v], highest = true, max(highest, v)
	}
	return done, highest, rows.Err()
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
