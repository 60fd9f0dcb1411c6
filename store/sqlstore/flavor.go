package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tokenmint/tokenmint"
)

// Flavour names returned by DB.Flavor.
const (
	FlavorSQLite   = "sqlite"
	FlavorPostgres = "postgres"
)

// flavor is everything that differs between the SQL dialects. The rest of
// the package writes portable SQL with ? placeholders.
type flavor struct {
	name string
	// dollar rewrites ? placeholders into $1, $2, ... (PostgreSQL).
	dollar bool
	// bytesType replaces BLOB in the migrations.
	bytesType string
	// forUpdate is appended to the SELECT of a read-modify-write
	// transaction to lock the row; SQLite's IMMEDIATE transactions already
	// hold the write lock.
	forUpdate string
	// migrateLock runs first in the migration transaction to serialise
	// instances migrating together; SQLite's IMMEDIATE transaction does.
	migrateLock string
	// classify returns the sentinel a driver error stands for, or nil.
	classify func(error) error
}

var sqliteFlavor = flavor{
	name:      FlavorSQLite,
	bytesType: "BLOB",
	classify:  classifySQLite,
}

// migrateLockKey is the pg_advisory_xact_lock key serialising migrations:
// the first 8 bytes of "tokenmint" read as a big-endian integer.
const migrateLockKey = 0x746f6b656e6d696e

var postgresFlavor = flavor{
	name:        FlavorPostgres,
	dollar:      true,
	bytesType:   "BYTEA",
	forUpdate:   " FOR UPDATE",
	migrateLock: "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(migrateLockKey, 10) + ")",
	classify:    classifyPostgres,
}

// rebindDollar turns each ? of q into $1, $2, ... in order. The queries of
// this package never contain ? inside literals.
func rebindDollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// classifySQLite maps SQLite result codes onto the store's sentinels.
func classifySQLite(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return tokenmint.ErrConflict
		}
		switch se.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
			sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
			return tokenmint.ErrUnavailable
		}
	}
	return classifyConn(err)
}

// classifyPostgres maps PostgreSQL SQLSTATEs (Appendix A of the
// PostgreSQL manual) and pgx connection errors onto the store's sentinels.
func classifyPostgres(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return tokenmint.ErrConflict
		case strings.HasPrefix(pe.Code, "08"), // connection_exception
			pe.Code == "57P01", // admin_shutdown
			pe.Code == "57P02", // crash_shutdown
			pe.Code == "57P03", // cannot_connect_now
			pe.Code == "53300", // too_many_connections
			pe.Code == "25006": // read_only_sql_transaction: a standby
			return tokenmint.ErrUnavailable
		}
		return nil
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, pgconn.ErrConnClosed) {
		return tokenmint.ErrUnavailable // includes a deadline hit while connecting
	}
	return classifyConn(err)
}

// classifyConn recognises connection failures common to both drivers. A
// cancelled or expired caller context is not one: it is returned as is.
func classifyConn(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	var ne net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &ne):
		return tokenmint.ErrUnavailable
	}
	return nil
}
