package outage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/internal/fakeclock"
)

var errDown = errors.New("dial tcp: connection refused")

type line map[string]any

func lines(t *testing.T, buf *bytes.Buffer) []line {
	t.Helper()
	var out []line
	for _, s := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if s == "" {
			continue
		}
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatalf("not JSON: %v: %s", err, s)
		}
		out = append(out, l)
	}
	buf.Reset()
	return out
}

// setup returns a logger whose warnings with an "err" of errDown go to a
// database Reporter, that Reporter, the clock and the output.
func setup() (*slog.Logger, *Reporter, *fakeclock.Clock, *bytes.Buffer) {
	clock := fakeclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	var buf bytes.Buffer
	base := slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindDuration {
			return slog.String(a.Key, a.Value.Duration().String())
		}
		return a
	}})
	db := New(base, "database", Options{Now: clock.Now})
	log := slog.New(NewHandler(base, Route{Reporter: db, Match: func(a slog.Attr) bool {
		err, ok := a.Value.Any().(error)
		return a.Key == "err" && ok && errors.Is(err, errDown)
	}}))
	return log, db, clock, &buf
}

// warn logs a failure at the clock's time, as slog would with it.
func warn(log *slog.Logger, clock *fakeclock.Clock, msg string) {
	rec := slog.NewRecord(clock.Now(), slog.LevelWarn, msg, 0)
	rec.AddAttrs(slog.Any("err", errDown), slog.String("path", "/oauth2/token"))
	log.Handler().Handle(context.Background(), rec)
}

// TestOutageLogsStartSummaryEnd: 35 failures in 7 s, then more for a
// minute, log one start, one summary per 30 s and one end with the
// duration; other lines pass untouched.
func TestOutageLogsStartSummaryEnd(t *testing.T) {
	log, db, clock, buf := setup()
	log.Info("unrelated")
	log.Warn("unrelated warning", "err", errors.New("other"))
	if got := lines(t, buf); len(got) != 2 {
		t.Fatalf("unrelated lines: got %d, want 2 passed through", len(got))
	}
	db.Recovered(context.Background()) // no outage: nothing
	if buf.Len() != 0 {
		t.Fatalf("Recovered without an outage logged: %s", buf.String())
	}

	for range 35 {
		warn(log, clock, "storage unavailable")
		clock.Advance(200 * time.Millisecond)
	}
	got := lines(t, buf)
	if len(got) != 1 || got[0]["msg"] != "database outage started" || got[0]["first"] != "storage unavailable" ||
		got[0]["err"] != errDown.Error() || got[0]["path"] != "/oauth2/token" || got[0]["level"] != "WARN" {
		t.Fatalf("35 failures in 7s: want one start line with the first failure, got %v", got)
	}
	if !db.Down() {
		t.Fatal("not Down during the outage")
	}
	for range 60 { // one a second for a minute
		clock.Advance(time.Second)
		warn(log, clock, "cache revision poll failed")
	}
	got = lines(t, buf)
	if len(got) != 2 {
		t.Fatalf("a minute more: want 2 summaries (one per 30s), got %d: %v", len(got), got)
	}
	for _, l := range got {
		if l["msg"] != "database outage continues" || l["last"] != "cache revision poll failed" || l["err"] != errDown.Error() {
			t.Errorf("summary %v", l)
		}
	}
	if got[0]["failures_suppressed"] != float64(34+23) || got[0]["for"] != "30s" {
		t.Errorf("first summary: failures_suppressed %v for %v, want 57 and 30s", got[0]["failures_suppressed"], got[0]["for"])
	}
	clock.Advance(3 * time.Second)
	db.Recovered(context.Background())
	db.Recovered(context.Background())
	got = lines(t, buf)
	if len(got) != 1 || got[0]["msg"] != "database outage ended" || got[0]["duration"] != "1m10s" || got[0]["failures"] != float64(95) {
		t.Fatalf("recovery: want one end line with duration 1m10s and 95 failures, got %v", got)
	}
	if db.Down() {
		t.Fatal("Down after Recovered")
	}
	warn(log, clock, "storage unavailable") // a new outage starts a new story
	if got := lines(t, buf); len(got) != 1 || got[0]["msg"] != "database outage started" {
		t.Fatalf("second outage: %v", got)
	}
}

// TestHandlerKeepsAttrsAndGroups: a logger derived With attributes still
// routes its failures, and passes other records with the attributes.
func TestHandlerKeepsAttrsAndGroups(t *testing.T) {
	log, _, _, buf := setup()
	l := log.With("component", "cache")
	l.Warn("poll failed", "err", errDown)
	l.WithGroup("g").Info("hello", "k", "v")
	got := lines(t, buf)
	if len(got) != 2 || got[0]["msg"] != "database outage started" {
		t.Fatalf("got %v", got)
	}
	if g, _ := got[1]["g"].(map[string]any); got[1]["component"] != "cache" || g["k"] != "v" {
		t.Errorf("attrs and groups lost: %v", got[1])
	}
}

// BenchmarkRecoveredWithoutOutage: what the heartbeat and the request
// path pay when all is well.
func BenchmarkRecoveredWithoutOutage(b *testing.B) {
	_, db, _, _ := setup()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		db.Recovered(ctx)
	}
}
