package load

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokenmint/tokenmint/bench/internal/histogram"
)

// Source produces the requests of one worker, which owns one connection;
// its methods are never called concurrently.
type Source interface {
	// Next appends the worker's next request to buf and returns it, or
	// returns ErrExhausted when there is none left.
	Next(buf []byte) ([]byte, error)
	// Observe sees every answer; status is 0 and body nil after a
	// transport error. body is valid only during the call.
	Observe(status int, body []byte)
}

// NewSource returns the Source of worker i.
type NewSource func(i int) (Source, error)

// Options describe one load run.
type Options struct {
	Addr  string // host:port of the server
	Conns int    // keep-alive connections, one worker each
	// Warmup is run first at the same load and not recorded.
	Warmup   time.Duration
	Duration time.Duration // the measured window
	// Rate, in requests per second, selects the open loop; 0 is the
	// closed loop.
	Rate    float64
	Timeout time.Duration // per round trip; default 10 s
}

func (o *Options) validate() error {
	switch {
	case o.Addr == "":
		return errors.New("no address")
	case o.Conns < 1:
		return errors.New("conns must be at least 1")
	case o.Duration <= 0:
		return errors.New("duration must be positive")
	case o.Rate < 0 || o.Warmup < 0:
		return errors.New("rate and warmup cannot be negative")
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	return nil
}

// Result is what a run measured. Only answers completed inside the
// measured window count.
type Result struct {
	// Answers counts every status received; Errors counts transport
	// failures (timeouts, resets), which got no status.
	Answers int64
	OK      int64         // 2xx answers
	Status  map[int]int64 // count per non-2xx status
	Errors  int64
	// FirstError describes the first transport failure or source error.
	FirstError string
	Elapsed    time.Duration // length of the measured window
	Latency    *histogram.Histogram
	// Exhausted reports that a source ran out of requests before the end
	// (the window then ends at the last answer).
	Exhausted bool
	// Unsent counts open-loop requests whose source was exhausted.
	Unsent int64
}

// Throughput is 2xx answers per second over the measured window.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// NonOK counts answers that were not 2xx plus transport errors.
func (r *Result) NonOK() int64 { return r.Answers - r.OK + r.Errors }

// Count5xx counts 5xx answers.
func (r *Result) Count5xx() int64 {
	var n int64
	for s, c := range r.Status {
		if s >= 500 && s <= 599 {
			n += c
		}
	}
	return n
}

// Run drives load as opts describe and returns what was measured. It
// stops early, returning ctx's error, when ctx ends.
func Run(ctx context.Context, opts Options, newSource NewSource) (*Result, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("load options: %w", err)
	}
	workers := make([]*worker, opts.Conns)
	for i := range workers {
		src, err := newSource(i)
		if err != nil {
			return nil, fmt.Errorf("source %d: %w", i, err)
		}
		workers[i] = newWorker(opts, src)
	}
	p := newPlan(opts, time.Now())
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.conn.Close()
			w.run(ctx, p)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return p.merge(workers), nil
}

// plan is the shared timeline of a run.
type plan struct {
	start        time.Time // warm-up begins
	measureStart time.Time
	end          time.Time // closed loop: stop sending; open loop: last due time
	rate         float64
	total        int64 // open loop: requests scheduled, warm-up included
	warm         int64 // open loop: of which warm-up
	next         atomic.Int64
}

func newPlan(opts Options, now time.Time) *plan {
	p := &plan{start: now, measureStart: now.Add(opts.Warmup), rate: opts.Rate}
	p.end = p.measureStart.Add(opts.Duration)
	if opts.Rate > 0 {
		p.warm = int64(opts.Rate * opts.Warmup.Seconds())
		p.total = p.warm + int64(opts.Rate*opts.Duration.Seconds())
		// The measured window starts at the first measured due time.
		p.measureStart = p.due(p.warm)
	}
	return p
}

// due is when open-loop request i is to be sent: on a fixed timeline,
// whatever happened to the requests before it.
func (p *plan) due(i int64) time.Time {
	return p.start.Add(time.Duration(float64(i) * float64(time.Second) / p.rate))
}

