package server_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// onSharedDatabase runs fn against two instances sharing one database, on
// a shared clock and behind one issuer, as behind a load balancer: a
// SQLite file always, and PostgreSQL when TOKENMINT_TEST_POSTGRES names
// one. The issuer is plain http (loopback) so that a cookie jar carries
// the login session cookie from one instance to the other.
func onSharedDatabase(t *testing.T, fn func(t *testing.T, a, b *servertest.Instance)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db")
			if backend == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			clock := servertest.NewClock()
			var in [2]*servertest.Instance
			for i := range in {
				cfg := config.Default()
				cfg.Issuer = "http://127.0.0.1"
				cfg.Database = dsn
				in[i] = servertest.StartWithClock(t, clock, cfg)
			}
			fn(t, in[0], in[1])
		})
	}
}

const (
	lifecycleUser = "ada"
	firstPassword = "correct horse battery"
	appCallback   = "https://app.example/cb"
)

// held is what a client holds of one authorization of the user.
type held struct {
	what            string
	c               servertest.Client
	access, refresh string
}

// userApps registers one client per token format with the flows a user
// signs in through: the browser (authorization code), the password grant
// and refresh tokens.
func userApps(t *testing.T, in *servertest.Instance) []servertest.Client {
	t.Helper()
	var cs []servertest.Client
	for _, format := range []string{tokenmint.FormatJWT, tokenmint.FormatOpaque} {
		cs = append(cs, in.CreateClient(t, registry.ClientSpec{Name: "app " + format, TokenFormat: format,
			GrantTypes:   []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantPassword},
			RedirectURIs: []string{appCallback}, Scopes: []string{"api"}}))
	}
	return cs
}

// authorize opens the authorization endpoint of in for c with the
// browser's cookies: it returns the code when the browser's session got
// one at once, else "" with the login form's fields.
func authorize(t *testing.T, browser *http.Client, in *servertest.Instance, c servertest.Client) (string, url.Values) {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {appCallback}, "scope": {"api"}, "state": {"s"}}
	resp, err := browser.Get(in.URL + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "" {
		return codeOf(t, resp.StatusCode, loc), nil
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `name="password"`) {
		t.Fatalf("authorize: %d %.300s, want the login form", resp.StatusCode, page)
	}
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	return "", form
}

// submitLogin posts the login form to in; it returns the code, or "" and
// the page when the sign-in was refused.
func submitLogin(t *testing.T, browser *http.Client, in *servertest.Instance, form url.Values, pw string) (string, string) {
	t.Helper()
	form.Set("username", lifecycleUser)
	form.Set("password", pw)
	resp, err := browser.PostForm(in.URL+"/oauth2/login", form)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "" {
		return codeOf(t, resp.StatusCode, loc), ""
	}
	return "", string(page)
}

func codeOf(t *testing.T, status int, loc string) string {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil || status/100 != 3 || !strings.HasPrefix(loc, appCallback) || u.Query().Get("code") == "" {
		t.Fatalf("%d to %q, want a redirect to the app with a code", status, loc)
	}
	return u.Query().Get("code")
}

// tokenOn asks in's token endpoint; it returns the status and body.
func tokenOn(t *testing.T, in *servertest.Instance, c servertest.Client, form url.Values) (int, map[string]any) {
	t.Helper()
	status, _, body := post(t, in.URL+"/oauth2/token", form, c.ID, c.Secret)
	return status, body
}

// issueOn asks in's token endpoint for tokens and returns them.
func issueOn(t *testing.T, what string, in *servertest.Instance, c servertest.Client, form url.Values) (access, refresh string) {
	t.Helper()
	status, body := tokenOn(t, in, c, form)
	if status != http.StatusOK {
		t.Fatalf("%s: %d %v", what, status, body)
	}
	access, _ = body["access_token"].(string)
	refresh, _ = body["refresh_token"].(string)
	return access, refresh
}

// signInEverywhere signs the user in with pw: in a browser on a (whose
// session then authorizes each app), and through the password grant on
// b. It returns the browser and what each app holds.
func signInEverywhere(t *testing.T, a, b *servertest.Instance, apps []servertest.Client, pw string) (*http.Client, []held) {
	t.Helper()
	browser := browserClient(t)
	var hs []held
	for i, c := range apps {
		code, form := authorize(t, browser, a, c)
		if i == 0 {
			if code != "" {
				t.Fatal("a fresh browser got a code without signing in")
			}
			if code, _ = submitLogin(t, browser, a, form, pw); code == "" {
				t.Fatal("sign-in refused")
			}
		}
		if code == "" {
			t.Fatal("the browser's session got no code for a second app")
		}
		access, refresh := issueOn(t, "code exchange", a, c, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCallback}})
		hs = append(hs, held{"code " + c.Record.TokenFormat, c, access, refresh})
		access, refresh = issueOn(t, "password grant", b, c, passwordForm(pw))
		hs = append(hs, held{"password grant " + c.Record.TokenFormat, c, access, refresh})
	}
	return browser, hs
}

