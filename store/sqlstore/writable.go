package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// CheckWritable reports whether the database accepts writes, by
// committing a write as any write of the server would. A SQLite file,
// its WAL, its directory or its file system that has become read-only,
// or a PostgreSQL standby, fails it: the server checks it at start, so
// that it refuses to start rather than answer every write with an error,
// and for /readyz. It costs one small write transaction.
func (db *DB) CheckWritable(ctx context.Context) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		// SQLite writes a page only when its content changes, so the
		// probe changes the revision and changes it back: the page is
		// written, and no reader ever sees the change.
		const probe = `UPDATE revision SET value = value + ? WHERE id = 1`
		if _, err := tx.ExecContext(ctx, db.q(probe), 1); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(probe), -1)
		return err
	})
	if err == nil {
		return nil
	}
	err = db.wrap("write probe", err)
	if db.path == "" {
		return fmt.Errorf("database does not accept writes: %w", err)
	}
	return explainSQLite(db.path, err)
}

// explainSQLite names the file behind the SQLite errors that name none
// ("unable to open database file", "attempt to write a readonly
// database", a failed write) and, where the file system tells, the
// cause: a missing directory, a file or directory the process may not
// write. Other errors are returned as they are.
func explainSQLite(path string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	var what string
	switch se.Code() & 0xff { // primary result code
	case sqlite3.SQLITE_READONLY:
		what = "is read-only"
	case sqlite3.SQLITE_CANTOPEN:
		what = "cannot be opened"
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_PERM:
		what = "cannot be written"
	default:
		return err
	}
	if cause := fileCause(path); cause != nil {
		return fmt.Errorf("database %s %s: %v: %w", path, what, cause, err)
	}
	return fmt.Errorf("database %s %s: %w", path, what, err)
}

// fileCause asks the file system why SQLite may not open or write the
// database at path: its directory is missing or not a directory, the
// file or its WAL or shared-memory file does not open for writing, or
// the directory, where SQLite creates those files, takes no new file.
// nil when nothing is found.
func fileCause(path string) error {
	dir := filepath.Dir(path)
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err // an *fs.PathError naming p
		}
		f.Close()
	}
	return dirTakesFiles(dir)
}

// dirTakesFiles creates and removes an empty file in dir.
func dirTakesFiles(dir string) error {
	f, err := os.CreateTemp(dir, ".tokenmint-probe-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("directory %s is not writable: %w", dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}
