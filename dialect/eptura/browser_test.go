package eptura_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect/eptura"
	"github.com/tokenmint/tokenmint/internal/browsertest"
	"github.com/tokenmint/tokenmint/registry"
)

// TestBrowserAuthorization signs in through /login.html in headless
// chromium as a Workplace JavaScript app would send its user: the five
// query parameters, the login page, then "the browser will redirect to the
// URL provided in redirect_uri with the code provided in the hash
// parameter". The code from the fragment is then exchanged with the
// article's headers, without PKCE and without a secret.
func TestBrowserAuthorization(t *testing.T) {
	ctx := browsertest.New(t)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>app</title><p>reading the code from location.hash</p>"))
	}))
	t.Cleanup(cb.Close)
	redirect := cb.URL + "/oauth/callback"

	f := newFixture(t)
	c := f.in.CreateClient(t, registry.ClientSpec{Name: "Workplace SPA", Profile: eptura.Name, AllowNoPKCE: true,
		RedirectURIs: []string{redirect}, TokenFormat: tokenmint.FormatOpaque})
	q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirect}, "scope": {scope}, "state": {"s-42/x y"}}
	// The first action starts the browser: no timeout on it.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.in.URL+"/login.html?"+q.Encode())); err != nil {
		t.Fatalf("open login.html: %v", err)
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.Steps(
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("submit")),
	)); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	landed := waitForPrefix(t, ctx, redirect)
	u, err := url.Parse(landed)
	if err != nil {
		t.Fatal(err)
	}
	if u.RawQuery != "" {
		t.Errorf("the answer is in the query %q: want it in the fragment only", u.RawQuery)
	}
	frag, err := url.ParseQuery(u.Fragment)
	if err != nil || frag.Get("code") == "" || frag.Get("state") != "s-42/x y" {
		t.Fatalf("fragment %q: want code and state", u.Fragment)
	}

	// "Your JavaScript application needs to read the authorization code
	// and exchange it for an access token": the app's page does, with
	// fetch from its own origin (a CORS request), then calls users/me.
	script := `(async () => {
		const code = new URLSearchParams(location.hash.slice(1)).get("code");
		const t = await fetch(` + strconv.Quote(f.in.URL+"/external/api/oauth2/token") + `, {method: "POST", headers: {
			"Content-Type": "application/json", "x-grant-type": "authorization_code", "x-redirect-uri": ` + strconv.Quote(redirect) + `,
			"x-client-id": ` + strconv.Quote(c.ID) + `, "x-scope": ` + strconv.Quote(scope) + `, "x-auth-code": code}});
		const tok = await t.json();
		const me = await fetch(` + strconv.Quote(f.in.URL+"/external/api/rest/v2/users/me") + `, {headers: {"Authorization": "Bearer " + tok.access_token}});
		return JSON.stringify({status: t.status, expires_in: tok.expires_in, refresh: !!tok.refresh_token, me: await me.json()});
	})()`
	out, err := chromedp.Run(sctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("the app's page exchanging the code: %v", err)
	}
	var got struct {
		Status    int   `json:"status"`
		ExpiresIn int64 `json:"expires_in"`
		Refresh   bool  `json:"refresh"`
		Me        struct {
			UserName string `json:"userName"`
		} `json:"me"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("page answer %q: %v", out, err)
	}
	if got.Status != http.StatusOK || got.ExpiresIn != time.Hour.Milliseconds() || !got.Refresh || got.Me.UserName != username {
		t.Errorf("the page got %+v: want the tokens (expires_in in milliseconds) and the signed-in user", got)
	}
}

// waitForPrefix polls the browser's location until it starts with prefix.
func waitForPrefix(t *testing.T, ctx context.Context, prefix string) string {
	t.Helper()
	var loc string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var err error
		if loc, err = chromedp.Run(ctx, chromedp.Location()); err == nil && strings.HasPrefix(loc, prefix) {
			return loc
		}
	}
	t.Fatalf("the browser never reached %s; it is at %s", prefix, loc)
	return ""
}
