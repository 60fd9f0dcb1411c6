package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/tokenmint/tokenmint/store/sqlstore"
)

// Accepted is the list of database URL forms, for error and help texts.
const Accepted = "sqlite:PATH, sqlite://PATH, sqlite::memory: (tests), postgres://... or postgresql://..."

// Open opens the store dsn names and migrates it unless opts.NoMigrate:
//
//	sqlite:/var/lib/tokenmint/tokenmint.db   SQLite file (created if missing)
//	sqlite:///var/lib/tokenmint/tokenmint.db the same
//	sqlite:tokenmint.db                      relative to the working directory
//	sqlite::memory:                          private in-memory database
//	postgres://user@host:5432/db?sslmode=verify-full
//	postgresql://...                         the same
func Open(ctx context.Context, dsn string, opts sqlstore.Options) (*sqlstore.DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return sqlstore.OpenPostgres(ctx, dsn, opts)
	case strings.HasPrefix(dsn, "sqlite:"):
		path, err := sqlitePath(dsn)
		if err != nil {
			return nil, err
		}
		return sqlstore.OpenSQLite(ctx, path, opts)
	}
	// Name only the scheme: the rest may hold a password.
	scheme, _, found := strings.Cut(dsn, ":")
	if !found || scheme == "" {
		return nil, fmt.Errorf("open store: database URL has no scheme: use %s", Accepted)
	}
	return nil, fmt.Errorf("open store: unsupported database scheme %q: use %s", scheme, Accepted)
}

// sqlitePath extracts the file path of a sqlite: or sqlite:// URL.
func sqlitePath(dsn string) (string, error) {
	path := strings.TrimPrefix(dsn, "sqlite:")
	if rest, ok := strings.CutPrefix(path, "//"); ok {
		path = rest
	}
	if path == "" {
		return "", fmt.Errorf("open store: %q names no file: use %s", dsn, Accepted)
	}
	return path, nil
}
