package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
)

const auditColumns = `id, occurred_at, type, actor_type, actor, client_id, user_id, ip, request_id, details`

// auditInsertRows bounds the rows of one INSERT of AppendAuditEvents (10
// parameters each), below every driver's limit on parameters.
const auditInsertRows = 100

// AppendAuditEvents stores events in one transaction, auditInsertRows
// per INSERT: all of them, or none when one's ID is taken (ErrConflict).
func (db *DB) AppendAuditEvents(ctx context.Context, events ...tokenmint.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		if events[i].ID == "" || events[i].Time.IsZero() {
			return errors.New("append audit events: an audit event needs an ID and a time")
		}
	}
	// The statements are prepared before the transaction takes the
	// writer: on a SQLite file it is the pool's only connection.
	full, err := db.auditInsert(ctx, min(len(events), auditInsertRows))
	if err != nil {
		return db.wrap("append audit events", err)
	}
	last := full
	if n := len(events) % auditInsertRows; n != 0 && len(events) > auditInsertRows {
		if last, err = db.auditInsert(ctx, n); err != nil {
			return db.wrap("append audit events", err)
		}
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error { return insertAuditRows(ctx, tx, full, last, events) })
	return db.wrap("append audit events", err)
}

// insertAuditRows inserts events auditInsertRows at a time with full, and
// the rest with last.
func insertAuditRows(ctx context.Context, tx *sql.Tx, full, last *sql.Stmt, events []tokenmint.AuditEvent) error {
	args := make([]any, 0, 10*min(len(events), auditInsertRows))
	for rest := events; len(rest) > 0; {
		chunk := rest[:min(len(rest), auditInsertRows)]
		rest = rest[len(chunk):]
		args = args[:0]
		for i := range chunk {
			var err error
			if args, err = appendAuditArgs(args, &chunk[i]); err != nil {
				return err
			}
		}
		st := full
		if len(chunk) < auditInsertRows {
			st = last
		}
		if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// appendAuditArgs appends the column values of e, in auditColumns order.
func appendAuditArgs(args []any, e *tokenmint.AuditEvent) ([]any, error) {
	var enc encoder
	details := enc.json(detailsOrNil(e.Details))
	return append(args, e.ID, e.Time.UnixMicro(), e.Type, e.ActorType, e.Actor,
		e.ClientID, e.UserID, e.IP, e.RequestID, details), enc.err
}

// auditInsert returns the INSERT of n rows, prepared on the writer pool
// on first use and kept until Close: parsing a hundred-row INSERT cost
// each batch as much as one in seven of its rows.
func (db *DB) auditInsert(ctx context.Context, n int) (*sql.Stmt, error) {
	v, _ := db.auditStmts.LoadOrStore(n, &stmt{pool: writer, query: db.insertAuditEvents(n)})
	return v.(*stmt).get(ctx, db)
}

// closeAuditStmts releases the statements of auditInsert.
func (db *DB) closeAuditStmts() error {
	var errs []error
	db.auditStmts.Range(func(_, v any) bool {
		errs = append(errs, v.(*stmt).close())
		return true
	})
	return errors.Join(errs...)
}

// detailsOrNil stores an empty map as JSON null, as a nil one.
func detailsOrNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// insertAuditEvents is the INSERT of n rows. On SQLite it is INSERT OR
// ROLLBACK: a conflict ends the whole transaction, as AppendAuditEvents
// promises anyway, so SQLite need not keep a statement journal to undo
// the statement alone part way (a temporary file written page by page,
// which made each event cost more CPU than signing an ES256 token).
func (db *DB) insertAuditEvents(n int) string {
	var b strings.Builder
	if db.flavor.dollar {
		b.WriteString(`INSERT INTO audit_events (` + auditColumns + `) VALUES `)
	} else {
		b.WriteString(`INSERT OR ROLLBACK INTO audit_events (` + auditColumns + `) VALUES `)
	}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	}
	return b.String()
}

// ListAuditEvents returns a page of the events f selects, oldest first,
// and the token of the next page. The token is the position (time, ID) of
// the page's last event, so the next page starts after it whatever was
// appended meanwhile.
func (db *DB) ListAuditEvents(ctx context.Context, f tokenmint.AuditFilter) ([]tokenmint.AuditEvent, string, error) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = tokenmint.DefaultAuditLimit
	case limit > tokenmint.MaxAuditLimit:
		limit = tokenmint.MaxAuditLimit
	}
	var where []string
	var args []any
	cond := func(c string, a ...any) { where = append(where, c); args = append(args, a...) }
	if !f.Since.IsZero() {
		cond(`occurred_at >= ?`, f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		cond(`occurred_at < ?`, f.Until.UnixMicro())
	}
	if f.Type != "" {
		cond(`type = ?`, f.Type)
	}
	// The client and user indexes are partial (no empty IDs); the second
	// term lets the planner see that such a query may use them.
	if f.ClientID != "" {
		cond(`client_id = ? AND client_id <> ''`, f.ClientID)
	}
	if f.UserID != "" {
		cond(`user_id = ? AND user_id <> ''`, f.UserID)
	}
	if f.PageToken != "" {
		at, id, err := decodeAuditPage(f.PageToken)
		if err != nil {
			return nil, "", fmt.Errorf("list audit events: %w", err)
		}
		cond(`(occurred_at > ? OR (occurred_at = ? AND id > ?))`, at, at, id)
	}
	q := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY occurred_at, id LIMIT ` + strconv.Itoa(limit+1)
	events, err := queryAll(ctx, db.r, db.q(q), scanAuditEvent, args...)
	if err != nil {
		return nil, "", db.wrap("list audit events", err)
	}
	if len(events) <= limit {
		return events, "", nil
	}
	events = events[:limit]
	last := events[limit-1]
	return events, encodeAuditPage(last.Time, last.ID), nil
}

func scanAuditEvent(r row) (tokenmint.AuditEvent, error) {
	var e tokenmint.AuditEvent
	err := r.Scan(&e.ID, timeCol{&e.Time}, &e.Type, &e.ActorType, &e.Actor,
		&e.ClientID, &e.UserID, &e.IP, &e.RequestID, jsonCol{&e.Details})
	return e, err
}

// A page token is base64url("<unix micros>.<event ID>") of the last
// event of the page before.
func encodeAuditPage(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "." + id))
}

// maxPageToken bounds the page token decoded (an event ID is short).
const maxPageToken = 512

func decodeAuditPage(tok string) (int64, string, error) {
	if len(tok) > maxPageToken {
		return 0, "", tokenmint.ErrBadPageToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, "", tokenmint.ErrBadPageToken
	}
	at, id, ok := strings.Cut(string(raw), ".")
	v, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", tokenmint.ErrBadPageToken
	}
	return v, id, nil
}

// DeleteAuditEventsBefore deletes the events older than t in batches, as
// the janitor deletes expired rows (sweep), and returns how many went.
func (db *DB) DeleteAuditEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	n, err := db.sweep(ctx, sweep{"audit_events", "id", "id", "audit_events", "occurred_at < ?"}, t.UnixMicro())
	return n, db.wrap("delete audit events", err)
}
