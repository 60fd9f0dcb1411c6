package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tokenmint/tokenmint"
)

var _ tokenmint.Store = (*DB)(nil)

// Options tunes a DB. The zero value is ready to use.
type Options struct {
	// MaxOpenConns bounds the PostgreSQL pool, or the read pool of a
	// SQLite file (SQLite writes always use one connection). Default:
	// 4×GOMAXPROCS, at least 8.
	MaxOpenConns int
	// MaxIdleConns is how many of those stay open when idle. Default:
	// MaxOpenConns, so a burst does not pay for new connections.
	MaxIdleConns int
	// ConnMaxIdleTime closes connections idle this long. Default 5m.
	ConnMaxIdleTime time.Duration
	// ConnMaxLifetime recycles PostgreSQL connections this old, so that a
	// failover or a changed DNS answer is picked up. Default 30m.
	ConnMaxLifetime time.Duration
	// BusyTimeout is how long SQLite waits for another process (the CLI)
	// holding the write lock before giving up. Default 10s.
	BusyTimeout time.Duration
	// Logger receives migration notices. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock for the few writes the Store interface gives no
	// time to (DeleteUser revoking families). Default time.Now.
	Now func() time.Time
	// NoMigrate skips applying migrations on open.
	NoMigrate bool
	// Tracing, when set, makes a span of every statement run under a
	// span (trace.go); nil installs nothing.
	Tracing trace.TracerProvider

	// checkpointEvery and walPages tune the WAL checkpoints of a SQLite
	// file (checkpoint.go); tests shrink them.
	checkpointEvery time.Duration
	walPages        int
	// traceAll makes a span of every statement, under a span or not
	// (trace.go; tests).
	traceAll bool
}

// Checkpoint defaults of a SQLite file: a background PASSIVE checkpoint
// every checkpointEvery, and a RESTART on the writer when the WAL is
// still past walPages pages (4 KiB each) after one.
const (
	checkpointEvery = 100 * time.Millisecond
	walPages        = 4000
)

func (o Options) withDefaults() Options {
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = max(8, 4*runtime.GOMAXPROCS(0))
	}
	if o.MaxIdleConns <= 0 || o.MaxIdleConns > o.MaxOpenConns {
		o.MaxIdleConns = o.MaxOpenConns
	}
	if o.ConnMaxIdleTime <= 0 {
		o.ConnMaxIdleTime = 5 * time.Minute
	}
	if o.ConnMaxLifetime <= 0 {
		o.ConnMaxLifetime = 30 * time.Minute
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.checkpointEvery <= 0 {
		o.checkpointEvery = checkpointEvery
	}
	if o.walPages <= 0 {
		o.walPages = walPages
	}
	return o
}

// DB is a tokenmint.Store on SQLite or PostgreSQL. It is safe for
// concurrent use; Close it when done.
type DB struct {
	w      *sql.DB // writes and transactions
	r      *sql.DB // single-statement reads; w itself except on a SQLite file
	flavor flavor
	path   string // the SQLite file; empty for PostgreSQL and in memory
	log    *slog.Logger
	now    func() time.Time

	queries sync.Map // ? query -> $n query, PostgreSQL only
	hot     hotStmts
	tokens  *committer    // group commit of opaque access token inserts
	txs     *txGroup      // group commit of the user grants' transactions; SQLite only
	ckpt    *checkpointer // background WAL checkpoints of a SQLite file
	// auditStmts holds the prepared INSERTs of AppendAuditEvents, by
	// number of rows (audit.go).
	auditStmts sync.Map
	// tracer makes the spans of statements; nil when tracing is off.
	tracer *dbTracer
}

// MemoryPath is the SQLite path of a private in-memory database, for
// tests. It lives as long as the DB.
const MemoryPath = ":memory:"

// OpenSQLite opens (creating it if needed) the SQLite database at path, or
// a private in-memory database for MemoryPath, and migrates it unless
// opts.NoMigrate. An error that SQLite reports without a file name (the
// file cannot be opened, or is read-only) names path and what the file
// system says of it.
func OpenSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open sqlite: invalid path %q: it must be non-empty and contain no ? or #", path)
	}
	db := &DB{flavor: sqliteFlavor, log: opts.Logger, now: opts.Now, hot: newHotStmts(),
		tracer: newDBTracer(opts.Tracing, semconv.DBSystemNameSQLite, opts.traceAll)}
	if path == MemoryPath {
		if err := db.openSQLiteMemory(); err != nil {
			return nil, err
		}
		return db.start(ctx, opts)
	}
	if err := db.openSQLiteFile(ctx, path, opts); err != nil {
		return nil, explainSQLite(path, err)
	}
	db.path = path
	started, err := db.start(ctx, opts)
	if err != nil {
		return nil, explainSQLite(path, err)
	}
	return started, nil
}

// sqliteDSN builds a modernc.org/sqlite DSN; pragmas run on every new
// connection.
func sqliteDSN(path string, opts Options, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if writer {
		// Take the write lock at BEGIN, where busy_timeout applies,
		// rather than on the first write of a deferred transaction,
		// where SQLite answers SQLITE_BUSY at once to avoid deadlock.
		q.Set("_txlock", "immediate")
		q.Add("_pragma", "journal_mode(WAL)")
		// The checkpointer keeps the WAL below walPages; the writer's
		// own checkpoints, inside commits, are only a backstop.
		q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(4*opts.walPages)+")")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return path + "?" + q.Encode()
}

