package sqlstore

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/tokenmint/tokenmint/store/storetest"
)

// postgresEnv names the DSN of a PostgreSQL database tests may create
// schemas in, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const postgresEnv = storetest.PostgresEnv

func quietOptions() Options {
	return Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// sqlitePath returns a fresh database file path in t's temp directory.
func sqlitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "tokenmint.db")
}

// openSQLite opens a migrated SQLite file store closed at cleanup.
func openSQLite(t testing.TB, path string) *DB {
	t.Helper()
	db, err := OpenSQLite(context.Background(), path, quietOptions())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens a migrated store on a fresh schema, or skips.
func openPostgres(t testing.TB) *DB {
	t.Helper()
	db, err := OpenPostgres(context.Background(), storetest.PostgresDSN(t), quietOptions())
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// backends lists the flavours a test runs against; PostgreSQL skips
// unless configured.
func backends() []backend {
	return []backend{
		{"SQLite", func(t testing.TB) *DB { return openSQLite(t, sqlitePath(t)) }},
		{"PostgreSQL", openPostgres},
	}
}

// backend names a way to open a store for a test.
type backend struct {
	name string
	open func(t testing.TB) *DB
}
