package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"sync"
	"time"

	"github.com/tokenmint/tokenmint/bench/internal/load"
)

// phaseResult summarises one load phase.
type phaseResult struct {
	Rate       float64       `json:"rate,omitempty"` // open loop: target requests/s
	Throughput float64       `json:"throughput"`     // 2xx answers/s
	Requests   int64         `json:"requests"`       // answers + transport errors
	NonOK      int64         `json:"non_2xx"`        // non-2xx answers + transport errors
	Count5xx   int64         `json:"count_5xx"`
	Errors     int64         `json:"transport_errors"`
	Status     map[int]int64 `json:"status,omitempty"`
	FirstError string        `json:"first_error,omitempty"`
	P50        time.Duration `json:"p50_ns"`
	P99        time.Duration `json:"p99_ns"`
	P999       time.Duration `json:"p999_ns"`
	Max        time.Duration `json:"max_ns"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	Exhausted  bool          `json:"exhausted,omitempty"`
}

func newPhaseResult(r *load.Result, rate float64) phaseResult {
	return phaseResult{
		Rate: rate, Throughput: r.Throughput(), Requests: r.Answers + r.Errors,
		NonOK: r.NonOK(), Count5xx: r.Count5xx(), Errors: r.Errors, Status: r.Status, FirstError: r.FirstError,
		P50: r.Latency.QuantileDuration(0.5), P99: r.Latency.QuantileDuration(0.99),
		P999: r.Latency.QuantileDuration(0.999), Max: time.Duration(r.Latency.Max()),
		Elapsed: r.Elapsed, Exhausted: r.Exhausted,
	}
}

// scenarioResult is everything measured for one scenario on one backend.
type scenarioResult struct {
	Name   string      `json:"name"`
	Closed phaseResult `json:"closed"` // maximum throughput
	Open   phaseResult `json:"open"`   // at loadFraction of the maximum
	// CPUPer1k is server CPU seconds per 1,000 requests in the closed
	// loop; GenCPUPer1k the load generator's own.
	CPUPer1k    float64 `json:"server_cpu_s_per_1k"`
	GenCPUPer1k float64 `json:"generator_cpu_s_per_1k"`
	// The same in the open loop, warm-up included.
	OpenCPUPer1k    float64 `json:"open_server_cpu_s_per_1k"`
	OpenGenCPUPer1k float64 `json:"open_generator_cpu_s_per_1k"`
	PeakRSS         int64   `json:"peak_rss_bytes"`
	// PeakIsLifetime is set when the peak could not be reset before the
	// scenario, so PeakRSS is the process's peak so far.
	PeakIsLifetime bool    `json:"peak_is_lifetime,omitempty"`
	FloorRatio     float64 `json:"floor_ratio"`
	ProfileTop     string  `json:"profile_top,omitempty"` // path of the pprof -top listing
}

// usage is a sample of server and generator resource counters.
type usage struct {
	at        time.Time
	serverCPU time.Duration
	genCPU    time.Duration
}

func sampleUsage(pid int) (usage, error) {
	u := usage{at: time.Now()}
	var err error
	if u.serverCPU, err = procCPU(pid); err != nil {
		return u, err
	}
	u.genCPU, err = procCPU(os.Getpid())
	return u, err
}

// perThousand converts CPU used over the wall time between two samples
// into seconds per 1,000 requests at the phase's request rate.
func perThousand(cpu, wall time.Duration, reqRate float64) float64 {
	if wall <= 0 || reqRate <= 0 {
		return math.NaN()
	}
	return cpu.Seconds() / (reqRate * wall.Seconds()) * 1000
}

// measurer runs the phases of each scenario against one server.
type measurer struct {
	opts options
	srv  *serverProc
	fix  *fixture
	prof *profiler // nil: no profiles and no traces
	// maxRate remembers each scenario's closed-loop maximum, to size the
	// code pools of single-use scenarios.
	maxRate map[string]float64
}

// measure runs scenario s: closed loop for its maximum, open loop at a
// fraction of it, and the optional profiling and tracing passes.
func (m *measurer) measure(ctx context.Context, s scenario) (scenarioResult, error) {
	res := scenarioResult{Name: s.name}
	if err := m.closedLoop(ctx, s, &res); err != nil {
		return res, fmt.Errorf("%s closed loop: %w", s.name, err)
	}
	m.maxRate[s.name] = res.Closed.Throughput
	if rate := m.opts.loadFraction * res.Closed.Throughput; rate >= 1 {
		if err := m.openLoop(ctx, s, rate, &res); err != nil {
			return res, fmt.Errorf("%s open loop: %w", s.name, err)
		}
		if m.opts.trace > 0 {
			if err := m.trace(ctx, s, rate); err != nil {
				return res, fmt.Errorf("%s trace: %w", s.name, err)
			}
		}
	}
	if m.opts.profile > 0 {
		top, err := m.profile(ctx, s)
		if err != nil {
			return res, fmt.Errorf("%s profile: %w", s.name, err)
		}
		res.ProfileTop = relPath(m.opts.out, top)
	}
	return res, nil
}

// closedLoop finds the maximum and measures server CPU and peak RSS over
// the measured window (the warm-up excluded).
func (m *measurer) closedLoop(ctx context.Context, s scenario, res *scenarioResult) error {
	pid := m.srv.pid()
	var before usage
	var sampleErr error
	var wg sync.WaitGroup
	newSource, err := s.sources(ctx, m.fix, m.opts.conns, m.need(s, m.opts.warmup+m.opts.duration, 0))
	if err != nil {
		return err
	}
	wg.Add(1)
	timer := time.AfterFunc(m.opts.warmup, func() {
		defer wg.Done()
		res.PeakIsLifetime = resetPeakRSS(pid) != nil
		before, sampleErr = sampleUsage(pid)
	})
	r, err := load.Run(ctx, load.Options{Addr: m.srv.addrFor(s), Conns: m.opts.conns, Warmup: m.opts.warmup, Duration: m.opts.duration}, newSource)
	if err != nil {
		if timer.Stop() {
			wg.Done()
		}
		wg.Wait()
		return err
	}
	after, err := sampleUsage(pid)
	wg.Wait()
	if err != nil || sampleErr != nil {
		return fmt.Errorf("sample process usage: %w", coalesce(err, sampleErr))
	}
	if _, res.PeakRSS, err = procMemory(pid); err != nil {
		return err
	}
	res.Closed = newPhaseResult(r, 0)
	wall := after.at.Sub(before.at)
	reqRate := float64(res.Closed.Requests) / r.Elapsed.Seconds()
	res.CPUPer1k = perThousand(after.serverCPU-before.serverCPU, wall, reqRate)
	res.GenCPUPer1k = perThousand(after.genCPU-before.genCPU, wall, reqRate)
	return nil
}

// openLoop measures latency at rate, and the CPU the server and the
// generator spend per request at that rate.
func (m *measurer) openLoop(ctx context.Context, s scenario, rate float64, res *scenarioResult) error {
	newSource, err := s.sources(ctx, m.fix, m.opts.openConns, m.need(s, m.opts.warmup+m.opts.duration, rate))
	if err != nil {
		return err
	}
	before, err := sampleUsage(m.srv.pid())
	if err != nil {
		return err
	}
	r, err := load.Run(ctx, load.Options{Addr: m.srv.addrFor(s), Conns: m.opts.openConns, Warmup: m.opts.warmup, Duration: m.opts.duration, Rate: rate}, newSource)
	if err != nil {
		return err
	}
	after, err := sampleUsage(m.srv.pid())
	if err != nil {
		return err
	}
	res.Open = newPhaseResult(r, rate)
	wall := after.at.Sub(before.at)
	sent := rate * (m.opts.warmup + m.opts.duration).Seconds() // every scheduled request
	res.OpenCPUPer1k = perThousand(after.serverCPU-before.serverCPU, wall, sent/wall.Seconds())
	res.OpenGenCPUPer1k = perThousand(after.genCPU-before.genCPU, wall, sent/wall.Seconds())
	return nil
}

// need estimates how many requests a phase of length d at rate (0: the
// closed loop) sends, for scenarios that spend a minted credential per
// request. A closed loop uses the scenario's own maximum when it is
// known (the profiling pass) with a fifth as margin; before that it
// borrows the closest scenario already measured (refresh, then
// cc-opaque, both one write transaction per request) with half again as
// margin. A pool that still runs out ends the phase early, and the
// report says so.
func (m *measurer) need(s scenario, d time.Duration, rate float64) int {
	if !s.singleUse {
		return 0
	}
	if rate <= 0 {
		rate = m.estimate(s.name)
	}
	n := int(rate*d.Seconds()) + 2*max(m.opts.conns, m.opts.openConns)
	return min(n, 500_000)
}

func (m *measurer) estimate(name string) float64 {
	if r := m.maxRate[name]; r > 0 {
		return 1.2 * r
	}
	// private_key_jwt and DPoP do what cc-jwt-es256 does and more: its
	// maximum bounds theirs.
	if r := m.maxRate["cc-jwt-es256"]; (name == scenarioPKJWT || name == scenarioDPoP) && r > 0 {
		return 1.1 * r
	}
	for _, hint := range []string{scenarioRefresh, scenarioCCOpaque} {
		if r := m.maxRate[hint]; r > 0 {
			return 1.5 * r
		}
	}
	return 3000
}

func coalesce(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// addrFor is the address the scenario's requests go to.
func (s *serverProc) addrFor(sc scenario) string {
	if sc.aid {
		return s.aids
	}
	return s.addr
}
