package console

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// overviewCap bounds the audit events the overview reads of one type:
// past it, a count is shown as "at least". The overview is computed from
// the audit events every instance writes to the shared store, so it
// covers the whole deployment; the per-instance Prometheus metrics of
// /metrics are not summed here.
const overviewCap = 20_000

// Windows of the overview.
const (
	windowHour = time.Hour
	windowDay  = 24 * time.Hour
)

type overviewPage struct {
	NoStore bool
	Issued  []issuedRow
	Totals  issuedRow
	Events  []eventRow
	Chart   chart
	Since   time.Time
}

// issuedRow counts the tokens issued with one grant in one format.
type issuedRow struct {
	Grant, Format      string
	Hour, Day          int
	HourCapped, Capped bool
}

// PerMinuteHour and PerMinuteDay are the average rates of the windows.
func (r issuedRow) PerMinuteHour() string { return rate(r.Hour, windowHour) }
func (r issuedRow) PerMinuteDay() string  { return rate(r.Day, windowDay) }

func rate(n int, d time.Duration) string { return fmt.Sprintf("%.1f", float64(n)/d.Minutes()) }

// eventRow counts one kind of security event over both windows.
type eventRow struct {
	Label     string
	Type      string // the audit type, for the link to the log
	Hour, Day int
	Capped    bool
}

// chart is tokens issued per minute over the last hour, as bars of an
// inline SVG (no script, no inline style: the CSP allows it).
type chart struct {
	Bars []bar
	Max  int
}

type bar struct {
	X, Y, Height, Count int
	Minute              string
}

const chartHeight = 80

// overview shows what happened over the last hour and day, from the audit
// events.
func (c *Console) overview(w http.ResponseWriter, r *http.Request, v *viewer) {
	page := overviewPage{}
	if c.cfg.Audit == nil {
		page.NoStore = true
	} else {
		var err error
		if page, err = c.computeOverview(r.Context()); err != nil {
			c.failed(w, r, c.ops, err)
			return
		}
	}
	c.render(w, r, http.StatusOK, "overview", &view{site: c.ops, viewer: v, Title: "Overview", Data: page})
}

func (c *Console) computeOverview(ctx context.Context) (overviewPage, error) {
	now := c.now()
	page := overviewPage{Since: now.Add(-windowDay)}
	issued, capped, err := c.events(ctx, tokenmint.AuditTokenIssued, now.Add(-windowDay))
	if err != nil {
		return page, err
	}
	rows := map[[2]string]*issuedRow{}
	perMinute := make([]int, 60)
	for _, e := range issued {
		key := [2]string{e.Details["grant"], e.Details["format"]}
		row := rows[key]
		if row == nil {
			row = &issuedRow{Grant: key[0], Format: key[1], Capped: capped}
			rows[key] = row
		}
		row.Day++
		page.Totals.Day++
		if age := now.Sub(e.Time); age < windowHour {
			row.Hour++
			page.Totals.Hour++
			perMinute[59-int(age/time.Minute)]++
		}
	}
	page.Totals.Capped = capped
	for _, row := range rows {
		page.Issued = append(page.Issued, *row)
	}
	slices.SortFunc(page.Issued, func(a, b issuedRow) int {
		return cmp.Or(cmp.Compare(b.Day, a.Day), cmp.Compare(a.Grant, b.Grant), cmp.Compare(a.Format, b.Format))
	})
	page.Chart = newChart(perMinute, now)
	page.Events, err = c.securityEvents(ctx, now)
	return page, err
}

// securityEvents counts the failed authentications and the replays.
func (c *Console) securityEvents(ctx context.Context, now time.Time) ([]eventRow, error) {
	kinds := []struct {
		label, typ string
		keep       func(tokenmint.AuditEvent) bool
	}{
		{"Failed client authentications (token endpoint)", tokenmint.AuditTokenRefused,
			func(e tokenmint.AuditEvent) bool { return e.Details["check"] == oauth.InvalidClient }},
		{"Failed sign-ins (login page)", tokenmint.AuditSignInFailed, nil},
		{"Sign-ins throttled", tokenmint.AuditSignInThrottled, nil},
		{"Refresh token reuse detected", tokenmint.AuditRefreshReuse, nil},
		{"Authorization code replays", tokenmint.AuditCodeReplay, nil},
	}
	var out []eventRow
	for _, k := range kinds {
		evs, capped, err := c.events(ctx, k.typ, now.Add(-windowDay))
		if err != nil {
			return nil, err
		}
		row := eventRow{Label: k.label, Type: k.typ, Capped: capped}
		for _, e := range evs {
			if k.keep != nil && !k.keep(e) {
				continue
			}
			row.Day++
			if now.Sub(e.Time) < windowHour {
				row.Hour++
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// events reads the events of one type since a time, at most overviewCap
// of them (capped then reports that more exist).
func (c *Console) events(ctx context.Context, typ string, since time.Time) (events []tokenmint.AuditEvent, capped bool, err error) {
	f := tokenmint.AuditFilter{Type: typ, Since: since, Limit: tokenmint.MaxAuditLimit}
	for {
		page, next, err := c.cfg.Audit.ListAuditEvents(ctx, f)
		if err != nil {
			return nil, false, fmt.Errorf("list audit events: %w", err)
		}
		events = append(events, page...)
		if next == "" {
			return events, false, nil
		}
		if len(events) >= overviewCap {
			return events, true, nil
		}
		f.PageToken = next
	}
}

func newChart(perMinute []int, now time.Time) chart {
	ch := chart{Max: slices.Max(perMinute)}
	for i, n := range perMinute {
		h := 0
		if ch.Max > 0 {
			h = n * chartHeight / ch.Max
		}
		if n > 0 && h == 0 {
			h = 1
		}
		ch.Bars = append(ch.Bars, bar{X: i * 10, Y: chartHeight - h, Height: h, Count: n,
			Minute: now.Add(-time.Duration(59-i) * time.Minute).UTC().Format("15:04")})
	}
	return ch
}
