// Package audit records tokenmint's security events (tokenmint.AuditEvent):
// the protocol core, the registry and the admin plane hand each event to a
// Recorder, which writes it as one JSON line to the audit log (standard
// error, a file, or nowhere: --audit-log) and stores it in the database,
// where the admin API lists it and a retention job deletes it after
// --audit-retention.
//
// Why asynchronous: a token request must not wait for a second database
// write. Record only stamps the event and puts it in a bounded queue; one
// goroutine takes what has queued every FlushInterval (sooner when the
// queue is half full) and writes it in batches: one write to the log, one
// transaction per BatchSize events in the store. Record wakes nobody in
// the steady state, so the hot path pays a channel send.
//
// Why never silently: when the queue is full (the database is down or
// slower than the event rate), Record drops the event, counts it
// (Stats.Dropped, the tokenmint_audit_events_total{result="dropped"}
// metric) and logs a warning at most every ten seconds with the count.
// Events the store keeps refusing after retries are counted and logged as
// failed. Close, at shutdown, writes everything queued before it returns.
//
// Events never hold a secret: callers put identifiers (client and user
// IDs, a JWT's jti, a refresh family's ID) and facts in them, never a
// token, a code, a secret or a password.
package audit
