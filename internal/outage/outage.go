package outage

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultSummaryEvery is how often, at most, a continuing outage is
// summarized.
const DefaultSummaryEvery = 30 * time.Second

// Options tune a Reporter; the zero value is production.
type Options struct {
	SummaryEvery time.Duration // default DefaultSummaryEvery
	Now          func() time.Time
}

// Reporter follows one dependency's outages and logs them. It is safe
// for concurrent use.
type Reporter struct {
	name  string
	out   slog.Handler
	every time.Duration
	now   func() time.Time

	down atomic.Bool // read without the lock on every Recovered

	mu         sync.Mutex
	since      time.Time // the outage's first failure
	summarized time.Time // the last line logged about it
	failures   int       // in the whole outage
	suppressed int       // since the last line
	last       slog.Record
}

// New returns a Reporter of the dependency name ("database"), writing
// its lines to out.
func New(out slog.Handler, name string, opts Options) *Reporter {
	if opts.SummaryEvery <= 0 {
		opts.SummaryEvery = DefaultSummaryEvery
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Reporter{name: name, out: out, every: opts.SummaryEvery, now: opts.Now}
}

// Down reports whether an outage is going on: a failure was reported
// and no recovery since.
func (r *Reporter) Down() bool { return r.down.Load() }

// Failed reports a failure, rec being the warning that would have said
// so. The first of an outage is logged, as "NAME outage started" with
// rec's message as "first" and its attributes; the next are counted, and
// logged as one summary ("NAME outage continues") once SummaryEvery has
// passed since the last line.
func (r *Reporter) Failed(ctx context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	at := rec.Time
	if at.IsZero() {
		at = r.now()
	}
	r.failures++
	r.last = rec.Clone()
	if !r.down.Load() {
		r.since, r.summarized, r.suppressed = at, at, 0
		r.down.Store(true)
		line := slog.NewRecord(at, rec.Level, r.name+" outage started", rec.PC)
		line.AddAttrs(slog.String("dependency", r.name), slog.String("first", rec.Message))
		rec.Attrs(func(a slog.Attr) bool { line.AddAttrs(a); return true })
		return r.out.Handle(ctx, line)
	}
	r.suppressed++
	if at.Sub(r.summarized) < r.every {
		return nil
	}
	line := slog.NewRecord(at, rec.Level, r.name+" outage continues", 0)
	line.AddAttrs(slog.String("dependency", r.name), slog.Duration("for", at.Sub(r.since)),
		slog.Int("failures_suppressed", r.suppressed), slog.String("last", rec.Message))
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			line.AddAttrs(a)
		}
		return true
	})
	r.summarized, r.suppressed = at, 0
	return r.out.Handle(ctx, line)
}

// Recovered reports that the dependency answered: an outage going on
// ends, logged as "NAME outage ended" with its duration and number of
// failures. It costs an atomic load when there is none.
func (r *Reporter) Recovered(ctx context.Context) {
	if !r.down.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.down.Load() {
		return
	}
	at := r.now()
	line := slog.NewRecord(at, slog.LevelInfo, r.name+" outage ended", 0)
	line.AddAttrs(slog.String("dependency", r.name), slog.Duration("duration", at.Sub(r.since)),
		slog.Int("failures", r.failures), slog.Int("failures_suppressed", r.suppressed))
	r.down.Store(false)
	r.failures, r.suppressed, r.last = 0, 0, slog.Record{}
	if r.out.Enabled(ctx, slog.LevelInfo) {
		r.out.Handle(ctx, line)
	}
}
