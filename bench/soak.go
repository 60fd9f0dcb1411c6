package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/tokenmint/tokenmint/bench/internal/load"
)

// minJudgedSoak is the shortest soak whose flatness is judged: the soak
// client's tokens live one minute and the janitor runs every minute, so
// the token table reaches its steady size after about two; judging needs
// as long again after that.
const minJudgedSoak = 4 * time.Minute

// soakSample is one reading of the server during the soak.
type soakSample struct {
	At         time.Duration `json:"t_ns"` // since the soak began
	RSS        int64         `json:"rss_bytes"`
	GoBytes    int64         `json:"go_bytes"` // held by the Go runtime: obtained from the OS less released
	Goroutines int           `json:"goroutines"`
	DBBytes    int64         `json:"db_bytes"`
}

// verdict says whether one metric stayed flat.
type verdict struct {
	Metric string  `json:"metric"`
	First  float64 `json:"first_third_mean"`
	Last   float64 `json:"last_third_mean"`
	Max    float64 `json:"max"`
	Growth float64 `json:"growth"` // (last − first) / first
	Flat   bool    `json:"flat"`
	Rule   string  `json:"rule"`
}

// soakResult is the outcome of a soak.
type soakResult struct {
	Backend  string        `json:"backend"`
	Scenario string        `json:"scenario"`
	Rate     float64       `json:"rate"`
	Duration time.Duration `json:"duration_ns"`
	Load     phaseResult   `json:"load"`
	Samples  []soakSample  `json:"samples"`
	Settle   time.Duration `json:"settle_ns"`
	Judged   bool          `json:"judged"` // long enough to judge flatness
	Verdicts []verdict     `json:"verdicts,omitempty"`
	// ProfileTop is the -top listing of a CPU profile taken mid-soak.
	ProfileTop string `json:"profile_top,omitempty"`
}

// Flat reports whether every judged metric stayed flat.
func (r *soakResult) Flat() bool {
	for _, v := range r.Verdicts {
		if !v.Flat {
			return false
		}
	}
	return r.Judged
}

// Zero5xx reports that no request failed on the server's side: no 5xx
// answer and no transport error.
func (r *soakResult) Zero5xx() bool {
	return r.Load.Count5xx == 0 && r.Load.Errors == 0 && r.Load.Requests > 0
}

// dbSizer reports the size of the database on disk.
type dbSizer func(ctx context.Context) (int64, error)

// sqliteSize is the SQLite file plus its write-ahead log.
func sqliteSize(path string) dbSizer {
	return func(context.Context) (int64, error) {
		var total int64
		for _, p := range []string{path, path + "-wal"} {
			fi, err := os.Stat(p)
			if errors.Is(err, os.ErrNotExist) && p != path {
				continue
			}
			if err != nil {
				return 0, fmt.Errorf("database size: %w", err)
			}
			total += fi.Size()
		}
		return total, nil
	}
}

// soak holds the soak scenario open loop at rate for the duration,
// sampling the server every interval.
func (m *measurer) soak(ctx context.Context, s scenario, rate float64, size dbSizer) (*soakResult, error) {
	o := m.opts
	res := &soakResult{Scenario: s.name, Rate: rate, Duration: o.soak, Settle: min(o.soak/2, 3*time.Minute)}
	newSource, err := m.soakSources(ctx, s)
	if err != nil {
		return nil, err
	}
	type outcome struct {
		r   *load.Result
		err error
	}
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		r, err := load.Run(ctx, load.Options{Addr: m.srv.addr, Conns: o.openConns, Duration: o.soak, Rate: rate}, newSource)
		done <- outcome{r, err}
	}()
	prof := m.soakProfile(ctx, s.name)
	tick := time.NewTicker(o.soakInterval)
	defer tick.Stop()
	for {
		select {
		case out := <-done:
			if out.err != nil {
				return nil, out.err
			}
			res.Load = newPhaseResult(out.r, rate)
			res.judge(o.soak)
			if res.ProfileTop, err = prof(); err != nil {
				return nil, err
			}
			return res, nil
		case <-tick.C:
			smp, err := m.sampleServer(ctx, size, time.Since(start))
			if err != nil {
				return nil, fmt.Errorf("soak sample: %w", err)
			}
			res.Samples = append(res.Samples, smp)
		}
	}
}

