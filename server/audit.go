package server

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/audit"
	"github.com/tokenmint/tokenmint/internal/periodic"
)

// auditCloseTimeout bounds how long Close waits for queued audit events
// to be written.
const auditCloseTimeout = 10 * time.Second

// startAudit opens the audit log and starts the recorder that writes audit
// events to it and to db (package audit), with its metrics.
func (s *Server) startAudit(db tokenmint.AuditStore) error {
	w, err := audit.OpenLog(s.cfg.AuditLog, s.stderr)
	if err != nil {
		return fmt.Errorf("audit_log: %w", err)
	}
	opts := audit.Options{Store: db, Logger: s.log, Now: s.now}
	if w != nil {
		s.auditLog, opts.Log = w, w
	}
	s.audit = audit.New(opts)
	for _, r := range []struct {
		result string
		count  func(audit.Stats) uint64
	}{
		{"stored", func(st audit.Stats) uint64 { return st.Stored }},
		{"dropped", func(st audit.Stats) uint64 { return st.Dropped }},
		{"failed", func(st audit.Stats) uint64 { return st.Failed }},
	} {
		s.metrics.Registry().MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "tokenmint_audit_events_total",
			Help:        "Audit events by what became of them: stored, dropped (the queue was full) or failed (the database refused them).",
			ConstLabels: prometheus.Labels{"result": r.result},
		}, func() float64 { return float64(r.count(s.audit.Stats())) }))
	}
	return nil
}

// closeAudit writes the queued audit events, before the store closes.
func (s *Server) closeAudit() error {
	if s.audit == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), auditCloseTimeout)
	defer cancel()
	if err := s.audit.Close(ctx); err != nil {
		return fmt.Errorf("write queued audit events: %w", err)
	}
	return nil
}

// auditRetention deletes the audit events older than audit_retention every
// janitor_interval; a retention of 0 keeps them.
func (s *Server) auditRetention(ctx context.Context) {
	if s.cfg.AuditRetention <= 0 {
		return
	}
	periodic.Run(ctx, s.cfg.JanitorInterval, func(ctx context.Context) {
		n, err := s.store.DeleteAuditEventsBefore(ctx, s.now().Add(-s.cfg.AuditRetention))
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.WarnContext(ctx, "delete old audit events", "err", err)
		case n > 0:
			s.log.DebugContext(ctx, "deleted old audit events", "events", n, "retention", s.cfg.AuditRetention)
		}
	})
}