// pingWhileBusy connects db, trying again while SQLite answers
// SQLITE_BUSY, for up to wait: switching a file another process is
// creating to WAL can be refused at once rather than after the busy
// timeout (two instances starting together on one new file).
func pingWhileBusy(ctx context.Context, db *sql.DB, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 250*time.Millisecond) {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// openSQLiteFile opens the writer pool (one connection: SQLite has one
// writer, so queueing in database/sql beats spinning on the lock), the
// read pool and the checkpointer. WAL lets readers run beside the writer.
func (db *DB) openSQLiteFile(ctx context.Context, path string, opts Options) error {
	w, err := openSQLiteDB(sqliteDSN(path, opts, true), db.tracer)
	if err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Connect the writer first: it switches the file to WAL, which the
	// query-only readers cannot do.
	if err := pingWhileBusy(ctx, w, opts.BusyTimeout); err != nil {
		w.Close()
		return db.wrap("open sqlite", err)
	}
	r, err := openSQLiteDB(sqliteDSN(path, opts, false), db.tracer)
	if err != nil {
		w.Close()
		return fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(opts.MaxOpenConns)
	r.SetMaxIdleConns(opts.MaxIdleConns)
	r.SetConnMaxIdleTime(opts.ConnMaxIdleTime)
	ckpt, err := startCheckpointer(ctx, path, w, opts)
	if err != nil {
		r.Close()
		w.Close()
		return db.wrap("open sqlite", err)
	}
	db.w, db.r, db.ckpt = w, r, ckpt
	return nil
}

// openSQLiteMemory opens an in-memory database on one connection that is
// never recycled: each SQLite connection to :memory: is its own database.
func (db *DB) openSQLiteMemory() error {
	w, err := openSQLiteDB(":memory:?_pragma=foreign_keys(1)", db.tracer)
	if err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db.w, db.r = w, w
	return nil
}

// OpenPostgres connects to the PostgreSQL database named by dsn (a URL or
// key=value string, as pgx accepts) and migrates it unless
// opts.NoMigrate.
func OpenPostgres(ctx context.Context, dsn string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	cfg, err := pgx.ParseConfig(dsn) // its errors redact the password
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	tracer := newDBTracer(opts.Tracing, semconv.DBSystemNamePostgreSQL, opts.traceAll)
	if tracer != nil {
		cfg.Tracer = pgxTracer{tracer}
	}
	p := stdlib.OpenDB(*cfg)
	p.SetMaxOpenConns(opts.MaxOpenConns)
	p.SetMaxIdleConns(opts.MaxIdleConns)
	p.SetConnMaxIdleTime(opts.ConnMaxIdleTime)
	p.SetConnMaxLifetime(opts.ConnMaxLifetime)
	db := &DB{w: p, r: p, flavor: postgresFlavor, log: opts.Logger, now: opts.Now, hot: newHotStmts(), tracer: tracer}
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, db.wrap("open postgres", err)
	}
	return db.start(ctx, opts)
}

// start migrates a freshly opened DB, closing it on failure.
func (db *DB) start(ctx context.Context, opts Options) (*DB, error) {
	if n := db.committers(opts); n > 0 {
		db.tokens = newCommitter(db, &db.hot.createAccessToken, n)
	}
	if !db.flavor.dollar {
		db.txs = newTxGroup(db)
	}
	if opts.NoMigrate {
		return db, nil
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// committers is how many group-commit lanes insert tokens: one on
// SQLite, whose writes go through one connection anyway, and two on
// PostgreSQL. There a group is one multi-row INSERT: one round trip and
// one WAL flush for all its rows, with no BEGIN or COMMIT. Against direct
// inserts, each its own transaction on its own connection, it measured
// more throughput, less server CPU per request and a lower p99. One lane
// measured the same as two, four less; two let inserts go on while a
// group waits on a slow flush. The earlier grouping, which sent each row
// as its own statement inside one transaction, was slower than direct
// inserts. Figures: BENCHMARKS.md, "Group commit".
func (db *DB) committers(Options) int {
	if db.flavor.dollar {
		return 2
	}
	return 1
}

// Flavor returns FlavorSQLite or FlavorPostgres.
func (db *DB) Flavor() string { return db.flavor.name }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return db.wrap("ping", err)
	}
	if db.r != db.w {
		if err := db.r.PingContext(ctx); err != nil {
			return db.wrap("ping", err)
		}
	}
	return nil
}

// Close stops the background checkpoints and releases the prepared
// statements and the pools.
func (db *DB) Close() error {
	var err error
	if db.ckpt != nil {
		err = db.ckpt.close()
	}
	err = errors.Join(err, db.hot.close(), db.closeAuditStmts())
	if db.tokens != nil {
		err = errors.Join(err, db.tokens.close())
	}
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return errors.Join(err, db.w.Close())
}

// Revision returns the counter bumped in the same transaction as every
// client and signing key write, by any process sharing the database.
func (db *DB) Revision(ctx context.Context) (int64, error) {
	var v int64
	err := db.r.QueryRowContext(ctx, `SELECT value FROM revision WHERE id = 1`).Scan(&v)
	return v, db.wrap("revision", err)
}

// bumpRevision increments the revision inside tx.
func (db *DB) bumpRevision(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE revision SET value = value + 1 WHERE id = 1`)
	return err
}