// soakProfile starts a CPU profile of the middle of the soak, when
// profiling is on; the returned function waits for it and saves it.
func (m *measurer) soakProfile(ctx context.Context, name string) func() (string, error) {
	if m.opts.profile == 0 {
		return func() (string, error) { return "", nil }
	}
	d := min(m.opts.profile, m.opts.soak/2)
	wait := capture(ctx, m.srv.aidsBase, "profile", m.opts.soak/2-d/2, d)
	return func() (string, error) {
		data, err := wait()
		if err != nil {
			return "", fmt.Errorf("soak profile: %w", err)
		}
		top, err := m.prof.save(ctx, "soak-"+name, data)
		return relPath(m.opts.out, top), err
	}
}

// soakSources uses the soak client (one-minute tokens) for cc-opaque, so
// that the janitor can keep the table flat within the soak.
func (m *measurer) soakSources(ctx context.Context, s scenario) (load.NewSource, error) {
	if s.name == scenarioCCOpaque {
		return ccSources(func(f *fixture) clientCreds { return f.soak })(ctx, m.fix, m.opts.openConns, 0)
	}
	return s.sources(ctx, m.fix, m.opts.openConns, 0)
}

func (m *measurer) sampleServer(ctx context.Context, size dbSizer, at time.Duration) (soakSample, error) {
	rss, _, err := procMemory(m.srv.pid())
	if err != nil {
		return soakSample{}, err
	}
	g, goBytes, err := runtimeGauges(ctx, m.srv.aidsBase) // metrics are on the admin listener
	if err != nil {
		return soakSample{}, err
	}
	db, err := size(ctx)
	if err != nil {
		return soakSample{}, err
	}
	return soakSample{At: at, RSS: rss, GoBytes: goBytes, Goroutines: g, DBBytes: db}, nil
}

// runtimeGauges reads the server's goroutines and the memory its Go
// runtime holds from its Prometheus /metrics: what the runtime obtained
// from the OS less what it released. RSS growing while that stays flat is
// memory outside Go (on SQLite, the driver's C allocator).
func runtimeGauges(ctx context.Context, base string) (goroutines int, goBytes int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("metrics: %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, 0, fmt.Errorf("read metrics: %w", err)
	}
	var sys, released int
	for _, f := range []struct {
		name string
		v    *int
	}{
		{"go_goroutines", &goroutines},
		{"go_memstats_sys_bytes", &sys},
		{"go_memstats_heap_released_bytes", &released},
	} {
		if *f.v, err = parseGauge(bytes.NewReader(body), f.name); err != nil {
			return 0, 0, err
		}
	}
	return goroutines, int64(sys - released), nil
}

// parseGauge finds an unlabelled sample in the Prometheus text format.
func parseGauge(r io.Reader, name string) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	prefix := []byte(name + " ")
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), prefix); ok {
			f, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64)
			if err != nil {
				return 0, fmt.Errorf("parse %s: %w", name, err)
			}
			return int(f), nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read metrics: %w", err)
	}
	return 0, fmt.Errorf("metrics have no %s", name)
}

// judge decides flatness from the samples taken after the settling time:
// the mean of their last third against the mean of their first third.
// Memory and database size may grow by at most 10%; goroutines by at most
// 10% or 5, whichever is more.
func (r *soakResult) judge(d time.Duration) {
	var settled []soakSample
	for _, s := range r.Samples {
		if s.At >= r.Settle {
			settled = append(settled, s)
		}
	}
	r.Judged = d >= minJudgedSoak && len(settled) >= 6
	if len(settled) < 3 {
		return
	}
	r.Verdicts = []verdict{
		judgeMetric("rss", settled, func(s soakSample) float64 { return float64(s.RSS) }, 0.10, 0),
		judgeMetric("goroutines", settled, func(s soakSample) float64 { return float64(s.Goroutines) }, 0.10, 5),
		judgeMetric("db_size", settled, func(s soakSample) float64 { return float64(s.DBBytes) }, 0.10, 0),
	}
}

func judgeMetric(name string, samples []soakSample, value func(soakSample) float64, frac, abs float64) verdict {
	third := len(samples) / 3
	mean := func(ss []soakSample) float64 {
		sum := 0.0
		for _, s := range ss {
			sum += value(s)
		}
		return sum / float64(len(ss))
	}
	v := verdict{Metric: name, First: mean(samples[:third]), Last: mean(samples[len(samples)-third:])}
	for _, s := range samples {
		v.Max = math.Max(v.Max, value(s))
	}
	if v.First > 0 {
		v.Growth = (v.Last - v.First) / v.First
	}
	allowed := math.Max(frac*v.First, abs)
	v.Flat = v.Last-v.First <= allowed
	v.Rule = fmt.Sprintf("last-third mean ≤ first-third mean + max(%.0f%%, %g)", frac*100, abs)
	return v
}