func passwordForm(pw string) url.Values {
	return url.Values{"grant_type": {"password"}, "username": {lifecycleUser}, "password": {pw}, "scope": {"api"}}
}

// wantEnded checks, on both instances, that the browser's session gets no
// code, that no refresh token refreshes and that every access token
// introspects inactive: on the instance that ended them at once, on the
// other within the revocation feed's poll.
func wantEnded(t *testing.T, a, b *servertest.Instance, browser *http.Client, hs []held) {
	t.Helper()
	for _, in := range []*servertest.Instance{a, b} {
		if code, _ := authorize(t, browser, in, hs[0].c); code != "" {
			t.Fatalf("the ended browser session still gets a code on %s", in.URL)
		}
	}
	for _, h := range hs {
		for _, in := range []*servertest.Instance{b, a} {
			status, body := tokenOn(t, in, h.c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {h.refresh}})
			if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
				t.Fatalf("refresh of %s on %s: %d %v, want invalid_grant", h.what, in.URL, status, body)
			}
			eventually(t, 2*time.Second, fmt.Sprintf("access token of %s inactive on %s", h.what, in.URL), func() bool {
				return !introspectOn(t, in, h.c, h.access)
			})
		}
	}
}

// TestPasswordChangeAndDisableEndSignIns: a password change, and
// disabling the user, end the user's browser session, refresh tokens and
// access tokens (JWT and opaque, from codes and from the password grant)
// on both instances (RFC 6819 §5.2.2.3). A disabled user's sign-ins are
// refused as wrong passwords are, on the login page and at the password
// grant; enabling restores them. Both go through package registry, which
// is what `tokenmint user set-password` and `user disable` call.
func TestPasswordChangeAndDisableEndSignIns(t *testing.T) {
	onSharedDatabase(t, func(t *testing.T, a, b *servertest.Instance) {
		ctx := context.Background()
		apps := userApps(t, a)
		u := a.CreateUser(t, lifecycleUser, firstPassword)
		browser, hs := signInEverywhere(t, a, b, apps, firstPassword)
		for _, h := range hs {
			if !introspectOn(t, b, h.c, h.access) || !introspectOn(t, a, h.c, h.access) {
				t.Fatalf("access token of %s inactive before anything changed", h.what)
			}
		}
		if code, _ := authorize(t, browser, b, apps[1]); code == "" {
			t.Fatal("the browser session started on A gets no code on B")
		}

		const second = "second horse battery"
		if err := a.Registry.SetPassword(ctx, u.ID, second); err != nil {
			t.Fatal(err)
		}
		wantEnded(t, a, b, browser, hs)
		if status, body := tokenOn(t, b, apps[0], passwordForm(firstPassword)); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("old password at the password grant: %d %v", status, body)
		}

		browser, hs = signInEverywhere(t, a, b, apps, second)
		if _, err := a.Registry.SetDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		wantEnded(t, a, b, browser, hs)
		wantSignInRefused(t, a, b, apps[0], second)

		if _, err := a.Registry.SetDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		signInEverywhere(t, b, a, apps, second)
	})
}

// wantSignInRefused: the login page re-renders with the message of a
// wrong password, and the password grant answers invalid_grant.
func wantSignInRefused(t *testing.T, a, b *servertest.Instance, c servertest.Client, pw string) {
	t.Helper()
	browser := browserClient(t)
	_, form := authorize(t, browser, b, c)
	if code, page := submitLogin(t, browser, b, form, pw); code != "" || !strings.Contains(page, "Invalid username or password.") {
		t.Fatalf("login page for a disabled user: code %q, page %.300s", code, page)
	}
	if status, body := tokenOn(t, a, c, passwordForm(pw)); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("password grant for a disabled user: %d %v", status, body)
	}
}

// TestSessionOfDisabledUserGetsNoCode: a session that survived the
// revocation (started by a sign-in racing with disabling the user, here
// written straight to the store) still gets no code.
func TestSessionOfDisabledUserGetsNoCode(t *testing.T) {
	in := servertest.Start(t)
	apps := userApps(t, in)
	u := in.CreateUser(t, lifecycleUser, firstPassword)
	browser, _ := signInEverywhere(t, in, in, apps[:1], firstPassword)
	_, err := in.Registry.Store.UpdateUser(context.Background(), u.ID, func(u *tokenmint.User) error {
		u.DisabledAt = in.Clock.Now()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"response_type": {"code"}, "client_id": {apps[0].ID}, "redirect_uri": {appCallback}, "scope": {"api"}, "state": {"s"}}
	resp, err := browser.Get(in.URL + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") != "" || loc.Query().Get("error") != "access_denied" {
		t.Fatalf("authorize with the session of a disabled user: %d to %v, want access_denied", resp.StatusCode, loc)
	}
}
