package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestAdminListener: runtime profiles and the benchmark floor are served
// only on the admin listener and only when their flag is on; metrics are
// on it always (issue 14 item 6). The public listener serves neither
// profiles nor the floor, whatever the flags.
func TestAdminListener(t *testing.T) {
	get := func(t *testing.T, url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		name      string
		pprof     bool
		floor     bool
		wantPprof int
		wantFloor int
	}{
		{"defaults", false, false, http.StatusNotFound, http.StatusNotFound},
		{"--pprof", true, false, http.StatusOK, http.StatusNotFound},
		{"--bench-floor", false, true, http.StatusNotFound, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := servertest.Start(t, func(c *config.Config) { c.Pprof, c.BenchFloor = tc.pprof, tc.floor })
			if code, body := get(t, in.AdminURL+"/metrics"); code != http.StatusOK || !strings.Contains(body, "tokenmint_") {
				t.Errorf("admin /metrics: %d %.100s", code, body)
			}
			if code, _ := get(t, in.AdminURL+"/debug/pprof/"); code != tc.wantPprof {
				t.Errorf("admin /debug/pprof/: %d, want %d", code, tc.wantPprof)
			}
			if code, body := get(t, in.AdminURL+"/bench/floor"); code != tc.wantFloor || (code == http.StatusOK && len(body) != 300) {
				t.Errorf("admin /bench/floor: %d (%d bytes), want %d", code, len(body), tc.wantFloor)
			}
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/profile", "/bench/floor"} {
				code, body := get(t, in.URL+path)
				if code != http.StatusNotFound || !strings.Contains(body, `"error"`) {
					t.Errorf("public %s: %d %.100s, want a JSON 404", path, code, body)
				}
			}
		})
	}
}

// TestMetricsListener: /metrics is on the admin listener; on the public
// one only with --public-metrics (issue 15: kept behind a flag, for
// compatibility).
func TestMetricsListener(t *testing.T) {
	for _, public := range []bool{false, true} {
		in := servertest.Start(t, func(c *config.Config) { c.PublicMetrics = public })
		resp, err := http.Get(in.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusNotFound
		if public {
			want = http.StatusOK
		}
		if resp.StatusCode != want {
			t.Errorf("public /metrics with public_metrics=%v: %d, want %d", public, resp.StatusCode, want)
		}
		resp, err = http.Get(in.AdminURL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("admin /metrics: %d", resp.StatusCode)
		}
	}
}
