package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresEnv names the DSN of a PostgreSQL database tests may create
// schemas in, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const postgresEnv = "TOKENMINT_TEST_POSTGRES"

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

// postgresDSN returns the DSN of a fresh, empty schema dropped at cleanup,
// or skips t when TOKENMINT_TEST_POSTGRES is not set. The schema is the
// connection's search_path, so each test sees only its own rows.
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skip(postgresEnv + " not set: set it to a PostgreSQL DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL tests")
	}
	admin := openAdmin(t, base)
	schema := "tokenmint_test_" + randomHex(t, 6)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", postgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func openAdmin(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", postgresEnv, err)
	}
	db := stdlib.OpenDB(*cfg)
	if err := db.Ping(); err != nil {
		db.Close()
		t.Fatalf("connect to %s: %v", postgresEnv, err)
	}
	return db
}

// openPostgres opens a migrated store on a fresh schema, or skips.
func openPostgres(t testing.TB) *DB {
	t.Helper()
	db, err := OpenPostgres(context.Background(), postgresDSN(t), quietOptions())
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// backends lists the flavours a test runs against; PostgreSQL skips
// unless configured.
func backends() []struct {
	name string
	open func(t testing.TB) *DB
} {
	return []struct {
		name string
		open func(t testing.TB) *DB
	}{
		{"SQLite", func(t testing.TB) *DB { return openSQLite(t, sqlitePath(t)) }},
		{"PostgreSQL", openPostgres},
	}
}