func (p *plan) merge(workers []*worker) *Result {
	r := &Result{Status: map[int]int64{}, Latency: histogram.New()}
	last := p.measureStart
	for _, w := range workers {
		r.Answers += w.answers
		r.OK += w.ok
		r.Errors += w.errors
		r.Unsent += w.unsent
		r.Exhausted = r.Exhausted || w.exhausted
		r.Latency.Merge(w.hist)
		for s, c := range w.status {
			if c > 0 {
				r.Status[s] += c
			}
		}
		if r.FirstError == "" {
			r.FirstError = w.firstErr
		}
		if w.last.After(last) {
			last = w.last
		}
	}
	// The window ends at the last answer when that is later than the
	// last due time (an open loop the server lags behind) or when a source
	// ran out early.
	r.Elapsed = p.end.Sub(p.measureStart)
	if (p.rate > 0 && last.After(p.end)) || r.Exhausted {
		r.Elapsed = last.Sub(p.measureStart)
	}
	return r
}

// worker owns one connection and its own counters.
type worker struct {
	conn      *Conn
	src       Source
	buf       []byte
	hist      *histogram.Histogram
	status    [600]int64
	answers   int64
	ok        int64
	errors    int64
	unsent    int64
	exhausted bool
	firstErr  string
	last      time.Time // last measured completion
	timer     *time.Timer
}

func newWorker(opts Options, src Source) *worker {
	return &worker{conn: Dial(opts.Addr, opts.Timeout), src: src, hist: histogram.New(), buf: make([]byte, 0, 4096)}
}

func (w *worker) run(ctx context.Context, p *plan) {
	if p.rate > 0 {
		w.openLoop(ctx, p)
	} else {
		w.closedLoop(ctx, p)
	}
}

// closedLoop sends back to back until the end; an answer counts when it
// completes inside the measured window, its latency from its own send.
func (w *worker) closedLoop(ctx context.Context, p *plan) {
	for ctx.Err() == nil {
		sent := time.Now()
		if !sent.Before(p.end) {
			return
		}
		a, ok := w.exchange()
		if !ok {
			return
		}
		if !a.done.Before(p.measureStart) && !a.done.After(p.end) {
			w.record(a, a.done.Sub(sent))
		}
	}
}

// openLoop claims the next due time on the shared timeline, waits for it
// and sends; latency runs from the due time, so time spent waiting for
// this connection to be free is counted, not omitted.
func (w *worker) openLoop(ctx context.Context, p *plan) {
	for ctx.Err() == nil {
		i := p.next.Add(1) - 1
		if i >= p.total {
			return
		}
		due := p.due(i)
		if !w.sleepUntil(ctx, due) {
			return
		}
		if w.exhausted {
			w.unsent++
			continue
		}
		a, ok := w.exchange()
		if !ok {
			w.unsent++
			continue
		}
		if i >= p.warm {
			w.record(a, a.done.Sub(due))
		}
	}
}

// exchange sends the source's next request and lets it observe the
// answer; ok is false when the source had none.
func (w *worker) exchange() (answer, bool) {
	req, err := w.src.Next(w.buf[:0])
	if err != nil {
		w.sourceError(err)
		return answer{}, false
	}
	w.buf = req
	status, body, err := w.conn.RoundTrip(req)
	a := answer{status: status, err: err, done: time.Now()}
	w.src.Observe(status, body)
	return a, true
}

// answer is the outcome of one round trip.
type answer struct {
	status int
	err    error
	done   time.Time
}

func (w *worker) sourceError(err error) {
	w.exhausted = true
	if !errors.Is(err, ErrExhausted) && w.firstErr == "" {
		w.firstErr = "source: " + err.Error()
	}
}

func (w *worker) record(a answer, latency time.Duration) {
	w.last = a.done
	if a.err != nil {
		w.errors++
		if w.firstErr == "" {
			w.firstErr = a.err.Error()
		}
		return
	}
	w.answers++
	w.hist.RecordDuration(latency)
	switch {
	case a.status >= 200 && a.status <= 299:
		w.ok++
	case a.status > 0 && a.status < len(w.status):
		w.status[a.status]++
	}
}

// sleepUntil waits for t or until ctx ends, reporting whether t came.
func (w *worker) sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	if w.timer == nil {
		w.timer = time.NewTimer(d)
	} else {
		w.timer.Reset(d)
	}
	select {
	case <-ctx.Done():
		return false
	case <-w.timer.C:
		return true
	}
}
