package login_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/internal/browsertest"
	"github.com/tokenmint/tokenmint/registry"
)

// FormPostScreenshotsEnv, when set, makes TestBrowserFormPost write its
// screenshots to docs/console/form-post-*.png (beside the console's)
// rather than to a temporary folder.
const FormPostScreenshotsEnv = "TOKENMINT_FORMPOST_SCREENSHOTS"

// TestBrowserFormPost: response_mode=form_post in headless chromium under
// the pages' strict CSP. With JavaScript on, the page's one script (allowed
// by its hash) posts code, state and iss to a test relying party at once;
// with JavaScript off, the <noscript> button shows and posts the same.
// Screenshots of the no-script page at 1280×800 and 390×844.
func TestBrowserFormPost(t *testing.T) {
	ctx := browsertest.New(t, chromedp.WindowSize(1280, 800))
	posts := make(chan url.Values, 4)
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/cb" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		if err := r.ParseForm(); err == nil {
			posts <- r.PostForm
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>relying party</title><p>received</p>"))
	}))
	t.Cleanup(rp.Close)

	f := newFixture(t, fixtureOptions{})
	redirect := rp.URL + "/cb"
	c, secret := f.client(t, registry.ClientSpec{Name: "Form Post App", RedirectURIs: []string{redirect}})
	conf := &oauth2.Config{ClientID: c.ID, ClientSecret: secret, RedirectURL: redirect, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: f.issuer + httpapi.PathAuthorize, TokenURL: f.issuer + httpapi.PathToken, AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	authURL := func(state string) string {
		return conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("response_mode", "form_post"))
	}
	step := func(name string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, a); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	received := func(state string) url.Values {
		t.Helper()
		select {
		case p := <-posts:
			if p.Get("state") != state || p.Get("code") == "" || p.Get("iss") != f.issuer {
				t.Fatalf("the relying party received %v, want code, state %s and iss", p, state)
			}
			return p
		case <-time.After(30 * time.Second):
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("the relying party received no POST; the browser is at %s", loc)
		}
		return nil
	}

	// JavaScript on: sign in, and the page posts by itself.
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL("js-on"))); err != nil {
		t.Fatalf("open the login page: %v", err)
	}
	step("sign in", chromedp.Steps(
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), testUsername),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("submit")),
	))
	p := received("js-on")
	if _, err := conf.Exchange(context.Background(), p.Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("exchange the posted code: %v", err)
	}

	// JavaScript off: the signed-in browser gets the page at once; its
	// button posts.
	step("disable JavaScript", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	step("open the form_post page", chromedp.Steps(chromedp.Navigate(authURL("js-off")), chromedp.WaitVisible(chromedp.ID("continue"))))
	select {
	case p := <-posts:
		t.Fatalf("with JavaScript off the page posted by itself: %v", p)
	default:
	}
	step("desktop viewport", chromedp.EmulateViewport(1280, 800))
	formPostScreenshot(t, ctx, "form-post-desktop.png")
	step("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)))
	formPostScreenshot(t, ctx, "form-post-phone.png")
	step("continue", chromedp.Click(chromedp.ID("continue")))
	received("js-off")
}

// formPostScreenshot captures the viewport as a PNG and checks it is one.
func formPostScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		t.Fatalf("screenshot %s is not a non-empty PNG: %v", name, err)
	}
	dir := t.TempDir()
	if os.Getenv(FormPostScreenshotsEnv) != "" {
		dir = filepath.Join("..", "docs", "console")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("form_post page %s: %dx%d", name, cfg.Width, cfg.Height)
}
