package console_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

const testPassword = "correct horse battery"

// start runs a real server with the self-service pages on, at most two
// apps per user.
func start(t *testing.T, opts ...servertest.Option) *servertest.Instance {
	t.Helper()
	all := append([]servertest.Option{func(c *config.Config) {
		c.SelfService = true
		c.SelfServiceMaxApps = 2
	}}, opts...)
	return servertest.Start(t, all...)
}

// user creates a user, an administrator when admin.
func user(t *testing.T, in *servertest.Instance, name string, admin bool) tokenmint.User {
	t.Helper()
	spec := registry.UserSpec{Username: name, Email: name + "@example.com", Name: "Test " + name}
	if admin {
		spec.Roles = []string{tokenmint.RoleAdmin}
	}
	u, err := in.Registry.CreateUser(context.Background(), spec, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// agent is a person's browser without the browser: a cookie jar that
// follows redirects.
type agent struct {
	t      *testing.T
	client *http.Client
	base   string // the site: .../console or .../apps
}

// page is an answer, after redirects.
type page struct {
	Status int
	Body   string
	URL    *url.URL
	Header http.Header
}

func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no csrf_token on %s (status %d):\n%s", p.URL, p.Status, p.Body)
	}
	return html.UnescapeString(m[1])
}

// signIn signs a user in to a site (base: the instance's console or
// apps URL) through the real login page, as a browser would.
func signIn(t *testing.T, base, username string) *agent {
	t.Helper()
	a, after := signInPage(t, base, username)
	if after.Status != http.StatusOK {
		t.Fatalf("sign-in of %s ended at %s with %d:\n%s", username, after.URL, after.Status, after.Body)
	}
	return a
}

// signInPage signs in and returns the page the browser lands on.
func signInPage(t *testing.T, base, username string) (*agent, page) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &agent{t: t, client: &http.Client{Jar: jar}, base: base}
	login := a.get(base + "/")
	if login.Status != http.StatusOK || !strings.Contains(login.Body, `name="password"`) {
		t.Fatalf("GET %s/: want the login page, got %d at %s:\n%s", base, login.Status, login.URL, login.Body)
	}
	req := regexp.MustCompile(`name="request" value="([^"]+)"`).FindStringSubmatch(login.Body)
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(login.Body)
	if req == nil || action == nil {
		t.Fatalf("login page without its form:\n%s", login.Body)
	}
	target := login.URL.ResolveReference(&url.URL{Path: html.UnescapeString(action[1])})
	after := a.postTo(target.String(), url.Values{"username": {username}, "password": {testPassword},
		"csrf_token": {login.csrf(t)}, "request": {html.UnescapeString(req[1])}})
	if !strings.HasPrefix(after.URL.String(), base+"/") {
		t.Fatalf("sign-in of %s ended at %s with %d:\n%s", username, after.URL, after.Status, after.Body)
	}
	return a, after
}

func (a *agent) do(req *http.Request) page {
	a.t.Helper()
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return page{Status: resp.StatusCode, Body: string(b), URL: resp.Request.URL, Header: resp.Header}
}

func (a *agent) get(u string) page {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return a.do(req)
}

func (a *agent) postTo(u string, form url.Values) page {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.do(req)
}

// post sends a form of the site's page at path (relative to base), with
// the CSRF token of the page form is read from.
func (a *agent) post(path string, form url.Values) page {
	a.t.Helper()
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", a.get(a.base+"/").csrf(a.t))
	}
	return a.postTo(a.base+path, form)
}

// token gets a client_credentials token from the token endpoint.
func token(t *testing.T, in *servertest.Instance, id, secret string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// shown extracts the value of a read-only field shown once (secret,
// api-key).
func shown(t *testing.T, p page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `" type="text" readonly value="([^"]+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no %s on the page (%d):\n%s", id, p.Status, p.Body)
	}
	return html.UnescapeString(m[1])
}

type configT = config.Config
