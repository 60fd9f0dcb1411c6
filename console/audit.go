package console

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
)

// auditTypes are the event types the filter offers.
var auditTypes = []string{
	tokenmint.AuditTokenIssued, tokenmint.AuditTokenRefused, tokenmint.AuditTokenRevoked,
	tokenmint.AuditRefreshReuse, tokenmint.AuditCodeReplay,
	tokenmint.AuditSignInSucceeded, tokenmint.AuditSignInFailed, tokenmint.AuditSignInThrottled,
	tokenmint.AuditClientCreated, tokenmint.AuditClientChanged, tokenmint.AuditClientDeleted,
	tokenmint.AuditClientTokensRevoked, tokenmint.AuditClientRotated, tokenmint.AuditClientRegistered,
	tokenmint.AuditUserCreated, tokenmint.AuditUserChanged, tokenmint.AuditUserDeleted, tokenmint.AuditUserSignedOut,
	tokenmint.AuditKeyRotated,
}

// sinceChoices are the periods the filter offers, back from now.
var sinceChoices = []struct{ Value, Text string }{
	{"1h", "the last hour"}, {"24h", "the last day"}, {"168h", "the last 7 days"}, {"720h", "the last 30 days"}, {"", "all time"},
}

// auditFilterForm is the filter as typed.
type auditFilterForm struct {
	Type, ClientID, UserID, Since, Until string
}

type auditPage struct {
	Filter  auditFilterForm
	Types   []string
	Since   []struct{ Value, Text string }
	Events  []auditRow
	Next    string
	NoStore bool // the server keeps no audit events
}

type auditRow struct {
	tokenmint.AuditEvent
	Keys []string // Details' keys, sorted
}

// listAudit shows a page of audit events, filtered by type, client, user
// and time, each with its details.
func (c *Console) listAudit(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	ff := auditFilterForm{Type: clip(q.Get("type")), ClientID: clip(q.Get("client_id")), UserID: clip(q.Get("user_id")),
		Since: clip(q.Get("since")), Until: clip(q.Get("until"))}
	if _, ok := q["since"]; !ok {
		ff.Since = "24h"
	}
	page := auditPage{Filter: ff, Types: auditTypes, Since: sinceChoices}
	if c.cfg.Audit == nil {
		page.NoStore = true
		c.render(w, r, http.StatusOK, "audit", &view{site: c.ops, viewer: v, Title: "Audit log", Data: page})
		return
	}
	f, errs := c.auditFilter(ff)
	f.PageToken, f.Limit = clip(q.Get("page")), 50
	if len(errs) > 0 {
		c.render(w, r, http.StatusBadRequest, "audit", &view{site: c.ops, viewer: v, Title: "Audit log", Error: errs.Summary(), Fields: errs, Data: page})
		return
	}
	events, next, err := c.cfg.Audit.ListAuditEvents(r.Context(), f)
	if errors.Is(err, tokenmint.ErrBadPageToken) {
		c.render(w, r, http.StatusBadRequest, "audit", &view{site: c.ops, viewer: v, Title: "Audit log",
			Error: "This page link is not one the console made: start from the first page.", Data: page})
		return
	}
	if err != nil {
		c.failed(w, r, c.ops, err)
		return
	}
	slices.Reverse(events) // newest first on the page
	for _, e := range events {
		page.Events = append(page.Events, auditRow{AuditEvent: e, Keys: slices.Sorted(maps.Keys(e.Details))})
	}
	if next != "" {
		nq := url.Values{"type": {ff.Type}, "client_id": {ff.ClientID}, "user_id": {ff.UserID}, "since": {ff.Since}, "until": {ff.Until}, "page": {next}}
		page.Next = c.ops.base + "/audit?" + nq.Encode()
	}
	c.render(w, r, http.StatusOK, "audit", &view{site: c.ops, viewer: v, Title: "Audit log", Data: page})
}

// auditFilter checks the filter form: a known type, a period back from
// now or an RFC 3339 / datetime-local time.
func (c *Console) auditFilter(ff auditFilterForm) (tokenmint.AuditFilter, formErrors) {
	errs := formErrors{}
	f := tokenmint.AuditFilter{Type: ff.Type, ClientID: strings.TrimSpace(ff.ClientID), UserID: strings.TrimSpace(ff.UserID)}
	if f.Type != "" && !slices.Contains(auditTypes, f.Type) {
		errs.add("type", "Unknown event type.")
	}
	var ok bool
	if f.Since, ok = c.instant(ff.Since); !ok {
		errs.add("since", "From must be a period such as 24h or a time such as 2026-01-02T15:04.")
	}
	if f.Until, ok = c.instant(ff.Until); !ok {
		errs.add("until", "Until must be a time such as 2026-01-02T15:04.")
	}
	return f, errs
}

// instant reads a time: "" (no bound), a duration back from now, RFC
// 3339, or an HTML datetime-local value (UTC).
func (c *Console) instant(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return c.now().Add(-d), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
