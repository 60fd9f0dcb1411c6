package adminapi

import (
	"maps"
	"net/http"
	"time"

	"github.com/tokenmint/tokenmint"
)

// AuditEvent is an audit event as the admin API answers it. It never
// holds a token, a secret or a password.
type AuditEvent struct {
	ID        string            `json:"id"`
	Time      time.Time         `json:"time"`
	Type      string            `json:"type"`
	ActorType string            `json:"actor_type"`
	Actor     string            `json:"actor,omitempty"`
	ClientID  string            `json:"client_id,omitempty"`
	UserID    string            `json:"user_id,omitempty"`
	IP        string            `json:"ip,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Details   map[string]string `json:"details"`
}

// AuditList is a page of audit events, oldest first.
type AuditList struct {
	Events        []AuditEvent `json:"events"`
	NextPageToken string       `json:"next_page_token,omitempty"`
}

func newAuditEvent(e *tokenmint.AuditEvent) AuditEvent {
	v := AuditEvent{ID: e.ID, Time: e.Time.UTC(), Type: e.Type, ActorType: e.ActorType, Actor: e.Actor,
		ClientID: e.ClientID, UserID: e.UserID, IP: e.IP, RequestID: e.RequestID, Details: maps.Clone(e.Details)}
	if v.Details == nil {
		v.Details = map[string]string{}
	}
	return v
}

// ListAudit answers GET /admin/v1/audit: a page of the events since
// (RFC 3339, or a duration back from now such as 24h) and before until,
// of one type, client_id or user_id when given, oldest first.
func (a *API) ListAudit(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r, "since", "until", "type", "client_id", "user_id", "page_size", "page_token"); err != nil {
		a.fail(w, r, err)
		return
	}
	if a.cfg.Audit == nil {
		a.fail(w, r, problem(http.StatusNotImplemented, codeNotImplemented, "this server keeps no audit events"))
		return
	}
	q := r.URL.Query()
	f := tokenmint.AuditFilter{Type: q.Get("type"), ClientID: q.Get("client_id"), UserID: q.Get("user_id"), PageToken: q.Get("page_token")}
	var err error
	if f.Since, err = a.instant(q.Get("since"), "since"); err != nil {
		a.fail(w, r, err)
		return
	}
	if f.Until, err = a.instant(q.Get("until"), "until"); err != nil {
		a.fail(w, r, err)
		return
	}
	if f.Limit, _, err = page(withoutToken(r)); err != nil {
		a.fail(w, r, err)
		return
	}
	events, next, err := a.cfg.Audit.ListAuditEvents(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	list := AuditList{Events: make([]AuditEvent, 0, len(events)), NextPageToken: next}
	for i := range events {
		list.Events = append(list.Events, newAuditEvent(&events[i]))
	}
	ok(w, http.StatusOK, list)
}

// instant reads a time parameter: RFC 3339, or a Go duration meaning
// that long before now; "" is no bound.
func (a *API) instant(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return a.now().Add(-d), nil
	}
	return time.Time{}, invalidParam(name, name+" must be an RFC 3339 time (2026-01-02T15:04:05Z) or a duration back from now (24h)")
}

// withoutToken is r without page_token, whose audit form is the store's
// own, for page to read page_size alone.
func withoutToken(r *http.Request) *http.Request {
	c := r.Clone(r.Context())
	q := c.URL.Query()
	q.Del("page_token")
	c.URL.RawQuery = q.Encode()
	return c
}
