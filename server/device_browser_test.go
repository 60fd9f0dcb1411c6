package server_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tokenmint/tokenmint/internal/browsertest"
)

// screenshotDirEnv, when set, makes the browser test write its
// screenshots to docs/console (the committed ones); otherwise they go to
// a temporary directory and are only checked.
const screenshotDirEnv = "TOKENMINT_UPDATE_SCREENSHOTS"

// TestDeviceBrowser runs the verification page in headless Chromium at a
// desktop (1280×800) and a phone (390×844) viewport: the device asks for
// a code; the person opens verification_uri_complete, signs in, finds
// the code prefilled, continues, sees the client's name and scopes,
// approves; the device then gets its tokens. Each page's screenshot is
// checked (a PNG of the viewport's size) and, with
// TOKENMINT_UPDATE_SCREENSHOTS=1, written to docs/console/device-*.png.
func TestDeviceBrowser(t *testing.T) {
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 800}, {"phone", 390, 844}} {
		t.Run(vp.name, func(t *testing.T) {
			f := newDeviceFixture(t)
			ctx := browsertest.New(t)
			da := f.authorize(t, f.client.ID)
			userCode := da["user_code"].(string)
			step := func(name string, a ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if err := chromedp.Do(sctx, a...); err != nil {
					loc, _ := chromedp.Run(ctx, chromedp.Location())
					t.Fatalf("%s: %v (at %s)", name, err, loc)
				}
			}
			shot := func(name string) {
				t.Helper()
				saveScreenshot(t, ctx, fmt.Sprintf("device-%s-%s.png", name, vp.name), vp.w, vp.h)
			}
			// The first action starts the browser: no timeout on it.
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(da["verification_uri_complete"].(string))); err != nil {
				t.Fatalf("open the verification page: %v", err)
			}
			step("sign-in form", chromedp.WaitVisible(chromedp.ID("username")))
			shot("signin")
			step("sign in",
				chromedp.SendKeys(chromedp.ID("username"), "grace"),
				chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
				chromedp.Click(chromedp.ID("submit")),
				chromedp.WaitVisible(chromedp.ID("user_code")))
			prefilled, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("user_code")))
			if err != nil || prefilled != userCode {
				t.Fatalf("code field = %q (%v), want %q prefilled", prefilled, err, userCode)
			}
			shot("code")
			step("continue", chromedp.Click(chromedp.ID("continue")), chromedp.WaitVisible(chromedp.ID("allow")))
			text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			if err != nil || !strings.Contains(text, "Living room TV") || !strings.Contains(text, userCode) || !strings.Contains(text, "api:read") {
				t.Fatalf("consent page text %q (%v): want the client, the code and the scopes", text, err)
			}
			checkDeviceStyled(t, ctx)
			shot("consent")
			step("allow", chromedp.Click(chromedp.ID("allow")), chromedp.WaitNotPresent(chromedp.ID("allow")), chromedp.WaitVisible(chromedp.CSS("h1")))
			title, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
			if title != "Device connected" {
				t.Fatalf("after Allow the page says %q", title)
			}
			shot("done")
			status, _, body := f.poll(t, f.client.ID, da["device_code"].(string))
			if status != 200 || body["access_token"] == nil || body["refresh_token"] == nil || body["id_token"] == nil {
				t.Fatalf("token after approval in the browser: %d %v", status, body)
			}
		})
	}
}

// checkDeviceStyled: login.css loaded under the pages' CSP.
func checkDeviceStyled(t *testing.T, ctx context.Context) {
	t.Helper()
	radius, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("main.card")).borderTopLeftRadius`))
	if err != nil || radius == "" || radius == "0px" {
		t.Errorf("login.css not applied (border radius %q, %v): blocked by the CSP?", radius, err)
	}
}

// saveScreenshot captures the viewport, checks it is a PNG of w×h, and
// writes it to docs/console when TOKENMINT_UPDATE_SCREENSHOTS is set.
func saveScreenshot(t *testing.T, ctx context.Context, name string, w, h int64) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil || int64(cfg.Width) != w || int64(cfg.Height) != h {
		t.Fatalf("screenshot %s: %dx%d (%v), want a %dx%d PNG", name, cfg.Width, cfg.Height, err, w, h)
	}
	dir := t.TempDir()
	if os.Getenv(screenshotDirEnv) != "" {
		dir = filepath.Join("..", "docs", "console")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}
