package server_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestPasswordGrantThrottle: after five failed attempts in 15 minutes
// (the default) the password grant refuses even the right password with
// 429 and Retry-After; the lock lifts by itself, so the real user is
// never locked out for good.
func TestPasswordGrantThrottle(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{"password"}, Scopes: []string{"api"}})
	in.CreateUser(t, "henry", "correct horse battery")
	try := func(pw string) (int, map[string]any, string) {
		status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"henry"}, "password": {pw}}, c.ID, c.Secret)
		return status, body, h.Get("Retry-After")
	}
	for i := range 5 {
		if status, body, _ := try("guess"); status != 400 || body["error"] != "invalid_grant" {
			t.Fatalf("attempt %d: %d %v", i, status, body)
		}
	}
	status, body, retry := try("correct horse battery")
	if status != 429 || body["error"] != "slow_down" || retry == "" {
		t.Fatalf("after 5 failures: %d %v Retry-After=%q, want 429 slow_down", status, body, retry)
	}
	in.Clock.Advance(15 * time.Minute)
	if status, body, _ := try("correct horse battery"); status != 200 {
		t.Fatalf("after the window: %d %v, want the real user back in", status, body)
	}
}
