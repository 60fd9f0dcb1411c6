package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestSmoke runs the whole benchmark briefly: build the server, start it
// as a process (on SQLite; also on PostgreSQL when TOKENMINT_TEST_POSTGRES
// is set), create clients and a user with the CLI, drive every scenario
// closed and open loop, profile nothing, soak for two seconds, write the
// report. It asserts that nothing failed and that every scenario sent
// requests; it asserts no timing, which belongs to BENCHMARKS.md.
func TestSmoke(t *testing.T) {
	out := runBench(t, "about half a minute", 4*time.Minute, "--quick", "--duration", "700ms", "--warmup", "200ms", "--soak", "2s")
	rep := readResults(t, out)
	wantPasses := 1
	if os.Getenv("TOKENMINT_TEST_POSTGRES") != "" {
		wantPasses = 2
	}
	if len(rep.Passes) != wantPasses {
		t.Fatalf("%d passes, want %d", len(rep.Passes), wantPasses)
	}
	for _, p := range rep.Passes {
		checkPass(t, p)
	}
	checkSoak(t, rep.Passes[0].Soak)
	checkChart(t, filepath.Join(out, "chart.png"))
	if _, err := os.Stat(filepath.Join(out, "results.md")); err != nil {
		t.Error(err)
	}
}

// runBench runs the benchmark with args and a fresh results directory,
// which it returns; it skips in -short mode and off Linux.
func runBench(t *testing.T, takes string, timeout time.Duration, args ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the server for " + takes)
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads the server's CPU and memory from /proc")
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out := filepath.Join(t.TempDir(), "results")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, append(args, "--out", out), os.Getenv, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("\n%s", stdout.String())
	return out
}

func readResults(t *testing.T, dir string) report {
	t.Helper()
	js, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	return rep
}

// checkPass asserts every scenario ran both phases without a single
// non-2xx answer or transport error.
func checkPass(t *testing.T, p *passResult) {
	t.Helper()
	if len(p.Scenarios) != len(scenarios) {
		t.Errorf("%s: %d scenarios, want %d", p.Backend, len(p.Scenarios), len(scenarios))
	}
	for _, s := range p.Scenarios {
		for phase, r := range map[string]phaseResult{"closed": s.Closed, "open": s.Open} {
			if r.Requests == 0 {
				t.Errorf("%s %s %s: no requests", p.Backend, s.Name, phase)
			}
			if r.NonOK != 0 || r.Errors != 0 {
				t.Errorf("%s %s %s: %d non-2xx (%v), %d transport errors, first %q", p.Backend, s.Name, phase, r.NonOK, r.Status, r.Errors, r.FirstError)
			}
		}
		if s.PeakRSS <= 0 {
			t.Errorf("%s %s: no peak RSS", p.Backend, s.Name)
		}
	}
}

func checkSoak(t *testing.T, s *soakResult) {
	t.Helper()
	if s == nil {
		t.Fatal("no soak result")
	}
	if !s.Zero5xx() || s.Load.NonOK != 0 {
		t.Errorf("soak: %d requests, %d non-2xx, %d 5xx, %d errors (%q)", s.Load.Requests, s.Load.NonOK, s.Load.Count5xx, s.Load.Errors, s.Load.FirstError)
	}
	if len(s.Samples) == 0 || s.Samples[0].RSS <= 0 || s.Samples[0].GoBytes <= 0 || s.Samples[0].Goroutines <= 0 || s.Samples[0].DBBytes <= 0 {
		t.Errorf("soak samples incomplete: %+v", s.Samples)
	}
}

func checkChart(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("chart: %v", err)
	}
}

// TestSmokeTrace: --trace saves an execution trace of the server per
// scenario, in the format `go tool trace` reads.
func TestSmokeTrace(t *testing.T) {
	out := runBench(t, "a few seconds", 2*time.Minute, "--quick", "--postgres", "", "--scenarios", "floor,introspect-jwt",
		"--duration", "500ms", "--warmup", "100ms", "--trace", "1s")
	for _, name := range []string{"floor", "introspect-jwt"} {
		data, err := os.ReadFile(filepath.Join(out, "profiles", "sqlite-"+name+".trace"))
		if err != nil {
			t.Fatal(err)
		}
		// An execution trace starts "go 1.NN trace\x00\x00\x00".
		if !bytes.HasPrefix(data, []byte("go 1.")) || !bytes.Contains(data[:min(len(data), 16)], []byte(" trace\x00")) || len(data) < 1<<10 {
			t.Errorf("%s: %d bytes starting %q: not an execution trace", name, len(data), data[:min(len(data), 16)])
		}
	}
}
