package storetest

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

func auditTests() []test {
	return []test{
		{"RoundTrip", testAuditRoundTrip},
		{"Conflict", testAuditConflict},
		{"NeedsIDAndTime", testAuditNeedsIDAndTime},
		{"Order", testAuditOrder},
		{"Filters", testAuditFilters},
		{"Paging", testAuditPaging},
		{"PageLimits", testAuditPageLimits},
		{"PagingUnderConcurrentAppends", testAuditPagingConcurrent},
		{"BadPageToken", testAuditBadPageToken},
		{"Retention", testAuditRetention},
	}
}

// auditEvent returns an event with every field set.
func auditEvent(id string, when time.Time, typ, clientID, userID string) tokenmint.AuditEvent {
	return tokenmint.AuditEvent{
		ID:        id,
		Time:      when,
		Type:      typ,
		ActorType: tokenmint.ActorClient,
		Actor:     clientID,
		ClientID:  clientID,
		UserID:    userID,
		IP:        "2001:db8::7",
		RequestID: "req-" + id,
		Details:   map[string]string{"grant": "refresh_token", "note": "ünïcode \"quoted\" <tag> \\ \n"},
	}
}

func normAudit(e tokenmint.AuditEvent) tokenmint.AuditEvent {
	e.Time = ts(e.Time)
	if len(e.Details) == 0 {
		e.Details = nil
	}
	return e
}

func normAudits(es []tokenmint.AuditEvent) []tokenmint.AuditEvent {
	out := make([]tokenmint.AuditEvent, 0, len(es))
	for _, e := range es {
		out = append(out, normAudit(e))
	}
	return out
}

// listAll follows the page tokens from the first page to the last.
func listAll(t *testing.T, s tokenmint.AuditStore, f tokenmint.AuditFilter) []tokenmint.AuditEvent {
	t.Helper()
	var all []tokenmint.AuditEvent
	for range 10_000 {
		page, next, err := s.ListAuditEvents(t.Context(), f)
		ok(t, err, "list audit events")
		if f.Limit > 0 && len(page) > f.Limit {
			t.Fatalf("page of %d events, limit %d", len(page), f.Limit)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		if len(page) == 0 {
			t.Fatal("an empty page with a next page token")
		}
		f.PageToken = next
	}
	t.Fatal("paging never ends")
	return nil
}

func ids(es []tokenmint.AuditEvent) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func testAuditRoundTrip(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	full := auditEvent("e1", at(0), tokenmint.AuditTokenIssued, "c1", "u1")
	bare := tokenmint.AuditEvent{ID: "e2", Time: at(time.Second), Type: tokenmint.AuditKeyRotated, ActorType: tokenmint.ActorSystem}
	ok(t, s.AppendAuditEvents(ctx, full, bare), "append audit events")
	ok(t, s.AppendAuditEvents(ctx), "append no events")
	got, next, err := s.ListAuditEvents(ctx, tokenmint.AuditFilter{})
	ok(t, err, "list audit events")
	same(t, "audit events", normAudits(got), normAudits([]tokenmint.AuditEvent{full, bare}))
	if next != "" {
		t.Errorf("next page token %q after every event", next)
	}
}

func testAuditConflict(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	e1 := auditEvent("e1", at(0), tokenmint.AuditTokenIssued, "c1", "")
	ok(t, s.AppendAuditEvents(ctx, e1), "append audit event")
	e2 := auditEvent("e2", at(time.Second), tokenmint.AuditTokenIssued, "c1", "")
	wantErr(t, s.AppendAuditEvents(ctx, e2, auditEvent("e1", at(2*time.Second), tokenmint.AuditTokenRevoked, "c2", "")),
		tokenmint.ErrConflict, "append a batch reusing a stored ID")
	e3 := auditEvent("e3", at(3*time.Second), tokenmint.AuditTokenIssued, "c1", "")
	wantErr(t, s.AppendAuditEvents(ctx, e3, e3), tokenmint.ErrConflict, "append an ID twice in one batch")
	got := listAll(t, s, tokenmint.AuditFilter{})
	same(t, "events after conflicts", normAudits(got), normAudits([]tokenmint.AuditEvent{e1}))
}

func testAuditNeedsIDAndTime(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	good := auditEvent("e1", at(0), tokenmint.AuditTokenIssued, "c1", "")
	noID := auditEvent("", at(0), tokenmint.AuditTokenIssued, "c1", "")
	noTime := auditEvent("e2", time.Time{}, tokenmint.AuditTokenIssued, "c1", "")
	for name, e := range map[string]tokenmint.AuditEvent{"no ID": noID, "no time": noTime} {
		if err := s.AppendAuditEvents(ctx, good, e); err == nil {
			t.Errorf("append an event with %s: no error", name)
		}
	}
	if got := listAll(t, s, tokenmint.AuditFilter{}); len(got) != 0 {
		t.Errorf("rejected batches stored %v", ids(got))
	}
}

// testAuditOrder: oldest first whatever the order of appends; events of
// the same instant by ID.
func testAuditOrder(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.AppendAuditEvents(ctx,
		auditEvent("c", at(time.Hour), tokenmint.AuditTokenIssued, "c1", ""),
		auditEvent("b", at(0), tokenmint.AuditTokenIssued, "c1", ""),
	), "append")
	ok(t, s.AppendAuditEvents(ctx,
		auditEvent("a", at(0), tokenmint.AuditTokenIssued, "c1", ""),
		auditEvent("d", at(-time.Hour), tokenmint.AuditTokenIssued, "c1", ""),
	), "append")
	same(t, "order", ids(listAll(t, s, tokenmint.AuditFilter{})), []string{"d", "a", "b", "c"})
	same(t, "order over pages of one", ids(listAll(t, s, tokenmint.AuditFilter{Limit: 1})), []string{"d", "a", "b", "c"})
}

