package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenmint/tokenmint"
)

// Defaults of Options.
const (
	DefaultQueueSize     = 16384
	DefaultBatchSize     = 256
	DefaultFlushInterval = 100 * time.Millisecond
)

// warnEvery spaces the warnings about dropped events.
const warnEvery = 10 * time.Second

// defaultRetryDelays are the pauses before a failed store write is tried
// again; after the last, its events count as failed.
var defaultRetryDelays = []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second}

// Options configure a Recorder. The zero value records nothing anywhere
// but counts what it is given.
type Options struct {
	// Store keeps the events; nil stores none.
	Store tokenmint.AuditStore
	// Log receives one JSON object per event and line; nil writes none.
	Log io.Writer
	// QueueSize bounds the events waiting to be written; more are
	// dropped (and counted). Default DefaultQueueSize.
	QueueSize int
	// BatchSize bounds the events of one store transaction. Default
	// DefaultBatchSize.
	BatchSize int
	// FlushInterval is how long an event may wait in the queue. Default
	// DefaultFlushInterval.
	FlushInterval time.Duration
	// Logger receives the recorder's own warnings. Default: discarded.
	Logger *slog.Logger
	// Now stamps events recorded without a time. Default time.Now.
	Now func() time.Time

	retryDelays []time.Duration // tests shorten them
}

func (o Options) withDefaults() Options {
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.retryDelays == nil {
		o.retryDelays = defaultRetryDelays
	}
	return o
}

// Stats count what a Recorder did with the events it was given.
type Stats struct {
	Stored  uint64 // written to the store (or accepted, without one)
	Dropped uint64 // not queued: the queue was full, or the recorder closed
	Failed  uint64 // refused by the store after every retry
}

// Recorder writes audit events to the log and the store in the
// background. It is safe for concurrent use; Close it to write what is
// queued.
type Recorder struct {
	opts Options
	// mu guards pending, the queue, and closed. The writer swaps the
	// whole queue out at once, so it takes the lock once per drain, not
	// once per event.
	mu      sync.Mutex
	pending []tokenmint.AuditEvent
	closed  bool

	kick  chan struct{}      // wakes the writer early (half-full queue)
	flush chan chan struct{} // Flush requests
	stop  chan struct{}      // closed by Close
	done  chan struct{}      // closed when the writer has exited
	once  sync.Once

	stored, dropped, failed atomic.Uint64
	lastWarn                atomic.Int64 // unix nanoseconds of the last drop warning
}

