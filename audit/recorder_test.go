package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// memStore is an AuditStore in memory whose appends a test can fail or
// hold.
type memStore struct {
	mu     sync.Mutex
	events []tokenmint.AuditEvent
	fail   int           // fail this many appends, then succeed
	gate   chan struct{} // when set, each append waits for a receive
	calls  int
}

var errDown = fmt.Errorf("store down: %w", tokenmint.ErrUnavailable)

func (s *memStore) AppendAuditEvents(ctx context.Context, events ...tokenmint.AuditEvent) error {
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail > 0 {
		s.fail--
		return errDown
	}
	for _, e := range events {
		for _, have := range s.events {
			if have.ID == e.ID {
				return tokenmint.ErrConflict
			}
		}
	}
	for i, e := range events {
		if slices.ContainsFunc(events[:i], func(o tokenmint.AuditEvent) bool { return o.ID == e.ID }) {
			return tokenmint.ErrConflict
		}
	}
	s.events = append(s.events, events...)
	return nil
}

func (s *memStore) ListAuditEvents(context.Context, tokenmint.AuditFilter) ([]tokenmint.AuditEvent, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events), "", nil
}

func (s *memStore) DeleteAuditEventsBefore(context.Context, time.Time) (int64, error) { return 0, nil }

func (s *memStore) all() []tokenmint.AuditEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// syncBuffer is a bytes.Buffer safe for the writer and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var t0 = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

func newRecorder(t *testing.T, opts Options) *Recorder {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return t0 }
	}
	opts.retryDelays = []time.Duration{time.Millisecond, time.Millisecond}
	r := New(opts)
	t.Cleanup(func() { r.Close(context.Background()) })
	return r
}

func flush(t *testing.T, r *Recorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := r.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// TestRecordWritesLogAndStore: each event is stored once with an ID, the
// recorder's time and the request ID of its context, and written as one
// JSON line.
func TestRecordWritesLogAndStore(t *testing.T) {
	store := &memStore{}
	var log syncBuffer
	r := newRecorder(t, Options{Store: store, Log: &log, FlushInterval: time.Hour})
	ctx := tokenmint.WithRequestID(t.Context(), "req-1")
	r.Record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued, ActorType: tokenmint.ActorClient, Actor: "c1",
		ClientID: "c1", IP: "192.0.2.1", Details: map[string]string{"grant": "client_credentials", "jti": "j1"}})
	when := t0.Add(-time.Minute)
	r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditSignInFailed, Time: when, UserID: "u1", RequestID: "given"})
	flush(t, r)

	got := store.all()
	if len(got) != 2 {
		t.Fatalf("stored %d events, want 2", len(got))
	}
	if got[0].ID == "" || got[1].ID == "" || got[0].ID == got[1].ID {
		t.Errorf("IDs %q and %q: want two distinct", got[0].ID, got[1].ID)
	}
	if !got[0].Time.Equal(t0) || got[0].RequestID != "req-1" || got[0].Details["jti"] != "j1" {
		t.Errorf("first event %+v: want the recorder's time, the context's request ID and the details", got[0])
	}
	if !got[1].Time.Equal(when) || got[1].RequestID != "given" {
		t.Errorf("second event %+v: want its own time and request ID kept", got[1])
	}

	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("log has %d lines, want 2:\n%s", len(lines), log.String())
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatalf("log line is not JSON: %v\n%s", err, lines[0])
	}
	want := map[string]any{
		"time": "2031-05-06T07:08:09Z", "level": "INFO", "msg": "audit", "id": got[0].ID, "type": "token.issued",
		"actor_type": "client", "actor": "c1", "client_id": "c1", "ip": "192.0.2.1", "request_id": "req-1",
		"details": map[string]any{"grant": "client_credentials", "jti": "j1"},
	}
	for k, v := range want {
		if fmt.Sprint(line[k]) != fmt.Sprint(v) {
			t.Errorf("log line %s = %v, want %v", k, line[k], v)
		}
	}
	if _, ok := line["user_id"]; ok {
		t.Errorf("empty user_id written: %s", lines[0])
	}
	if st := r.Stats(); st != (Stats{Stored: 2}) {
		t.Errorf("stats %+v", st)
	}
}

// TestFlushInterval: events reach the store without a Flush, within the
// interval.
func TestFlushInterval(t *testing.T) {
	store := &memStore{}
	r := newRecorder(t, Options{Store: store, FlushInterval: 5 * time.Millisecond})
	r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued})
	deadline := time.Now().Add(5 * time.Second)
	for len(store.all()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("event not stored within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestIDsUniqueUnderConcurrency: events recorded from many goroutines get
// distinct IDs, and none is lost.
func TestIDsUniqueUnderConcurrency(t *testing.T) {
	store := &memStore{}
	r := newRecorder(t, Options{Store: store, QueueSize: 100_000, BatchSize: 500})
	var wg sync.WaitGroup
	const workers, each = 8, 1000
	for range workers {
		wg.Go(func() {
			for range each {
				r.Record(context.Background(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued})
			}
		})
	}
	wg.Wait()
	flush(t, r)
	seen := map[string]bool{}
	for _, e := range store.all() {
		if seen[e.ID] {
			t.Fatalf("ID %s given twice", e.ID)
		}
		seen[e.ID] = true
	}
	if len(seen) != workers*each {
		t.Errorf("stored %d events, want %d", len(seen), workers*each)
	}
}

// TestOverflowIsCountedAndLogged: with the store stuck, a full queue drops
// events, counts them and warns once (not once per event).
func TestOverflowIsCountedAndLogged(t *testing.T) {
	store := &memStore{gate: make(chan struct{})}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	r := newRecorder(t, Options{Store: store, QueueSize: 4, Logger: logger, FlushInterval: time.Hour})
	// The second event fills half the queue and wakes the writer, which
	// takes both and is held in the store.
	for range 2 {
		r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued})
	}
	deadline := time.Now().Add(5 * time.Second)
	for queued(r) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the writer never took the queue")
		}
		time.Sleep(time.Millisecond)
	}
	for range 10 {
		r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenRefused})
	}
	if got := r.Stats().Dropped; got != 6 {
		t.Errorf("dropped %d, want 6", got)
	}
	if n := strings.Count(logs.String(), "audit events dropped"); n != 1 {
		t.Errorf("%d warnings about dropped events, want 1:\n%s", n, logs.String())
	}
	close(store.gate) // let the store go
	flush(t, r)
	if got := len(store.all()); got != 6 {
		t.Errorf("stored %d events, want the 2 taken and the 4 queued", got)
	}
}

