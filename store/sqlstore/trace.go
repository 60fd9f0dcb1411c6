package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"modernc.org/sqlite"
)

// Tracing of database statements (Options.Tracing). Every statement run
// under a recording span (a request's, an engine step's) is a child span
// of it, named after its operation (SELECT, INSERT, BEGIN, COMMIT...)
// with the statement's text, whose values are always placeholders, never
// the arguments. Statements of the background jobs, which run under no
// span, make none: a poll every second would otherwise be a trace every
// second. PostgreSQL statements are traced by pgx's own hook
// (pgx.QueryTracer); SQLite's by a wrapper around the driver's
// connections, installed only when tracing is on.

// tracerScope is the instrumentation scope of the store's spans.
const tracerScope = "github.com/tokenmint/tokenmint/store/sqlstore"

// SpanGroupCommit names the span of a group commit: the statement that
// writes the rows (or runs the transactions) of several requests at once,
// linked to each request's span (groupcommit.go).
const SpanGroupCommit = "sqlstore.group_commit"

// dbTracer starts the span of one statement.
type dbTracer struct {
	tr     trace.Tracer
	system attribute.KeyValue // db.system.name
	// all traces statements under no span too (tests: the conformance
	// suite through the wrapper's every path).
	all bool
}

func newDBTracer(tp trace.TracerProvider, system attribute.KeyValue, all bool) *dbTracer {
	if tp == nil {
		return nil
	}
	return &dbTracer{tr: tp.Tracer(tracerScope), system: system, all: all}
}

// start starts the span of query as a child of ctx's span, or returns
// ctx and nil when ctx has no recording span.
func (t *dbTracer) start(ctx context.Context, query string) (context.Context, trace.Span) {
	if !t.all && !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, nil
	}
	op := operation(query)
	return t.tr.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(t.system, semconv.DBOperationName(op), semconv.DBQueryText(query)))
}

// end ends span (nil: none) with err's outcome.
func end(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil && !errors.Is(err, driver.ErrSkip) {
		span.SetStatus(codes.Error, "statement failed")
		span.RecordError(err)
	}
	span.End()
}

// operation is the statement's first keyword, upper case.
func operation(query string) string {
	query = strings.TrimSpace(query)
	if i := strings.IndexAny(query, " \t\n("); i > 0 {
		query = query[:i]
	}
	return strings.ToUpper(query)
}

// groupContext is the context of a group's statement: its own deadline,
// never a caller's (one caller giving up must not fail the others), and,
// when tracing, a new trace's span linked to the span of each request in
// the group. end ends that span.
func (db *DB) groupContext(batch []*request) (ctx context.Context, end func()) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	if db.tracer == nil {
		return ctx, cancel
	}
	links := make([]trace.Link, 0, len(batch))
	for _, r := range batch {
		if sc := trace.SpanContextFromContext(r.ctx); sc.IsValid() {
			links = append(links, trace.Link{SpanContext: sc})
		}
	}
	if len(links) == 0 {
		return ctx, cancel
	}
	ctx, span := db.tracer.tr.Start(ctx, SpanGroupCommit, trace.WithNewRoot(), trace.WithLinks(links...),
		trace.WithAttributes(db.tracer.system, attribute.Int("db.group.size", len(batch))))
	return ctx, func() { span.End(); cancel() }
}

// pgxTracer is pgx's hook (pgx.ConnConfig.Tracer): a span per statement.
type pgxTracer struct{ t *dbTracer }

var _ pgx.QueryTracer = pgxTracer{}

func (p pgxTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	ctx, _ = p.t.start(ctx, d.SQL)
	return ctx
}

// TraceQueryEnd ends the span TraceQueryStart put in ctx, if it did: the
// span in ctx is recording only then, since start makes none under a
// span that is not.
func (p pgxTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		end(span, d.Err)
	}
}

// openSQLiteDB opens a database/sql pool on the SQLite dsn, with every
// connection traced when t is set.
func openSQLiteDB(dsn string, t *dbTracer) (*sql.DB, error) {
	if t == nil {
		return sql.Open("sqlite", dsn)
	}
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(tracedConnector{Connector: c, t: t}), nil
}

// sqliteConn is what the SQLite driver's connections implement and
// database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type tracedConnector struct {
	driver.Connector
	t *dbTracer
}

func (c tracedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("trace sqlite: the driver's connection (%T) lacks an interface database/sql uses", conn)
	}
	return &tracedConn{sqliteConn: sc, t: c.t}, nil
}

// tracedConn is a SQLite connection whose statements make spans.
type tracedConn struct {
	sqliteConn
	t *dbTracer
}

func (c *tracedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ctx, span := c.t.start(ctx, query)
	res, err := c.sqliteConn.ExecContext(ctx, query, args)
	end(span, err)
	return res, err
}

func (c *tracedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	ctx, span := c.t.start(ctx, query)
	rows, err := c.sqliteConn.QueryContext(ctx, query, args)
	if err != nil || span == nil {
		end(span, err)
		return rows, err
	}
	return &tracedRows{Rows: rows, span: span}, nil
}

func (c *tracedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	ec, eok := s.(driver.StmtExecContext)
	qc, qok := s.(driver.StmtQueryContext)
	if !eok || !qok {
		return s, nil // untraced rather than broken
	}
	return &tracedStmt{Stmt: s, exec: ec, query: qc, text: query, t: c.t}, nil
}

func (c *tracedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	sctx, span := c.t.start(ctx, "BEGIN")
	tx, err := c.sqliteConn.BeginTx(sctx, opts)
	end(span, err)
	if err != nil || span == nil {
		return tx, err
	}
	return &tracedTx{Tx: tx, ctx: ctx, t: c.t}, nil
}

// tracedStmt is a prepared statement whose executions make spans.
type tracedStmt struct {
	driver.Stmt
	exec  driver.StmtExecContext
	query driver.StmtQueryContext
	text  string
	t     *dbTracer
}

func (s *tracedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	ctx, span := s.t.start(ctx, s.text)
	res, err := s.exec.ExecContext(ctx, args)
	end(span, err)
	return res, err
}

func (s *tracedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	ctx, span := s.t.start(ctx, s.text)
	rows, err := s.query.QueryContext(ctx, args)
	if err != nil || span == nil {
		end(span, err)
		return rows, err
	}
	return &tracedRows{Rows: rows, span: span}, nil
}

// tracedRows ends the statement's span when the rows are closed, so that
// the span covers reading them.
type tracedRows struct {
	driver.Rows
	span trace.Span
}

func (r *tracedRows) Close() error {
	err := r.Rows.Close()
	end(r.span, err)
	return err
}

// tracedTx makes spans of the COMMIT or ROLLBACK of a transaction begun
// under a span: the driver's Commit and Rollback take no context, so the
// BEGIN's is kept.
type tracedTx struct {
	driver.Tx
	ctx context.Context
	t   *dbTracer
}

func (tx *tracedTx) Commit() error {
	_, span := tx.t.start(tx.ctx, "COMMIT")
	err := tx.Tx.Commit()
	end(span, err)
	return err
}

func (tx *tracedTx) Rollback() error {
	_, span := tx.t.start(tx.ctx, "ROLLBACK")
	err := tx.Tx.Rollback()
	end(span, err)
	return err
}