func testAuditFilters(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	ok(t, s.AppendAuditEvents(ctx,
		auditEvent("e1", at(0), tokenmint.AuditTokenIssued, "c1", ""),
		auditEvent("e2", at(time.Minute), tokenmint.AuditTokenIssued, "c2", "u1"),
		auditEvent("e3", at(2*time.Minute), tokenmint.AuditTokenRefused, "c1", ""),
		auditEvent("e4", at(3*time.Minute), tokenmint.AuditSignInFailed, "", "u1"),
		auditEvent("e5", at(4*time.Minute), tokenmint.AuditTokenRevoked, "c1", "u2"),
	), "append")
	cases := []struct {
		name string
		f    tokenmint.AuditFilter
		want []string
	}{
		{"none", tokenmint.AuditFilter{}, []string{"e1", "e2", "e3", "e4", "e5"}},
		{"since is inclusive", tokenmint.AuditFilter{Since: at(2 * time.Minute)}, []string{"e3", "e4", "e5"}},
		{"until is exclusive", tokenmint.AuditFilter{Until: at(2 * time.Minute)}, []string{"e1", "e2"}},
		{"since and until", tokenmint.AuditFilter{Since: at(time.Minute), Until: at(4 * time.Minute)}, []string{"e2", "e3", "e4"}},
		{"type", tokenmint.AuditFilter{Type: tokenmint.AuditTokenIssued}, []string{"e1", "e2"}},
		{"client", tokenmint.AuditFilter{ClientID: "c1"}, []string{"e1", "e3", "e5"}},
		{"user", tokenmint.AuditFilter{UserID: "u1"}, []string{"e2", "e4"}},
		{"client and type", tokenmint.AuditFilter{ClientID: "c1", Type: tokenmint.AuditTokenRefused}, []string{"e3"}},
		{"client, user and since", tokenmint.AuditFilter{ClientID: "c1", UserID: "u2", Since: at(time.Minute)}, []string{"e5"}},
		{"client paged", tokenmint.AuditFilter{ClientID: "c1", Limit: 2}, []string{"e1", "e3", "e5"}},
		{"nothing matches", tokenmint.AuditFilter{Type: "no.such"}, []string{}},
		{"after every event", tokenmint.AuditFilter{Since: at(time.Hour)}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			same(t, "events", append([]string{}, ids(listAll(t, s, tc.f))...), tc.want)
		})
	}
}

func appendN(t *testing.T, s tokenmint.AuditStore, n int, start time.Time) []tokenmint.AuditEvent {
	t.Helper()
	es := make([]tokenmint.AuditEvent, n)
	for i := range es {
		es[i] = auditEvent(fmt.Sprintf("n%05d", i), start.Add(time.Duration(i)*time.Millisecond), tokenmint.AuditTokenIssued, "c1", "")
	}
	ok(t, s.AppendAuditEvents(t.Context(), es...), "append audit events")
	return es
}

