package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestPasswordGrantThrottle: after five failed attempts in 15 minutes
// (the default) the password grant refuses even the right password with
// 429 temporarily_unavailable and Retry-After (not slow_down, a device
// flow code); the lock lifts by itself, so the real user is never locked
// out for good.
func TestPasswordGrantThrottle(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{"password"}, Scopes: []string{"api"}})
	in.CreateUser(t, "henry", "correct horse battery")
	try := func(pw string) (int, map[string]any) {
		status, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"henry"}, "password": {pw}}, c.ID, c.Secret)
		return status, body
	}
	for i := range 5 {
		if status, body := try("guess"); status != 400 || body["error"] != "invalid_grant" {
			t.Fatalf("attempt %d: %d %v", i, status, body)
		}
	}
	status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"henry"}, "password": {"correct horse battery"}}, c.ID, c.Secret)
	wantRateLimited(t, status, h, body, 15*time.Minute)
	in.Clock.Advance(15 * time.Minute)
	if status, body := try("correct horse battery"); status != 200 {
		t.Fatalf("after the window: %d %v, want the real user back in", status, body)
	}
}

// wantRateLimited checks a rate limit's answer: 429, the RFC 6749 code
// temporarily_unavailable, and a Retry-After of whole seconds, at least 1
// and at most max.
func wantRateLimited(t *testing.T, status int, h http.Header, body map[string]any, max time.Duration) {
	t.Helper()
	wantError(t, status, h, body, 429, "temporarily_unavailable")
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > max {
		t.Errorf("Retry-After = %q, want 1 to %.0f seconds", h.Get("Retry-After"), max.Seconds())
	}
}

// TestClientRateLimit: the per-client issuance limit answers 429
// temporarily_unavailable with Retry-After.
func TestClientRateLimit(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) { c.ClientRateLimit = "2/1h" })
	c := in.CreateClient(t, registry.ClientSpec{})
	issue(t, in, c, "")
	issue(t, in, c, "")
	status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, c.Secret)
	wantRateLimited(t, status, h, body, time.Hour)
}

// TestTokenIPRateLimit: the per-address limit of the token endpoint
// answers the same.
func TestTokenIPRateLimit(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) { c.TokenRateLimit = "2/1h" })
	c := in.CreateClient(t, registry.ClientSpec{})
	issue(t, in, c, "")
	issue(t, in, c, "")
	status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, c.Secret)
	wantRateLimited(t, status, h, body, time.Hour)
}