// New starts a Recorder.
func New(opts Options) *Recorder {
	opts = opts.withDefaults()
	r := &Recorder{
		opts:  opts,
		kick:  make(chan struct{}, 1),
		flush: make(chan chan struct{}),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go r.run()
	return r
}

// Record queues ev to be written. It fills in Time (now) and RequestID
// (from ctx, see tokenmint.WithRequestID) when they are empty; the
// writer gives it an ID (see writer.newID). It never blocks: when the
// queue is full, the event is dropped and counted.
func (r *Recorder) Record(ctx context.Context, ev tokenmint.AuditEvent) {
	if ev.Time.IsZero() {
		ev.Time = r.opts.Now()
	}
	if ev.RequestID == "" {
		ev.RequestID = tokenmint.RequestIDFrom(ctx)
	}
	r.mu.Lock()
	closed, full := r.closed, len(r.pending) >= r.opts.QueueSize
	if !closed && !full {
		r.pending = append(r.pending, ev)
	}
	n := len(r.pending)
	r.mu.Unlock()
	switch {
	case closed:
		r.drop(ctx, ev, "the audit recorder is closed")
	case full:
		r.drop(ctx, ev, "the audit queue is full")
	case n == r.opts.QueueSize/2:
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// take empties the queue and returns what it held; spare is reused as
// the new queue.
func (r *Recorder) take(spare []tokenmint.AuditEvent) []tokenmint.AuditEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.pending
	r.pending = spare[:0]
	return out
}

// drop counts an event that will not be written and warns, at most every
// warnEvery.
func (r *Recorder) drop(ctx context.Context, ev tokenmint.AuditEvent, why string) {
	n := r.dropped.Add(1)
	now := time.Now().UnixNano()
	last := r.lastWarn.Load()
	if now-last < int64(warnEvery) || !r.lastWarn.CompareAndSwap(last, now) {
		return
	}
	r.opts.Logger.WarnContext(ctx, "audit events dropped: "+why, "dropped_total", n, "type", ev.Type)
}

// Stats returns the counts so far.
func (r *Recorder) Stats() Stats {
	return Stats{Stored: r.stored.Load(), Dropped: r.dropped.Load(), Failed: r.failed.Load()}
}

// Flush returns once every event recorded before it was called has been
// written (or counted as failed), or when ctx ends.
func (r *Recorder) Flush(ctx context.Context) error {
	reply := make(chan struct{})
	select {
	case r.flush <- reply:
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-reply:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting events (Record counts them as dropped from then
// on) and returns once those queued are written, or with ctx's error when
// ctx ends first (the writer then goes on in the background: close the
// store only after Close returned nil).
func (r *Recorder) Close(ctx context.Context) error {
	r.once.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		close(r.stop)
	})
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is the writer: every FlushInterval, on a kick, a Flush or Close, it
// writes what has queued.
func (r *Recorder) run() {
	defer close(r.done)
	t := time.NewTicker(r.opts.FlushInterval)
	defer t.Stop()
	w := &writer{r: r}
	for {
		select {
		case <-t.C:
			w.drain(r.stop)
		case <-r.kick:
			w.drain(r.stop)
		case reply := <-r.flush:
			w.drain(r.stop)
			close(reply)
		case <-r.stop:
			w.drain(nil)
			return
		}
	}
}

// writer holds the buffers the writer goroutine reuses.
type writer struct {
	r     *Recorder
	spare []tokenmint.AuditEvent // the queue's next backing array
	batch []tokenmint.AuditEvent
	buf   bytes.Buffer
	line  logLine
	seq   uint32 // of newID
}

// newID returns a unique event ID that sorts as the events were recorded:
// the event's time (unix microseconds), then a sequence number of this
// recorder, both in hex, then 12 random bytes in base64url (40
// characters). Events of one instant keep their order (a sign-in before
// the token it led to), and the store's indexes, which end in (time, ID),
// take each event at their end rather than at a random place.
func (w *writer) newID(t time.Time) string {
	w.seq++
	var raw [24]byte
	binary.BigEndian.PutUint64(raw[:8], uint64(t.UnixMicro()))
	binary.BigEndian.PutUint32(raw[8:12], w.seq)
	rand.Read(raw[12:])
	var enc [40]byte
	hex.Encode(enc[:24], raw[:12])
	base64.RawURLEncoding.Encode(enc[24:], raw[12:])
	return string(enc[:])
}

// drain writes the events queued now, batch by batch. stop, when closed,
// cuts retries short (shutdown: one attempt each).
func (w *writer) drain(stop <-chan struct{}) {
	all := w.r.take(w.spare)
	for i := range all {
		if all[i].ID == "" {
			all[i].ID = w.newID(all[i].Time)
		}
	}
	for rest := all; len(rest) > 0; {
		w.batch = rest[:min(len(rest), w.r.opts.BatchSize)]
		rest = rest[len(w.batch):]
		w.log()
		w.store(stop)
	}
	clear(all) // let the details maps go
	w.spare, w.batch = all[:0], nil
}

// logLine is an event as the audit log writes it: shaped like a line of
// tokenmint's own JSON log (time, level, msg), so one pipeline reads both.
type logLine struct {
	Time      time.Time         `json:"time"`
	Level     string            `json:"level"`
	Msg       string            `json:"msg"`
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	ActorType string            `json:"actor_type,omitempty"`
	Actor     string            `json:"actor,omitempty"`
	ClientID  string            `json:"client_id,omitempty"`
	UserID    string            `json:"user_id,omitempty"`
	IP        string            `json:"ip,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
}

// log writes the batch to the log in one write.
func (w *writer) log() {
	if w.r.opts.Log == nil {
		return
	}
	w.buf.Reset()
	enc := json.NewEncoder(&w.buf)
	for _, ev := range w.batch {
		w.line = logLine{Time: ev.Time.UTC(), Level: "INFO", Msg: "audit", ID: ev.ID, Type: ev.Type,
			ActorType: ev.ActorType, Actor: ev.Actor, ClientID: ev.ClientID, UserID: ev.UserID,
			IP: ev.IP, RequestID: ev.RequestID, Details: ev.Details}
		if err := enc.Encode(&w.line); err != nil {
			w.r.opts.Logger.Error("encode audit event", "type", ev.Type, "err", err)
		}
	}
	if _, err := w.r.opts.Log.Write(w.buf.Bytes()); err != nil {
		w.r.opts.Logger.Error("write the audit log", "events", len(w.batch), "err", err)
	}
}

// store appends the batch, retrying a failure after each of the retry
// delays (not after stop is closed).
func (w *writer) store(stop <-chan struct{}) {
	s := w.r.opts.Store
	if s == nil {
		w.r.stored.Add(uint64(len(w.batch)))
		return
	}
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := s.AppendAuditEvents(ctx, w.batch...)
		cancel()
		if err == nil {
			w.r.stored.Add(uint64(len(w.batch)))
			return
		}
		if errors.Is(err, tokenmint.ErrConflict) && len(w.batch) > 1 {
			w.oneByOne()
			return
		}
		if attempt == len(w.r.opts.retryDelays) || closed(stop) || errors.Is(err, tokenmint.ErrConflict) {
			w.r.failed.Add(uint64(len(w.batch)))
			w.r.opts.Logger.Error("audit events not stored", "events", len(w.batch), "attempts", attempt+1, "err", err)
			return
		}
		w.r.opts.Logger.Warn("store audit events; retrying", "events", len(w.batch), "err", err)
		select {
		case <-time.After(w.r.opts.retryDelays[attempt]):
		case <-stop:
		}
	}
}

// oneByOne stores the events of a batch the store refused for a taken ID
// one at a time, so that one event given an ID twice costs only itself.
func (w *writer) oneByOne() {
	for _, ev := range w.batch {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := w.r.opts.Store.AppendAuditEvents(ctx, ev)
		cancel()
		if err != nil {
			w.r.failed.Add(1)
			w.r.opts.Logger.Error("audit event not stored", "id", ev.ID, "type", ev.Type, "err", err)
			continue
		}
		w.r.stored.Add(1)
	}
}

func closed(c <-chan struct{}) bool {
	if c == nil {
		return true
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}