func testAuditPaging(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	es := appendN(t, s, 7, at(0))
	var pages [][]string
	f := tokenmint.AuditFilter{Limit: 3}
	for {
		page, next, err := s.ListAuditEvents(ctx, f)
		ok(t, err, "list audit events")
		pages = append(pages, ids(page))
		if next == "" {
			break
		}
		f.PageToken = next
	}
	same(t, "pages", pages, [][]string{ids(es[:3]), ids(es[3:6]), ids(es[6:])})
	// A page that ends with the last event has no next page.
	page, next, err := s.ListAuditEvents(ctx, tokenmint.AuditFilter{Limit: 7})
	ok(t, err, "list audit events")
	if len(page) != 7 || next != "" {
		t.Errorf("a full last page: %d events, next %q; want 7 and none", len(page), next)
	}
}

func testAuditPageLimits(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	appendN(t, s, tokenmint.MaxAuditLimit+1, at(0))
	for _, tc := range []struct{ limit, want int }{
		{0, tokenmint.DefaultAuditLimit},
		{-5, tokenmint.DefaultAuditLimit},
		{tokenmint.MaxAuditLimit + 500, tokenmint.MaxAuditLimit},
	} {
		page, next, err := s.ListAuditEvents(ctx, tokenmint.AuditFilter{Limit: tc.limit})
		ok(t, err, "list audit events")
		if len(page) != tc.want || next == "" {
			t.Errorf("limit %d: %d events, next %q; want %d and a next page", tc.limit, len(page), next, tc.want)
		}
	}
}

// testAuditPagingConcurrent: pages read while other writers append, before
// and after the events already there, neither repeat nor skip any event
// that was there when paging began, and stay in order.
func testAuditPagingConcurrent(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	before := appendN(t, s, 60, at(0))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// Earlier than, among and later than the events present.
				offsets := []time.Duration{-time.Hour, 30*time.Millisecond + time.Microsecond, time.Hour}
				when := at(offsets[i%3] + time.Duration(i)*time.Microsecond)
				e := auditEvent(fmt.Sprintf("w%d-%05d", w, i), when, tokenmint.AuditTokenRefused, "c1", "")
				if err := s.AppendAuditEvents(ctx, e); err != nil {
					t.Errorf("concurrent append: %v", err)
					return
				}
			}
		})
	}
	got := listAll(t, s, tokenmint.AuditFilter{Limit: 7})
	close(stop)
	wg.Wait()
	seen := map[string]int{}
	for _, e := range got {
		seen[e.ID]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("event %s listed %d times", id, n)
		}
	}
	for _, e := range before {
		if seen[e.ID] != 1 {
			t.Errorf("event %s, there before paging began, listed %d times", e.ID, seen[e.ID])
		}
	}
	if !slices.IsSortedFunc(got, func(a, b tokenmint.AuditEvent) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID))
	}) {
		t.Error("pages are not in (time, ID) order")
	}
}

func testAuditBadPageToken(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	appendN(t, s, 3, at(0))
	b64 := base64.RawURLEncoding.EncodeToString
	for _, tok := range []string{
		"!!!", "a", b64([]byte("no separator")), b64([]byte("x.e1")), b64([]byte("12.")),
		strings.Repeat("A", 100_000),
	} {
		_, _, err := s.ListAuditEvents(ctx, tokenmint.AuditFilter{PageToken: tok})
		wantErr(t, err, tokenmint.ErrBadPageToken, fmt.Sprintf("list with page token %.20q", tok))
	}
}

func testAuditRetention(t *testing.T, s tokenmint.Store) {
	ctx := t.Context()
	old := appendN(t, s, 1500, at(-10*time.Hour)) // more than one batch of deletes
	kept := []tokenmint.AuditEvent{
		auditEvent("k1", at(-time.Hour), tokenmint.AuditTokenIssued, "c1", ""),
		auditEvent("k2", at(0), tokenmint.AuditTokenIssued, "c1", ""),
	}
	ok(t, s.AppendAuditEvents(ctx, kept...), "append audit events")
	n, err := s.DeleteAuditEventsBefore(ctx, at(-time.Hour))
	ok(t, err, "delete audit events")
	if n != int64(len(old)) {
		t.Errorf("deleted %d events, want %d", n, len(old))
	}
	same(t, "events kept", ids(listAll(t, s, tokenmint.AuditFilter{Limit: tokenmint.MaxAuditLimit})), ids(kept))
	n, err = s.DeleteAuditEventsBefore(ctx, at(-time.Hour))
	ok(t, err, "delete audit events again")
	if n != 0 {
		t.Errorf("second delete removed %d events, want 0", n)
	}
}
