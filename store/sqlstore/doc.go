// Package sqlstore implements tokenmint.Store on SQL databases: SQLite (the
// embedded default, through the pure-Go modernc.org/sqlite driver) and
// PostgreSQL (through pgx's database/sql driver).
//
// Both flavours share one SQL layer. The few places where they differ —
// placeholders (? against $n), the byte column type (BLOB against BYTEA),
// row locks (SELECT ... FOR UPDATE), how migrations are serialised, and how
// driver errors map onto tokenmint's sentinels — live in one small flavour
// table (flavor.go), the way Dex's storage/sql does it. Upserts use
// INSERT ... ON CONFLICT, which both flavours spell the same way.
//
// Why one layer: every query is written, reviewed and tested once, and the
// conformance suite in store/storetest runs unchanged against both.
//
// Encoding, identical across flavours so a database can be read by any
// version of this package:
//   - times are BIGINT unix microseconds in UTC; a zero time is NULL, except
//     in deadline columns (expires_at, active_until), which are NOT NULL and
//     store the zero time as its own instant (year 1) so that it sorts as
//     long expired;
//   - durations are BIGINT nanoseconds;
//   - string lists and claim maps are JSON text, so nil and empty
//     round-trip distinctly (Client.DefaultScopes and Client.Audience give
//     nil a meaning);
//   - byte strings are BLOB/BYTEA, with nil and empty both stored as NULL.
//
// Concurrency. On a SQLite file, writes go through a pool of exactly one
// connection whose transactions begin IMMEDIATE, and reads through a
// separate read-only pool; with WAL and busy_timeout this means goroutines
// of one process queue in database/sql instead of failing with
// SQLITE_BUSY, and another process writing the same file (the CLI) is
// waited for rather than answered with "database is locked". On
// PostgreSQL, read-modify-write transactions lock their row with
// SELECT ... FOR UPDATE, and single-use credentials are consumed with a
// conditional UPDATE ... WHERE used_at IS NULL whose affected rows decide
// the winner, so concurrent instances are safe.
//
// Writability. SQLite reports a file it cannot open or write without
// naming it; OpenSQLite and CheckWritable name the path and what the
// file system says (a missing directory, a read-only file, a directory
// that takes no new file). CheckWritable commits a write that changes
// nothing, for the server's start and its readiness.
package sqlstore