func queued(r *Recorder) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// TestStoreRetriedThenFailed: a failing store is retried; events it keeps
// refusing are counted as failed and logged, and later ones still go in.
func TestStoreRetriedThenFailed(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	store := &memStore{fail: 2}
	r := newRecorder(t, Options{Store: store, Logger: logger, FlushInterval: time.Hour})
	r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued})
	flush(t, r)
	if st := r.Stats(); st.Stored != 1 || st.Failed != 0 {
		t.Errorf("after two failures and a success: %+v, want 1 stored", st)
	}
	store.mu.Lock()
	store.fail = 100
	store.mu.Unlock()
	r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued})
	flush(t, r)
	if st := r.Stats(); st.Failed != 1 {
		t.Errorf("after failures past the retries: %+v, want 1 failed", st)
	}
	if !strings.Contains(logs.String(), "audit events not stored") {
		t.Errorf("no error logged:\n%s", logs.String())
	}
}

// TestConflictCostsOnlyItsEvent: an event whose ID is taken fails alone;
// the others of its batch are stored.
func TestConflictCostsOnlyItsEvent(t *testing.T) {
	store := &memStore{events: []tokenmint.AuditEvent{{ID: "taken"}}}
	r := newRecorder(t, Options{Store: store, FlushInterval: time.Hour})
	r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued})
	r.Record(t.Context(), tokenmint.AuditEvent{ID: "taken", Type: tokenmint.AuditTokenIssued})
	r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued})
	flush(t, r)
	if st := r.Stats(); st.Stored != 2 || st.Failed != 1 {
		t.Errorf("stats %+v, want 2 stored and 1 failed", st)
	}
}

// TestCloseWritesQueuedEvents: Close returns after everything queued is
// written; events recorded after it are dropped and counted.
func TestCloseWritesQueuedEvents(t *testing.T) {
	store := &memStore{}
	r := New(Options{Store: store, FlushInterval: time.Hour})
	for range 1000 {
		r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued})
	}
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := len(store.all()); got != 1000 {
		t.Errorf("stored %d events by Close, want 1000", got)
	}
	r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued})
	if st := r.Stats(); st.Dropped != 1 {
		t.Errorf("stats after a Record past Close: %+v, want 1 dropped", st)
	}
	if err := r.Close(t.Context()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := r.Flush(t.Context()); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
}

// TestOpenLog: off writes nowhere, stderr is the given writer, a path is
// a file opened for append with mode 0600.
func TestOpenLog(t *testing.T) {
	if w, err := OpenLog(LogOff, os.Stderr); w != nil || err != nil {
		t.Errorf("OpenLog(off) = %v, %v; want nothing", w, err)
	}
	var stderr bytes.Buffer
	w, err := OpenLog(LogStderr, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("x\n"))
	if err := w.Close(); err != nil || stderr.String() != "x\n" {
		t.Errorf("stderr got %q, close %v", stderr.String(), err)
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte("earlier\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		f, err := OpenLog(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := New(Options{Log: f})
		r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditKeyRotated})
		r.Close(t.Context())
		f.Close()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Scan()
	if sc.Text() != "earlier" {
		t.Errorf("the file was not appended to: %q", data)
	}
	n := 0
	for sc.Scan() {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil || v["type"] != tokenmint.AuditKeyRotated {
			t.Errorf("line %q: %v", sc.Text(), err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d events in the file, want 2", n)
	}
	created := filepath.Join(t.TempDir(), "new.log")
	f, err := OpenLog(created, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, err := os.Stat(created); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("created audit log: %v, %v; want mode 0600", fi.Mode(), err)
	}
	if _, err := OpenLog(filepath.Join(t.TempDir(), "missing", "audit.log"), nil); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenLog in a missing directory: %v, want a not-exist error", err)
	}
}

// BenchmarkRecord is the cost a token request pays: the writer runs
// behind it with no store.
func BenchmarkRecord(b *testing.B) {
	r := New(Options{})
	defer r.Close(context.Background())
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued, ClientID: "c1",
				Details: map[string]string{"grant": "client_credentials", "format": "jwt", "jti": "x"}})
		}
	})
}

// TestIDsSortAsRecorded: events of one instant get IDs in the order they
// were recorded, and every ID has the same length.
func TestIDsSortAsRecorded(t *testing.T) {
	store := &memStore{}
	r := newRecorder(t, Options{Store: store, FlushInterval: time.Hour})
	for range 300 {
		r.Record(t.Context(), tokenmint.AuditEvent{Type: tokenmint.AuditTokenIssued})
	}
	flush(t, r)
	got := store.all()
	if !slices.IsSortedFunc(got, func(a, b tokenmint.AuditEvent) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("IDs of one instant do not sort in recording order")
	}
	for _, e := range got {
		if len(e.ID) != 40 || strings.ContainsAny(e.ID, "+/=") {
			t.Fatalf("ID %q: want 40 URL-safe characters", e.ID)
		}
	}
}
