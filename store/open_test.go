package store

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/store/storetest"
)

func quiet() sqlstore.Options {
	return sqlstore.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name       string
		dsn        string
		wantFlavor string
		wantFile   string // created by opening, when set
	}{
		{"sqlite path", "sqlite:" + filepath.Join(dir, "a.db"), sqlstore.FlavorSQLite, filepath.Join(dir, "a.db")},
		{"sqlite url", "sqlite://" + filepath.Join(dir, "b.db"), sqlstore.FlavorSQLite, filepath.Join(dir, "b.db")},
		{"sqlite memory", "sqlite::memory:", sqlstore.FlavorSQLite, ""},
	}
	if os.Getenv(storetest.PostgresEnv) != "" {
		tests = append(tests, struct {
			name, dsn, wantFlavor, wantFile string
		}{"postgres", storetest.PostgresDSN(t), sqlstore.FlavorPostgres, ""})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(context.Background(), tc.dsn, quiet())
			if err != nil {
				t.Fatalf("Open(%q): %v", tc.dsn, err)
			}
			defer db.Close()
			if got := db.Flavor(); got != tc.wantFlavor {
				t.Errorf("flavor = %q, want %q", got, tc.wantFlavor)
			}
			if err := db.Ping(context.Background()); err != nil {
				t.Errorf("ping: %v", err)
			}
			if _, err := db.Revision(context.Background()); err != nil {
				t.Errorf("revision (is it migrated?): %v", err)
			}
			if tc.wantFile != "" {
				if _, err := os.Stat(tc.wantFile); err != nil {
					t.Errorf("database file: %v", err)
				}
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name    string
		dsn     string
		wantIn  []string
		wantOut string // must not appear in the error
	}{
		{"unknown scheme", "mysql://root:hunter2@db/tokenmint", []string{`"mysql"`, "sqlite:PATH", "postgres://"}, "hunter2"},
		{"no scheme", "tokenmint.db", []string{"no scheme", "sqlite:PATH"}, ""},
		{"empty", "", []string{"no scheme"}, ""},
		{"sqlite without path", "sqlite:", []string{"names no file"}, ""},
		{"sqlite url without path", "sqlite://", []string{"names no file"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(context.Background(), tc.dsn, quiet())
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded", tc.dsn)
			}
			for _, s := range tc.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if tc.wantOut != "" && strings.Contains(err.Error(), tc.wantOut) {
				t.Errorf("error %q leaks %q", err, tc.wantOut)
			}
		})
	}
}

func TestOpenNoMigrate(t *testing.T) {
	opts := quiet()
	opts.NoMigrate = true
	db, err := Open(context.Background(), "sqlite::memory:", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Revision(context.Background()); err == nil {
		t.Fatal("revision table exists although migrations were skipped")
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Revision(context.Background()); err != nil {
		t.Fatalf("after Migrate: %v", err)
	}
}
