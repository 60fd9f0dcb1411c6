package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/console"
)

func newClientForm(name string) url.Values {
	return url.Values{"client_name": {name}, "token_endpoint_auth_method": {"client_secret_basic"},
		"grant_types": {"client_credentials"}, "scope": {"api"}, "token_format": {"jwt"}}
}

func shownClientID(t *testing.T, p page) string {
	t.Helper()
	m := regexp.MustCompile(`id="shown-client-id">([^<]+)<`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no client ID shown (%d):\n%s", p.Status, p.Body)
	}
	return html.UnescapeString(m[1])
}

// TestConsoleSignIn: an administrator signs in through the login page
// (the console is a PKCE client of its own server) and gets the overview
// with every hardening header and a session cookie that is HttpOnly and
// SameSite; a user without the admin role gets a clear 403 that links to
// the self-service pages; no session means the sign-in, and a POST
// without a session changes nothing.
func TestConsoleSignIn(t *testing.T) {
	in := start(t)
	user(t, in, "ada", true)
	user(t, in, "bob", false)

	admin := signIn(t, in.AdminURL+"/console", "ada")
	p := admin.get(in.AdminURL + "/console/")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Tokens issued") || !strings.Contains(p.Body, ">ada<") {
		t.Fatalf("overview: %d\n%s", p.Status, p.Body)
	}
	for h, want := range map[string]string{
		"X-Frame-Options": "DENY", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'",
	} {
		if got := p.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	u, _ := url.Parse(in.AdminURL)
	var session *http.Cookie
	for _, c := range admin.client.Jar.Cookies(u) {
		if c.Name == "tokenmint_console" {
			session = c
		}
	}
	if session == nil || !strings.HasPrefix(session.Value, "tm_") && len(session.Value) < 20 {
		t.Fatalf("session cookie %+v", session)
	}

	// bob, signed in at the issuer through /apps/, reaches the console
	// without typing his password again (one login session), and is
	// refused there.
	bob := signIn(t, in.URL+"/apps", "bob")
	forbidden := bob.get(in.AdminURL + "/console/")
	if forbidden.Status != http.StatusForbidden || !strings.Contains(forbidden.Body, "does not have the admin role") ||
		!strings.Contains(forbidden.Body, `href="`+in.URL+`/apps/"`) {
		t.Fatalf("non-admin: %d\n%s", forbidden.Status, forbidden.Body)
	}

	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := anon.Get(in.AdminURL + "/console/clients")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/signin?next=%2Fconsole%2Fclients") {
		t.Errorf("no session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = anon.PostForm(in.AdminURL+"/console/clients", newClientForm("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without a session: %d", resp.StatusCode)
	}
}

