package cache

import (
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// TestAuditEventsPassThrough: the layer keeps no audit events of its own;
// its AuditStore methods are the store's, so another process sharing the
// database sees what it appends and deletes.
func TestAuditEventsPassThrough(t *testing.T) {
	mine, other := openPair(t)
	ctx := t.Context()
	s := Wrap(mine, Options{TokenEntries: 100})
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	var as tokenmint.AuditStore = s
	ev := tokenmint.AuditEvent{ID: "e1", Time: t0, Type: tokenmint.AuditTokenIssued, ClientID: "c"}
	if err := as.AppendAuditEvents(ctx, ev, tokenmint.AuditEvent{ID: "e2", Time: t0.Add(time.Hour), Type: tokenmint.AuditTokenIssued}); err != nil {
		t.Fatal(err)
	}
	got, _, err := other.ListAuditEvents(ctx, tokenmint.AuditFilter{ClientID: "c"})
	if err != nil || len(got) != 1 || got[0].ID != "e1" {
		t.Fatalf("another process lists %+v, %v; want e1", got, err)
	}
	if n, err := as.DeleteAuditEventsBefore(ctx, t0.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("DeleteAuditEventsBefore = %d, %v; want 1", n, err)
	}
	got, _, err = as.ListAuditEvents(ctx, tokenmint.AuditFilter{})
	if err != nil || len(got) != 1 || got[0].ID != "e2" {
		t.Fatalf("ListAuditEvents = %+v, %v; want e2", got, err)
	}
}
