package adminapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/adminapi"
)

// fakeAudit is an in-test tokenmint.AuditStore: it records the filter it
// was asked for and answers a fixed page. (The store's own, on every
// backend, is another branch's; this fake stands in until they meet.)
type fakeAudit struct {
	mu     sync.Mutex
	filter tokenmint.AuditFilter
	events []tokenmint.AuditEvent
	next   string
	err    error
}

func (f *fakeAudit) AppendAuditEvents(context.Context, ...tokenmint.AuditEvent) error { return nil }
func (f *fakeAudit) DeleteAuditEventsBefore(context.Context, time.Time) (int64, error) {
	return 0, nil
}

func (f *fakeAudit) ListAuditEvents(_ context.Context, filter tokenmint.AuditFilter) ([]tokenmint.AuditEvent, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filter = filter
	return f.events, f.next, f.err
}

// serveWith serves the admin API built over e's server with cfg changed,
// on a server of its own, and points e's requests at it.
func (e *env) serveWith(change func(*adminapi.Config)) {
	cfg := adminapi.Config{Engine: e.in.Server.Engine(), Registry: e.in.Registry, Keys: e.in.Server.Engine().Keys(), Now: e.in.Clock.Now}
	change(&cfg)
	api := adminapi.New(cfg)
	mux := http.NewServeMux()
	mux.Handle("GET "+adminapi.PathAudit, api.Require(adminapi.ScopeAuditRead, api.ListAudit))
	mux.HandleFunc(adminapi.PathPrefix+"/", api.Fallback)
	srv := httptest.NewServer(mux)
	e.t.Cleanup(srv.Close)
	e.base = srv.URL
}

func TestAudit(t *testing.T) {
	e := newEnv(t)
	// Without an audit store the route answers 501, as the document says.
	r := e.admin(http.MethodGet, adminapi.PathAudit, nil)
	if r.status != http.StatusNotImplemented && r.status != http.StatusOK {
		t.Fatalf("audit on the server: %d %s", r.status, r.body)
	}
	if r.status == http.StatusNotImplemented && r.problem(t).Code != "not_implemented" {
		t.Errorf("501 problem %s", r.body)
	}

	now := e.in.Clock.Now()
	fake := &fakeAudit{next: "opaque-next", events: []tokenmint.AuditEvent{
		{ID: "e1", Time: now.Add(-time.Minute), Type: tokenmint.AuditClientCreated, ActorType: tokenmint.ActorClient, Actor: e.ops.ID, ClientID: "c1", IP: "127.0.0.1", RequestID: "r1", Details: map[string]string{"fields": "scope"}},
		{ID: "e2", Time: now, Type: tokenmint.AuditTokenIssued, ActorType: tokenmint.ActorSystem},
	}}
	e.serveWith(func(c *adminapi.Config) { c.Audit = fake })
	q := url.Values{"since": {"24h"}, "until": {"2030-01-02T03:04:05Z"}, "type": {"client.created"}, "client_id": {"c1"}, "user_id": {"u1"},
		"page_size": {"10"}, "page_token": {"store-token"}}
	r = e.admin(http.MethodGet, adminapi.PathAudit+"?"+q.Encode(), nil)
	want(t, r, http.StatusOK)
	var l adminapi.AuditList
	r.json(t, &l)
	if len(l.Events) != 2 || l.NextPageToken != "opaque-next" || l.Events[0].Actor != e.ops.ID || l.Events[0].Details["fields"] != "scope" || l.Events[1].Details == nil {
		t.Errorf("list %+v", l)
	}
	wantFilter := tokenmint.AuditFilter{Since: now.Add(-24 * time.Hour), Until: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		Type: "client.created", ClientID: "c1", UserID: "u1", Limit: 10, PageToken: "store-token"}
	if fake.filter != wantFilter {
		t.Errorf("filter %+v, want %+v", fake.filter, wantFilter)
	}
	for _, bad := range []string{"since=yesterday", "until=-1h", "page_size=0", "colour=red"} {
		r := e.do(call{method: http.MethodGet, path: adminapi.PathAudit + "?" + bad, token: e.token, hostile: true})
		want(t, r, http.StatusBadRequest)
		if p := r.problem(t); len(p.Errors) != 1 {
			t.Errorf("%s: %+v", bad, p)
		}
	}
	fake.err = tokenmint.ErrUnavailable
	r = e.admin(http.MethodGet, adminapi.PathAudit, nil)
	want(t, r, http.StatusServiceUnavailable)
	if r.header.Get("Retry-After") == "" || r.problem(t).Code != "temporarily_unavailable" {
		t.Errorf("outage: %s", r.body)
	}
	// Only the audit scope (or admin) reads it.
	other := e.in.CreateClient(t, registryScopes("users", adminapi.ScopeUsersWrite))
	want(t, e.do(call{method: http.MethodGet, path: adminapi.PathAudit, token: e.tokenFor(other, ""), hostile: true}), http.StatusForbidden)
	reader := e.in.CreateClient(t, registryScopes("auditor", adminapi.ScopeAuditRead))
	fake.err = nil
	want(t, e.do(call{method: http.MethodGet, path: adminapi.PathAudit, token: e.tokenFor(reader, "")}), http.StatusOK)
}
