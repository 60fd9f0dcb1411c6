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

	"github.com/tokenmint/tokenmint/cmd/tokenmint-bench/internal/load"
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
	type captured struct {
		data []byte
		err  error
	}
	got := make(chan captured, 1)
	go func() {
		if !sleepCtx(ctx, lead) {
			got <- captured{err: ctx.Err()}
			return
		}
		data, err := fetchProfile(ctx, m.srv.base, d)
		got <- captured{data, err}
	}()
	_, err = load.Run(ctx, load.Options{Addr: m.srv.addr, Conns: m.opts.conns, Duration: d + 2*lead}, newSource)
	c := <-got
	if err != nil {
		return "", err
	}
	if c.err != nil {
		return "", c.err
	}
	return m.prof.save(ctx, s.name, c.data)
}

func fetchProfile(ctx context.Context, base string, d time.Duration) ([]byte, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: d + 30*time.Second}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch cpu profile: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read cpu profile: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch cpu profile: %s (is TOKENMINT_PPROF honoured?): %.200s", resp.Status, data)
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
