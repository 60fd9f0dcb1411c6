package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tokenmint/tokenmint/bench/internal/load"
)

// profiler captures CPU profiles of the server under load from its
// /debug/pprof/ (mounted because the benchmark sets TOKENMINT_PPROF=1).
type profiler struct {
	gobin   string
	dir     string // where profiles and their -top listings go
	backend string
}

// profile drives s closed loop while the server records a CPU profile
// of opts.profile, then saves the profile and `go tool pprof -top` of it.
// It returns the path of the listing. The profiling pass is separate from
// the measured phases so that profiling's own cost never skews a figure.
func (m *measurer) profile(ctx context.Context, s scenario) (string, error) {
	lead := 500 * time.Millisecond // load runs before and after the profile
	d := m.opts.profile
	// Sources first: minting codes must not land in the profile.
	newSource, err := s.sources(ctx, m.fix, m.opts.conns, m.need(s, d+2*lead, 0))
	if err != nil {
		return "", err
	}
	wait := capture(ctx, m.srv.aidsBase, "profile", lead, d)
	_, err = load.Run(ctx, load.Options{Addr: m.srv.addrFor(s), Conns: m.opts.conns, Duration: d + 2*lead}, newSource)
	data, cerr := wait()
	if err = coalesce(err, cerr); err != nil {
		return "", err
	}
	return m.prof.save(ctx, s.name, data)
}

// trace drives s open loop at rate while the server records an
// execution trace of opts.trace, and saves it as
// <backend>-<scenario>.trace for `go tool trace`. Like the profile it is
// a pass of its own: tracing costs the server CPU, so it never runs in a
// measured phase.
func (m *measurer) trace(ctx context.Context, s scenario, rate float64) error {
	lead := 500 * time.Millisecond
	d := m.opts.trace
	newSource, err := s.sources(ctx, m.fix, m.opts.openConns, m.need(s, d+2*lead, rate))
	if err != nil {
		return err
	}
	wait := capture(ctx, m.srv.aidsBase, "trace", lead, d)
	_, err = load.Run(ctx, load.Options{Addr: m.srv.addrFor(s), Conns: m.opts.openConns, Duration: d + 2*lead, Rate: rate}, newSource)
	data, cerr := wait()
	if err = coalesce(err, cerr); err != nil {
		return err
	}
	if err := os.MkdirAll(m.prof.dir, 0o755); err != nil {
		return fmt.Errorf("trace dir: %w", err)
	}
	return os.WriteFile(filepath.Join(m.prof.dir, m.prof.backend+"-"+s.name+".trace"), data, 0o644)
}

// capture starts recording d of the server's /debug/pprof/KIND after
// delay; the returned function waits for the recording.
func capture(ctx context.Context, base, kind string, delay, d time.Duration) func() ([]byte, error) {
	type captured struct {
		data []byte
		err  error
	}
	got := make(chan captured, 1)
	go func() {
		if !sleepCtx(ctx, delay) {
			got <- captured{err: ctx.Err()}
			return
		}
		data, err := fetchPprof(ctx, base, kind, d)
		got <- captured{data, err}
	}()
	return func() ([]byte, error) {
		c := <-got
		return c.data, c.err
	}
}

// fetchPprof records d of the server's /debug/pprof/KIND ("profile"
// for CPU, "trace" for an execution trace) and returns it.
func fetchPprof(ctx context.Context, base, kind string, d time.Duration) ([]byte, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/"+kind+"?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: d + 30*time.Second}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", kind, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", kind, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s (is TOKENMINT_PPROF honoured?): %.200s", kind, resp.Status, data)
	}
	return data, nil
}

// save writes the profile and its top functions (by flat and by
// cumulative time) next to the results.
func (p *profiler) save(ctx context.Context, scenario string, data []byte) (string, error) {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return "", fmt.Errorf("profile dir: %w", err)
	}
	base := filepath.Join(p.dir, p.backend+"-"+scenario)
	if err := os.WriteFile(base+".pb.gz", data, 0o644); err != nil {
		return "", fmt.Errorf("write profile: %w", err)
	}
	var listing bytes.Buffer
	for _, args := range [][]string{{"-top", "-nodecount=25"}, {"-top", "-cum", "-nodecount=25"}} {
		cmd := exec.CommandContext(ctx, p.gobin, append(append([]string{"tool", "pprof"}, args...), base+".pb.gz")...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("go tool pprof: %w: %s", err, out)
		}
		listing.Write(out)
		listing.WriteString("\n")
	}
	if err := os.WriteFile(base+".top.txt", listing.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("write profile listing: %w", err)
	}
	return base + ".top.txt", nil
}

// sleepCtx waits for d or until ctx ends, reporting whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
