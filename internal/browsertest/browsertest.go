// Package browsertest starts Debian's headless Chromium for the tests of
// tokenmint's pages (the login page, a dialect's authorization page),
// through chromedp. Every browser test shares its rules: a missing
// chromium skips the test, unless TOKENMINT_TEST_BROWSER is set (as
// .ci/run does), which makes it a failure.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// RequireEnv, when set, turns a missing browser into a test failure.
const RequireEnv = "TOKENMINT_TEST_BROWSER"

// ChromiumPath finds Debian's chromium, or skips (or fails) t.
func ChromiumPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatal(RequireEnv + " is set but no chromium binary was found (apt-get install chromium)")
	}
	t.Skip("no chromium binary found (apt-get install chromium, or set " + RequireEnv + " to require it)")
	return ""
}

// New starts a headless chromium with a fresh profile and the flags this
// closed network needs (no background networking, updates or sync), and
// returns a chromedp context closed when t ends.
func New(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	return ctx
}
