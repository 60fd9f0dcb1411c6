package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/internal/browsertest"
	"github.com/tokenmint/tokenmint/registry"
)

// ScreenshotsEnv, when set, makes TestBrowserConsole write its
// screenshots into docs/console/ (the folder the README links to)
// instead of a temporary directory.
const ScreenshotsEnv = "TOKENMINT_CONSOLE_SCREENSHOTS"

// viewports are the sizes every page is captured at: a laptop and a
// phone.
var viewports = []struct {
	name string
	w, h int64
}{{"desktop", 1280, 800}, {"phone", 390, 844}}

// TestBrowserConsole walks the console and the self-service pages in
// headless Chromium as a person would (issue 17, "Done means"): an
// administrator signs in through the branded login page, creates a
// client from a profile, reads its secret, gets a token with it, changes
// its token expiration and sees the next token's expires_in change,
// rotates its secret (the old one still works in the grace period) and
// deletes it; a user without the admin role signs in to /apps/, creates
// an app, cannot see another user's, and is refused beyond the limit.
// Every page is captured at 1280×800 and 390×844.
func TestBrowserConsole(t *testing.T) {
	logo := filepath.Join(t.TempDir(), "logo.png")
	writeLogo(t, logo)
	in := start(t, func(c *config.Config) {
		c.BrandName, c.BrandColor, c.BrandLogo = "Acme Identity", "#0f766e", logo
		c.SelfServiceMaxApps = 1
	})
	user(t, in, "ada", true)
	user(t, in, "bob", false)
	carol := user(t, in, "carol", false)
	carolsApp, _, err := in.Registry.CreateClient(context.Background(), registry.ClientSpec{Name: "Carol's app", Owner: carol.ID,
		GrantTypes: []string{tokenmint.GrantAuthorizationCode}, RedirectURIs: []string{"https://carol.example/cb"}, Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	if os.Getenv(ScreenshotsEnv) != "" {
		dir = filepath.Join("..", "docs", "console")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx := browsertest.New(t, chromedp.WindowSize(1280, 800))
	// A script that ran from any field's content would open a dialog.
	var dialogs atomic.Int32
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n := dialogs.Load(); n > 0 {
			t.Errorf("a page ran a script: %d dialogs opened", n)
		}
	})
	run := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("%s: %v (at %s)", name, err, loc)
		}
	}
	read := func(name string, a chromedp.Action[string]) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := chromedp.Run(sctx, a)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		for _, vp := range viewports {
			run("viewport "+name, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Sleep(150*time.Millisecond))
			buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			if _, err := png.Decode(bytes.NewReader(buf)); err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+"-"+vp.name+".png"), buf, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		run("reset viewport", chromedp.EmulateViewport(1280, 800))
	}
	text := func(sel string) string { t.Helper(); return read("text of "+sel, chromedp.Text(chromedp.CSS(sel))) }
	value := func(sel string) string { t.Helper(); return read("value of "+sel, chromedp.Value(chromedp.CSS(sel))) }
	signInAs := func(username string) {
		t.Helper()
		run("sign in as "+username,
			chromedp.WaitVisible(chromedp.CSS("#username")),
			chromedp.SendKeys(chromedp.CSS("#username"), username),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
			chromedp.Click(chromedp.CSS("#submit")),
			chromedp.WaitVisible(chromedp.CSS("#signout")))
	}
	console := in.AdminURL + "/console"

	// The administrator signs in through the branded login page.
	if err := chromedp.Do(ctx, chromedp.Navigate(console+"/")); err != nil {
		t.Fatal(err)
	}
	run("login page", chromedp.WaitVisible(chromedp.CSS("#username")))
	if b := text(".brand"); !strings.Contains(b, "Acme Identity") {
		t.Errorf("login page brand %q", b)
	}
	shot("signin")
	signInAs("ada")
	run("overview", chromedp.WaitVisible(chromedp.CSS("#issued-day")))

	// A client from a profile: the preset fills the form.
	run("new client", chromedp.Navigate(console+"/clients"), chromedp.WaitVisible(chromedp.CSS("#new-client")))
	shot("clients")
	run("preset", chromedp.Click(chromedp.CSS("#new-client")), chromedp.WaitVisible(chromedp.CSS("#preset")),
		chromedp.SetValue(chromedp.CSS("#preset"), "epicollect"), chromedp.Click(chromedp.CSS("#apply-preset")),
		// The page the preset loads, not the one it replaces: only its
		// <option> carries the selected attribute.
		chromedp.WaitReady(chromedp.CSS(`#preset option[value="epicollect"][selected]`)),
		chromedp.WaitVisible(chromedp.CSS("#client_name")))
	if ttl := value("#access_token_ttl"); ttl != "7200" {
		t.Fatalf("epicollect preset: token expiration %q, want 7200", ttl)
	}
	run("name", chromedp.SendKeys(chromedp.CSS("#client_name"), "Partner portal"))
	shot("client-new")
	run("create", chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#secret")))
	id, secret := text("#shown-client-id"), value("#secret")
	shot("client-secret")
	if st, tok := token(t, in, id, secret); st != 200 || tok["expires_in"] != float64(7200) {
		t.Fatalf("token with the secret read on the page: %d %v", st, tok)
	}

	// Change its token expiration: the next token follows.
	run("edit", chromedp.Click(chromedp.CSS("#done")), chromedp.WaitVisible(chromedp.CSS("#access_token_ttl")),
		chromedp.SetValue(chromedp.CSS("#access_token_ttl"), "120"),
		chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	shot("client")
	if st, tok := token(t, in, id, secret); st != 200 || tok["expires_in"] != float64(120) {
		t.Fatalf("token after the change: %d %v, want expires_in 120", st, tok)
	}

	// Rotate the secret with the default grace period: both work.
	run("rotate", chromedp.Click(chromedp.CSS("#rotate-secret")), chromedp.WaitVisible(chromedp.CSS("#secret")))
	newSecret := value("#secret")
	if newSecret == secret {
		t.Fatal("the rotation showed the same secret")
	}
	for _, s := range []string{secret, newSecret} {
		if st, _ := token(t, in, id, s); st != 200 {
			t.Errorf("a secret in the grace period: %d", st)
		}
	}

	// Delete it, after a confirmation that names it.
	run("delete", chromedp.Click(chromedp.CSS("#done")), chromedp.WaitVisible(chromedp.CSS("#delete")),
		chromedp.Click(chromedp.CSS("#delete")), chromedp.WaitVisible(chromedp.CSS("#confirm-delete")))
	if n := text("#delete-name"); n != "Partner portal" {
		t.Errorf("confirmation names %q", n)
	}
	shot("client-delete")
	run("confirm", chromedp.Click(chromedp.CSS("#confirm-delete")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if st, _ := token(t, in, id, newSecret); st != 401 {
		t.Errorf("token after delete: %d", st)
	}

	// A client whose name is markup: shown as text, no script runs.
	if _, _, err := in.Registry.CreateClient(context.Background(), registry.ClientSpec{Name: `<img src=x onerror=alert(1)><script>alert(2)</script>`}); err != nil {
		t.Fatal(err)
	}
	run("markup", chromedp.Navigate(console+"/clients"), chromedp.WaitVisible(chromedp.CSS("#clients")))
	if s := text("#clients"); !strings.Contains(s, "<script>alert(2)</script>") {
		t.Errorf("the markup is not shown as text: %q", s)
	}

	in.Server.Audit().Flush(context.Background())
	run("overview again", chromedp.Navigate(console+"/"), chromedp.WaitVisible(chromedp.CSS("#issued-day")))
	if n := text("#issued-day"); n == "0" {
		t.Errorf("the overview counts no token issued after four were")
	}
	shot("overview")
	for _, p := range []struct{ path, wait, name string }{
		{"/users", "#create-user", "users"},
		{"/users/" + userID(t, in.Server.Store(), "bob"), "#set-password", "user"},
		{"/keys", "#rotate-keys", "keys"},
		{"/audit?since=24h", "#events", "audit"},
	} {
		run(p.name, chromedp.Navigate(console+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		shot(p.name)
	}
	// Delete a user, after a confirmation that names them; a user who
	// owns an app is not deleted, and the page lists the app.
	dave := user(t, in, "dave", false)
	run("delete user", chromedp.Navigate(console+"/users/"+dave.ID), chromedp.WaitVisible(chromedp.CSS("#delete-user")),
		chromedp.Click(chromedp.CSS("#delete-user")), chromedp.WaitVisible(chromedp.CSS("#confirm-delete")))
	if n := text("#delete-name"); n != "dave" {
		t.Errorf("user deletion confirmation names %q", n)
	}
	shot("user-delete")
	run("confirm user deletion", chromedp.Click(chromedp.CSS("#confirm-delete")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if _, err := in.Server.Store().GetUser(context.Background(), dave.ID); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Errorf("dave after deletion: %v", err)
	}
	run("delete an owner", chromedp.Navigate(console+"/users/"+carol.ID), chromedp.WaitVisible(chromedp.CSS("#delete-user")),
		chromedp.Click(chromedp.CSS("#delete-user")), chromedp.WaitVisible(chromedp.CSS("#owned-apps")))
	if s := text("#owned-apps"); !strings.Contains(s, "Carol's app") {
		t.Errorf("the apps carol owns: %q", s)
	}
	run("sign out", chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("main.card h1")))
	if h := text("main.card h1"); h != "Signed out" {
		t.Errorf("after sign-out: %q", h)
	}

	// A user without the admin role: the console refuses, /apps/ serves.
	run("bob at the console", chromedp.Navigate(console+"/"))
	signInAsForbidden := chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "bob"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("#next")),
	)
	run("bob signs in", signInAsForbidden)
	if e := text("#error"); !strings.Contains(e, "does not have the admin role") {
		t.Errorf("403 page: %q", e)
	}
	shot("forbidden")
	run("to apps", chromedp.Click(chromedp.CSS("#next")), chromedp.WaitVisible(chromedp.CSS("#apps")))
	if s := text("#apps"); strings.Contains(s, "Carol's app") {
		t.Error("bob's list shows carol's app")
	}
	shot("apps")
	run("new app", chromedp.Click(chromedp.CSS("#new-app")), chromedp.WaitVisible(chromedp.CSS("#client_name")),
		chromedp.SendKeys(chromedp.CSS("#client_name"), "Bob's dashboard"),
		chromedp.SendKeys(chromedp.CSS("#redirect_uris"), "https://bob.example/callback"))
	shot("app-new")
	run("create app", chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#secret")))
	appID, appSecret := text("#shown-client-id"), value("#secret")
	if appSecret == "" {
		t.Fatal("no app secret shown")
	}
	shot("app-secret")
	run("app page", chromedp.Click(chromedp.CSS("#done")), chromedp.WaitVisible(chromedp.CSS("#rotate-secret")))
	shot("app")
	if c, err := in.Server.Store().GetClient(context.Background(), appID); err != nil || c.Owner != userID(t, in.Server.Store(), "bob") {
		t.Errorf("the app's owner: %v %v", c.Owner, err)
	}

	// Carol's app is not bob's to see.
	run("carol's app", chromedp.Navigate(in.URL+"/apps/"+url.PathEscape(carolsApp.ID)), chromedp.WaitVisible(chromedp.CSS("#error")))
	if e := text("#error"); !strings.Contains(e, "no app with this ID") {
		t.Errorf("carol's app as bob: %q", e)
	}
	// Beyond the limit (one app each here): refused, nothing made.
	run("beyond the limit", chromedp.Navigate(in.URL+"/apps/new"), chromedp.WaitVisible(chromedp.CSS("#client_name")),
		chromedp.SendKeys(chromedp.CSS("#client_name"), "One too many"),
		chromedp.SendKeys(chromedp.CSS("#redirect_uris"), "https://bob.example/2"),
		chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#error")))
	if e := text("#error"); !strings.Contains(e, "the most this server allows per user") {
		t.Errorf("beyond the limit: %q", e)
	}
	shot("app-limit")
	owned, _ := in.Registry.OwnedClients(context.Background(), userID(t, in.Server.Store(), "bob"))
	if len(owned) != 1 {
		t.Errorf("bob owns %d apps, want 1", len(owned))
	}

	// The consent page names the app and where it sends the person, with
	// a way out for someone else.
	consentClient, _, err := in.Registry.CreateClient(context.Background(), registry.ClientSpec{Name: "Report builder", Public: true,
		GrantTypes: []string{tokenmint.GrantAuthorizationCode}, RedirectURIs: []string{"https://reports.example/cb"},
		Scopes: []string{"openid", "profile"}, RequireConsent: true})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("a-verifier-of-at-least-forty-three-characters-0123"))
	q := url.Values{"response_type": {"code"}, "client_id": {consentClient.ID}, "redirect_uri": {"https://reports.example/cb"},
		"scope": {"openid profile"}, "state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	run("consent", chromedp.Navigate(in.URL+"/oauth2/authorize?"+q.Encode()), chromedp.WaitVisible(chromedp.CSS("#allow")))
	if h := text("#redirect-host"); h != "reports.example" {
		t.Errorf("consent page destination %q", h)
	}
	if s := text("#switch-user"); s == "" {
		t.Error("no 'Not you?' link")
	}
	shot("consent")
	run("not you", chromedp.Click(chromedp.CSS("#switch-user")), chromedp.WaitVisible(chromedp.CSS("#username")))

	// The logo is served from the server itself with its type.
	resp, err := http.Get(console + "/static/logo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("logo: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// writeLogo writes a small PNG logo: a teal square with a white bar.
func writeLogo(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			c := color.RGBA{0x0f, 0x76, 0x6e, 0xff}
			if y > 12 && y < 20 && x > 6 && x < 26 {
				c = color.RGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
