package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"modernc.org/sqlite"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// TestCheckWritable: a writable database passes the probe, which leaves
// the revision as it was.
func TestCheckWritable(t *testing.T) {
	all := append(backends(), backend{"SQLite in memory", func(t testing.TB) *DB {
		db, err := OpenSQLite(context.Background(), MemoryPath, quietOptions())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}})
	for _, b := range all {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := t.Context()
			before, err := db.Revision(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.CheckWritable(ctx); err != nil {
				t.Fatalf("CheckWritable: %v", err)
			}
			if after, err := db.Revision(ctx); err != nil || after != before {
				t.Errorf("revision %d (%v) after the probe, was %d", after, err, before)
			}
		})
	}
}

// TestExplainSQLiteReadOnly: the error SQLite gives for a write to a
// database it opened read-only (here with mode=ro, which holds for root
// too; an operator's read-only file or file system gives the same one)
// names the file and stays classifiable.
func TestExplainSQLiteReadOnly(t *testing.T) {
	path := sqlitePath(t)
	openSQLite(t, path).Close()
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.Exec(`UPDATE revision SET value = value + 1 WHERE id = 1`)
	if err == nil {
		t.Fatal("a write through mode=ro succeeded")
	}
	got := explainSQLite(path, err)
	if want := "database " + path + " is read-only: "; !strings.HasPrefix(got.Error(), want) {
		t.Errorf("explained %q, want it to start with %q", got, want)
	}
	var se *sqlite.Error
	if !errors.As(got, &se) || classifySQLite(got) != tokenmint.ErrUnavailable {
		t.Errorf("explained error %v lost the SQLite error or its class", got)
	}
	if other := errors.New("boom"); explainSQLite(path, other) != other {
		t.Error("an error not from SQLite was changed")
	}
}

// TestOpenSQLiteMissingDirectory: SQLite says only "unable to open
// database file"; the error names the file and the missing directory.
func TestOpenSQLiteMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "tokenmint.db")
	_, err := OpenSQLite(t.Context(), path, quietOptions())
	want := "database " + path + " cannot be opened: directory " + filepath.Dir(path) + " does not exist: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("open error %v, want it to start with %q", err, want)
	}
}

// TestCheckWritablePostgresStandby: a PostgreSQL that takes no writes (a
// standby, here a session in read-only mode) fails the probe as
// unavailable.
func TestCheckWritablePostgresStandby(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := t.Context()
	db, err := OpenPostgres(ctx, dsn, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	opts := quietOptions()
	opts.NoMigrate = true
	ro, err := OpenPostgres(ctx, u.String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.CheckWritable(ctx)
	if !errors.Is(err, tokenmint.ErrUnavailable) || !strings.Contains(err.Error(), "database does not accept writes") {
		t.Fatalf("CheckWritable on a read-only session: %v, want unavailable", err)
	}
}
