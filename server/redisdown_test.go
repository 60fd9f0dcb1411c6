package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestRedisUnreachable: with Redis down, rate-limited endpoints follow
// the configured policy (fail-open lets tokens through, fail-closed
// refuses with 429) quickly, and failures are counted in the metrics.
func TestRedisUnreachable(t *testing.T) {
	for _, tc := range []struct {
		name       string
		failOpen   bool
		wantStatus int
	}{
		{"fail open", true, 200},
		{"fail closed", false, 429},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := servertest.Start(t, func(c *config.Config) {
				c.Redis = "redis://127.0.0.1:1/0" // nothing listens there
				c.TokenRateLimit = "100/1m"
				c.RateLimitFailOpen = tc.failOpen
			})
			cl := in.CreateClient(t, registry.ClientSpec{})
			for range 3 {
				status, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, cl.ID, cl.Secret)
				if status != tc.wantStatus {
					t.Fatalf("status %d %v, want %d", status, body, tc.wantStatus)
				}
			}
			resp, err := http.Get(in.AdminURL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			m, _ := io.ReadAll(resp.Body)
			// One failure is counted; the cooldown spares Redis (and the
			// requests) the next attempts.
			if !strings.Contains(string(m), "tokenmint_rate_limiter_errors_total 1\n") {
				t.Fatalf("limiter errors not counted:\n%s", grepLines(string(m), "rate_limit"))
			}
		})
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
