package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fakeReport() *report {
	ms := time.Millisecond
	sc := func(name string, tput float64, openP99 time.Duration) scenarioResult {
		return scenarioResult{Name: name,
			Closed:   phaseResult{Throughput: tput, Requests: int64(tput * 10), P50: ms, P99: 3 * ms, P999: 5 * ms},
			Open:     phaseResult{Rate: 0.8 * tput, Throughput: 0.8 * tput, Requests: int64(tput * 8), P99: openP99},
			CPUPer1k: 0.05, GenCPUPer1k: 0.01, PeakRSS: 40 << 20}
	}
	p := &passResult{Backend: "sqlite", Scenarios: []scenarioResult{
		sc("floor", 20000, 2*ms),
		sc("cc-jwt-es256", 12000, 4*ms),
		sc("cc-opaque", 5000, 15*ms),
		sc("introspect-opaque", 13000, 3*ms),
	}}
	p.setRatios()
	return &report{Started: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Commit: "abc123",
		Machine:  machine{CPUs: 2, CPUModel: "test"},
		Settings: settings{Conns: 32, OpenConns: 64, LoadFraction: 0.8, Warmup: "2s", Duration: "10s"},
		Passes:   []*passResult{p}}
}

func TestSetRatios(t *testing.T) {
	p := fakeReport().Passes[0]
	if got := p.find("cc-jwt-es256").FloorRatio; math.Abs(got-0.6) > 1e-9 {
		t.Errorf("es256 ratio = %v, want 0.6", got)
	}
	if p.find("nope") != nil {
		t.Error("find of an unknown scenario returned a result")
	}
}

func TestMarkdownTargets(t *testing.T) {
	var md bytes.Buffer
	fakeReport().markdown(&md)
	out := md.String()
	for _, want := range []string{
		"| JWT ES256 client_credentials ≥ 50% of the floor | sqlite | 0.60 × floor | met |",
		"| opaque client_credentials ≥ 30% of the floor on SQLite | sqlite | 0.25 × floor | **not met** |",
		"| opaque introspection ≥ 60% of the floor | sqlite | 0.65 × floor | met |",
		"| cc-opaque p99 < 10 ms at 80% of its maximum | sqlite | 15.0 ms | **not met** |",
		"| floor p99 < 10 ms at 80% of its maximum | sqlite | 2.00 ms | met |",
		"| cc-jwt-es256 | 12000 | 0.60 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q\n%s", want, out)
		}
	}
	if strings.Contains(out, "PostgreSQL | sqlite") {
		t.Error("a PostgreSQL-only target was reported for sqlite")
	}
}

func TestWriteReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := fakeReport().write(dir); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "chart.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("chart.png: %v", err)
	}
	js, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back report
	if err := json.Unmarshal(js, &back); err != nil || len(back.Passes) != 1 || len(back.Passes[0].Scenarios) != 4 {
		t.Errorf("results.json does not round-trip: %v", err)
	}
}

func TestPerThousand(t *testing.T) {
	tests := []struct {
		name string
		cpu  time.Duration
		wall time.Duration
		rate float64
		want float64
	}{
		{"one core busy at 10k/s", time.Second, time.Second, 10000, 0.1},
		{"half a core at 1k/s", 5 * time.Second, 10 * time.Second, 1000, 0.5},
		{"no wall time", time.Second, 0, 1000, math.NaN()},
		{"no requests", time.Second, time.Second, 0, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := perThousand(tt.cpu, tt.wall, tt.rate)
			if math.IsNaN(tt.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-tt.want) > 1e-9) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFmtDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "–"}, {1234 * time.Microsecond, "1.23 ms"}, {12340 * time.Microsecond, "12.3 ms"}, {123 * time.Millisecond, "123 ms"},
	}
	for _, tt := range tests {
		if got := fmtDuration(tt.in); got != tt.want {
			t.Errorf("fmtDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