// TestConsoleClientLifecycle walks the operator's client pages over
// HTTP: create from a profile, read the secret once, get a token, change
// the token expiration and see expires_in follow, rotate the secret with
// a grace period (both work), revoke, delete.
func TestConsoleClientLifecycle(t *testing.T) {
	in := start(t)
	user(t, in, "ada", true)
	a := signIn(t, in.AdminURL+"/console", "ada")

	preset := a.get(in.AdminURL + "/console/clients/new?profile=epicollect")
	if preset.Status != http.StatusOK || !strings.Contains(preset.Body, `value="7200"`) {
		t.Fatalf("epicollect preset: %d (want its 2 h lifetime prefilled)\n%s", preset.Status, preset.Body)
	}
	form := newClientForm("Partner")
	form.Set("profile", "epicollect")
	form.Set("access_token_ttl", "7200")
	form.Set("csrf_token", preset.csrf(t))
	created := a.postTo(in.AdminURL+"/console/clients", form)
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d\n%s", created.Status, created.Body)
	}
	id, secret := shownClientID(t, created), shown(t, created, "secret")
	if st, tok := token(t, in, id, secret); st != 200 || tok["expires_in"] != float64(7200) {
		t.Fatalf("token: %d %v", st, tok)
	}
	// The list shows it, found by search.
	if l := a.get(in.AdminURL + "/console/clients?q=partn"); !strings.Contains(l.Body, id) {
		t.Fatalf("search: %s", l.Body)
	}

	edit := a.get(in.AdminURL + "/console/clients/" + id)
	form = formOf(t, edit.Body, "/console/clients/"+id)
	form.Set("access_token_ttl", "90")
	saved := a.postTo(in.AdminURL+"/console/clients/"+id, form)
	if saved.Status != http.StatusOK || !strings.Contains(saved.Body, "Saved.") {
		t.Fatalf("save: %d\n%s", saved.Status, saved.Body)
	}
	if st, tok := token(t, in, id, secret); st != 200 || tok["expires_in"] != float64(90) {
		t.Fatalf("token after the change: %d %v", st, tok)
	}

	rotated := a.post("/clients/"+id+"/secret", url.Values{"grace": {"3600"}})
	if rotated.Status != http.StatusOK {
		t.Fatalf("rotate: %d\n%s", rotated.Status, rotated.Body)
	}
	newSecret := shown(t, rotated, "secret")
	for _, s := range []string{secret, newSecret} {
		if st, _ := token(t, in, id, s); st != 200 {
			t.Errorf("secret in the grace period: %d", st)
		}
	}
	in.Clock.Advance(2 * time.Hour)
	if st, _ := token(t, in, id, secret); st != 401 {
		t.Errorf("old secret after the grace period: %d", st)
	}

	confirm := a.get(in.AdminURL + "/console/clients/" + id + "/delete")
	if !strings.Contains(confirm.Body, "Delete <strong id=\"delete-name\">Partner</strong>") {
		t.Fatalf("confirmation does not name the client:\n%s", confirm.Body)
	}
	if del := a.post("/clients/"+id+"/delete", url.Values{}); del.Status != http.StatusOK || !strings.Contains(del.Body, "Deleted.") {
		t.Fatalf("delete: %d\n%s", del.Status, del.Body)
	}
	if st, _ := token(t, in, id, newSecret); st != 401 {
		t.Errorf("token after delete: %d", st)
	}
	// Every change is audited as the signed-in user's.
	in.Server.Audit().Flush(context.Background())
	events, _, err := in.Server.Store().(tokenmint.AuditStore).ListAuditEvents(context.Background(), tokenmint.AuditFilter{ClientID: id})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if strings.HasPrefix(e.Type, "client.") && (e.ActorType != tokenmint.ActorUser || e.Actor == "") {
			t.Errorf("event %s by %s %q, want the signed-in user", e.Type, e.ActorType, e.Actor)
		}
	}
}

// formOf reads the values of the form posting to action from a page, as
// a browser would submit it unchanged.
func formOf(t *testing.T, body, action string) url.Values {
	t.Helper()
	start := strings.Index(body, `action="`+action+`"`)
	if start < 0 {
		t.Fatalf("no form to %s:\n%s", action, body)
	}
	body = body[start:]
	body = body[:strings.Index(body, "</form>")]
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input ([^>]*)>`).FindAllStringSubmatch(body, -1) {
		attrs := m[1]
		name, value := attr(attrs, "name"), attr(attrs, "value")
		if name == "" {
			continue
		}
		if typ := attr(attrs, "type"); typ == "checkbox" && !strings.Contains(attrs, " checked") {
			continue
		}
		v.Add(name, value)
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range regexp.MustCompile(`(?s)<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(body, -1) {
		sel := regexp.MustCompile(`<option value="([^"]*)" selected`).FindStringSubmatch(m[2])
		if sel == nil {
			sel = regexp.MustCompile(`<option value="([^"]*)"`).FindStringSubmatch(m[2])
		}
		v.Set(m[1], html.UnescapeString(sel[1]))
	}
	return v
}

func attr(attrs, name string) string {
	m := regexp.MustCompile(`(?:^|\s)` + name + `="([^"]*)"`).FindStringSubmatch(attrs)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestEnsureClientIdempotent: instances starting together make one
// console client, and each one's redirect URIs are added, never removed.
func TestEnsureClientIdempotent(t *testing.T) {
	in := start(t)
	reg := in.Registry
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			uris := console.RedirectURIs("https://issuer.example", "https://admin"+string(rune('a'+i))+".example/console/", false)
			errs <- console.EnsureClient(context.Background(), reg, uris, console.Session{})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := reg.Store.GetClient(context.Background(), console.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		want := "https://admin" + string(rune('a'+i)) + ".example/console/callback"
		if !c.HasRedirectURI(want) {
			t.Errorf("missing %s in %v", want, c.RedirectURIs)
		}
	}
	if !c.Public || c.TokenFormat != tokenmint.FormatOpaque {
		t.Errorf("console client %+v", c)
	}
}
