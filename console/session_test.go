package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/console"
)

// TestConsoleSessionSettings: console_idle_timeout ends a session left
// without a page for longer, and console_session_lifetime ends one however
// used; each page counts as a use. The clock is the server's fake one.
func TestConsoleSessionSettings(t *testing.T) {
	in := start(t, func(c *config.Config) {
		c.ConsoleSessionLifetime, c.ConsoleIdleTimeout = 10*time.Minute, 2*time.Minute
	})
	user(t, in, "ada", true)
	// signedIn loads a page without following redirects: 200 with a live
	// session, a redirect to sign in without one.
	signedIn := func(a *agent) bool {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, in.AdminURL+"/console/users", nil)
		c := *a.client
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return true
		case resp.StatusCode == http.StatusSeeOther && strings.HasSuffix(resp.Header.Get("Location"), "/console/signin?next=%2Fconsole%2Fusers"):
			return false
		}
		t.Fatalf("GET /console/users: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		return false
	}

	ada := signIn(t, in.AdminURL+"/console", "ada")
	for i := range 3 { // 4½ minutes in all, never idle 2
		in.Clock.Advance(90 * time.Second)
		if !signedIn(ada) {
			t.Fatalf("signed out after %d pages 90 s apart, within the idle timeout", i+1)
		}
	}
	in.Clock.Advance(2*time.Minute + time.Second)
	if signedIn(ada) {
		t.Fatal("still signed in after the idle timeout without a page")
	}

	ada = signIn(t, in.AdminURL+"/console", "ada")
	for range 6 { // 9 minutes of pages
		in.Clock.Advance(90 * time.Second)
		if !signedIn(ada) {
			t.Fatal("signed out within the session lifetime")
		}
	}
	in.Clock.Advance(61 * time.Second) // 10m1s after sign-in
	if signedIn(ada) {
		t.Fatal("still signed in past the session lifetime")
	}
}

// TestEnsureClientLifetimes: the console's client takes the session's
// lifetimes when made, and a start with other settings changes them.
func TestEnsureClientLifetimes(t *testing.T) {
	in := start(t)
	ctx := context.Background()
	uris := console.RedirectURIs("https://issuer.example", "", false)
	for _, tc := range []struct {
		session             console.Session
		lifetime, idleAfter time.Duration
	}{
		{console.Session{}, console.DefaultSessionLifetime, console.DefaultSessionIdle},
		{console.Session{Lifetime: 8 * time.Hour, Idle: time.Hour}, 8 * time.Hour, time.Hour},
		{console.Session{Lifetime: 10 * time.Minute}, 10 * time.Minute, 10 * time.Minute},
	} {
		if err := console.EnsureClient(ctx, in.Registry, uris, tc.session); err != nil {
			t.Fatal(err)
		}
		c, err := in.Registry.Store.GetClient(ctx, console.ClientID)
		if err != nil || c.AccessTTL != tc.lifetime || c.IdleTTL != tc.idleAfter {
			t.Errorf("%+v: the console client lasts %s, idle %s (%v); want %s, %s", tc.session, c.AccessTTL, c.IdleTTL, err, tc.lifetime, tc.idleAfter)
		}
	}
}
