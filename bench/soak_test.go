package main

import (
	"strings"
	"testing"
	"time"
)

func samples(n int, f func(i int) soakSample) []soakSample {
	out := make([]soakSample, n)
	for i := range out {
		out[i] = f(i)
		out[i].At = time.Duration(i) * 10 * time.Second
	}
	return out
}

func TestJudge(t *testing.T) {
	tests := []struct {
		name       string
		d          time.Duration
		samples    []soakSample
		wantJudged bool
		wantFlat   bool
		notFlat    string
	}{
		{"flat", 10 * time.Minute, samples(60, func(i int) soakSample {
			return soakSample{RSS: 50<<20 + int64(i%3)<<20, Goroutines: 20 + i%4, DBBytes: 8 << 20}
		}), true, true, ""},
		{"leaking memory", 10 * time.Minute, samples(60, func(i int) soakSample {
			return soakSample{RSS: int64(50+i) << 20, Goroutines: 20, DBBytes: 8 << 20}
		}), true, false, "rss"},
		{"growing database", 10 * time.Minute, samples(60, func(i int) soakSample {
			return soakSample{RSS: 50 << 20, Goroutines: 20, DBBytes: int64(8+i) << 20}
		}), true, false, "db_size"},
		{"leaking goroutines", 10 * time.Minute, samples(60, func(i int) soakSample {
			return soakSample{RSS: 50 << 20, Goroutines: 20 + i, DBBytes: 8 << 20}
		}), true, false, "goroutines"},
		{"too short", time.Minute, samples(6, func(i int) soakSample {
			return soakSample{RSS: 50 << 20, Goroutines: 20, DBBytes: 8 << 20}
		}), false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &soakResult{Samples: tt.samples, Settle: min(tt.d/2, 3*time.Minute)}
			r.judge(tt.d)
			if r.Judged != tt.wantJudged || r.Flat() != tt.wantFlat {
				t.Fatalf("judged %v flat %v, want %v %v (%+v)", r.Judged, r.Flat(), tt.wantJudged, tt.wantFlat, r.Verdicts)
			}
			for _, v := range r.Verdicts {
				if v.Flat == (v.Metric == tt.notFlat) {
					t.Errorf("%s: flat = %v", v.Metric, v.Flat)
				}
			}
		})
	}
}

func TestParseGauge(t *testing.T) {
	metrics := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines_total_bogus 3
go_goroutines 42
go_threads 9
`
	tests := []struct {
		name, text, metric string
		want               int
		wantErr            bool
	}{
		{"found", metrics, "go_goroutines", 42, false},
		{"other", metrics, "go_threads", 9, false},
		{"missing", metrics, "process_open_fds", 0, true},
		{"bad value", "go_goroutines x\n", "go_goroutines", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseGauge(strings.NewReader(tt.text), tt.metric)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}
