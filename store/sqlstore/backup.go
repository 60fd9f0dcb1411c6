package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
)

// ErrBackupUnsupported is returned by Backup for a database it cannot
// copy: PostgreSQL (back it up with pg_dump) or a private in-memory
// SQLite database.
var ErrBackupUnsupported = errors.New("backup unsupported")

// Backup writes a consistent copy of the SQLite database to path with
// VACUUM INTO (https://sqlite.org/lang_vacuum.html#vacuuminto): it runs in
// a read transaction, so the server keeps serving and writing, and the
// copy is the database as of one instant, compacted, in one file that
// needs no WAL. path must not exist: it is created exclusively (mode
// 0600: the copy holds the same hashes and sealed keys as the database)
// and removed again if the copy fails. The copy is synced before Backup
// returns.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.path == "" {
		if db.flavor.dollar {
			return fmt.Errorf("%w: PostgreSQL is backed up with pg_dump (see docs/deployment.md)", ErrBackupUnsupported)
		}
		return fmt.Errorf("%w: an in-memory database", ErrBackupUnsupported)
	}
	// VACUUM INTO accepts an empty file: creating it first with O_EXCL
	// refuses an existing one without a race.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	if err := db.vacuumInto(ctx, path); err != nil {
		os.Remove(path)
		return err
	}
	return syncFile(path)
}

// vacuumInto runs VACUUM INTO on a connection of its own: the read pool
// is query_only, which refuses it, and the writer's one connection would
// hold up every write for the copy's duration. VACUUM INTO only reads the
// database, in one read transaction, so writers carry on.
func (db *DB) vacuumInto(ctx context.Context, path string) error {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	conn, err := sql.Open("sqlite", db.path+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup: vacuum into %s: %w", path, err)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: sync %s: %w", path, err)
	}
	return nil
}
