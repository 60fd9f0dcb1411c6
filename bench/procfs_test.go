package main

import (
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr bool
	}{
		{"plain", "1234 (tokenmint) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100 0 0", 3 * time.Second, false},
		{"name with spaces and parens", "77 (a) b) (c) R 1 77 77 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 0 0", 100 * time.Millisecond, false},
		{"no name", "1234 tokenmint S 1", 0, true},
		{"truncated", "1 (x) S 1 2 3", 0, true},
		{"bad number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 3 0", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tt.stat))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %v, %v; want %v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseStatusMemory(t *testing.T) {
	tests := []struct {
		name      string
		status    string
		rss, peak int64
		wantErr   bool
	}{
		{"both", "Name:\tx\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t8\n", 10 << 20, 20 << 20, false},
		{"missing peak", "VmRSS:\t10 kB\n", 0, 0, true},
		{"bad number", "VmRSS:\tten kB\nVmHWM:\t1 kB\n", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rss, peak, err := parseStatusMemory([]byte(tt.status))
			if (err != nil) != tt.wantErr || rss != tt.rss || peak != tt.peak {
				t.Errorf("got %d %d %v; want %d %d (error %v)", rss, peak, err, tt.rss, tt.peak, tt.wantErr)
			}
		})
	}
}

func TestProcOfSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Errorf("procCPU: %v", err)
	}
	rss, peak, err := procMemory(os.Getpid())
	if err != nil || rss <= 0 || peak < rss {
		t.Errorf("procMemory = %d, %d, %v", rss, peak, err)
	}
}
