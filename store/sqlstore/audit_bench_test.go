package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/internal/benchcpu"
	"github.com/tokenmint/tokenmint/token"
)

// BenchmarkSQLiteAppendAuditEvents and its PostgreSQL twin measure what
// one audit event costs the database, appended in batches of 256 as the
// audit recorder appends them; ns/op and cpu-ns/op are per event.
func BenchmarkSQLiteAppendAuditEvents(b *testing.B) { benchAppendAudit(b, openSQLiteBench(b)) }
func BenchmarkPostgresAppendAuditEvents(b *testing.B) {
	benchAppendAudit(b, openPostgres(b))
}

func benchAppendAudit(b *testing.B, db *DB) {
	const batch = 256
	ctx := context.Background()
	events := make([]tokenmint.AuditEvent, batch)
	now := time.Now()
	next := func() []tokenmint.AuditEvent {
		for i := range events {
			now = now.Add(time.Microsecond)
			events[i] = tokenmint.AuditEvent{ID: token.NewTimedID(now), Time: now, Type: tokenmint.AuditTokenIssued,
				ActorType: tokenmint.ActorClient, Actor: "client-1", ClientID: "client-1", IP: "192.0.2.1",
				Details: map[string]string{"grant": "client_credentials", "format": "jwt", "jti": token.NewTimedID(now), "scope": "api"}}
		}
		return events
	}
	b.ReportAllocs()
	stop := benchcpu.Start(b)
	for b.Loop() {
		b.StopTimer()
		evs := next()
		b.StartTimer()
		if err := db.AppendAuditEvents(ctx, evs...); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/event")
}
