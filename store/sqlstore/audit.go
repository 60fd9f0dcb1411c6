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

// AppendAuditEvents stores events in one transaction: all of them, or
// none when one's ID is taken (ErrConflict).
func (db *DB) AppendAuditEvents(ctx context.Context, events ...tokenmint.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	args := make([]any, 0, 10*min(len(events), auditInsertRows))
	var enc encoder
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for rest := events; len(rest) > 0; {
			chunk := rest[:min(len(rest), auditInsertRows)]
			rest = rest[len(chunk):]
			args = args[:0]
			for i := range chunk {
				e := &chunk[i]
				if e.ID == "" || e.Time.IsZero() {
					return errors.New("an audit event needs an ID and a time")
				}
				args = append(args, e.ID, e.Time.UnixMicro(), e.Type, e.ActorType, e.Actor,
					e.ClientID, e.UserID, e.IP, e.RequestID, enc.json(detailsOrNil(e.Details)))
			}
			if enc.err != nil {
				return enc.err
			}
			if _, err := tx.ExecContext(ctx, db.q(insertAuditEvents(len(chunk))), args...); err != nil {
				return err
			}
		}
		return nil
	})
	return db.wrap("append audit events", err)
}

// detailsOrNil stores an empty map as JSON null, as a nil one.
func detailsOrNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// insertAuditEvents is the INSERT of n rows.
func insertAuditEvents(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_events (` + auditColumns + `) VALUES `)
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
	for _, eq := range []struct{ col, v string }{{"type", f.Type}, {"client_id", f.ClientID}, {"user_id", f.UserID}} {
		if eq.v != "" {
			cond(eq.col+` = ?`, eq.v)
		}
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
