package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
)

// clientCount is how many clients the store holds.
func clientCount(t *testing.T, a *agent, st tokenmint.Store) int {
	t.Helper()
	cs, err := st.ListClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(cs)
}

// TestConsoleHostile: forged or missing CSRF tokens, a cross-origin post,
// another session's token, oversized fields and bodies, a script in every
// text field: each refused with a clear message (or shown escaped), and
// nothing changed.
func TestConsoleHostile(t *testing.T) {
	in := start(t)
	user(t, in, "ada", true)
	user(t, in, "eve", true)
	ada := signIn(t, in.AdminURL+"/console", "ada")
	eve := signIn(t, in.AdminURL+"/console", "eve")
	st := in.Server.Store()
	before := clientCount(t, ada, st)

	refused := func(name string, p page, status int, msg string) {
		t.Helper()
		if p.Status != status || !strings.Contains(p.Body, msg) {
			t.Errorf("%s: %d, want %d with %q:\n%s", name, p.Status, status, msg, p.Body)
		}
		if n := clientCount(t, ada, st); n != before {
			t.Errorf("%s: %d clients, want %d (nothing changed)", name, n, before)
		}
	}
	form := newClientForm("Forged")
	refused("no CSRF token", ada.postTo(in.AdminURL+"/console/clients", form), http.StatusForbidden, "nothing was changed")
	form.Set("csrf_token", "AAAA")
	refused("forged CSRF token", ada.postTo(in.AdminURL+"/console/clients", form), http.StatusForbidden, "nothing was changed")
	form.Set("csrf_token", eve.get(in.AdminURL+"/console/").csrf(t))
	refused("another session's CSRF token", ada.postTo(in.AdminURL+"/console/clients", form), http.StatusForbidden, "nothing was changed")

	good := ada.get(in.AdminURL + "/console/").csrf(t)
	form.Set("csrf_token", good+"=")
	refused("non-canonical CSRF token", ada.postTo(in.AdminURL+"/console/clients", form), http.StatusForbidden, "nothing was changed")

	// A cross-site page posting with the browser's cookies.
	form.Set("csrf_token", good)
	req, _ := http.NewRequest(http.MethodPost, in.AdminURL+"/console/clients", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	refused("cross-origin post", ada.do(req), http.StatusForbidden, "nothing was changed")

	// Oversized: one field past its bound, the whole body past the server's.
	big := newClientForm(strings.Repeat("n", 201))
	big.Set("csrf_token", good)
	refused("oversized name", ada.postTo(in.AdminURL+"/console/clients", big), http.StatusBadRequest, "Name is longer than 200 characters")
	huge := newClientForm("Huge")
	huge.Set("csrf_token", good)
	huge.Set("claims", strings.Repeat("x", 70<<10))
	refused("oversized body", ada.postTo(in.AdminURL+"/console/clients", huge), http.StatusRequestEntityTooLarge, "nothing was changed")
	twice := newClientForm("Twice")
	twice.Set("csrf_token", good)
	twice.Add("client_name", "Again")
	refused("a field given twice", ada.postTo(in.AdminURL+"/console/clients", twice), http.StatusBadRequest, "Name is given twice")
	bad := newClientForm("Bad TTL")
	bad.Set("csrf_token", good)
	bad.Set("access_token_ttl", "-5")
	refused("negative lifetime", ada.postTo(in.AdminURL+"/console/clients", bad), http.StatusBadRequest, "Token expiration (seconds) must be a number")
	bad.Set("access_token_ttl", "60")
	bad.Set("redirect_uris", "http://evil.example/cb")
	bad.Set("grant_types", "authorization_code")
	refused("redirect URI rule", ada.postTo(in.AdminURL+"/console/clients", bad), http.StatusBadRequest, "redirect")

	// A script in every text field is shown as text, never run.
	const script = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`
	x := newClientForm(script)
	x.Set("csrf_token", good)
	x.Set("scope", "api")
	x.Set("claims", "note="+script)
	x.Set("audience", "urn:"+strings.ReplaceAll(script, " ", ""))
	created := ada.postTo(in.AdminURL+"/console/clients", x)
	if created.Status != http.StatusCreated {
		t.Fatalf("create with markup: %d\n%s", created.Status, created.Body)
	}
	id := shownClientID(t, created)
	for _, p := range []page{created, ada.get(in.AdminURL + "/console/clients/" + id), ada.get(in.AdminURL + "/console/clients"),
		ada.get(in.AdminURL + "/console/clients/" + id + "/delete"), ada.get(in.AdminURL + "/console/audit?client_id=" + url.QueryEscape(id))} {
		if strings.Contains(p.Body, "<script>alert") || strings.Contains(p.Body, "<img src=x") {
			t.Errorf("%s shows markup unescaped", p.URL)
		}
	}
	if p := ada.get(in.AdminURL + "/console/clients/" + id); !strings.Contains(p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the name is not shown escaped:\n%s", p.Body)
	}
	// Script in the user fields and the search and audit filters.
	u := ada.post("/users", url.Values{"username": {script}, "name": {script}, "email": {"x@example.com"}, "password": {testPassword}})
	if u.Status != http.StatusOK || strings.Contains(u.Body, "<script>alert") {
		t.Errorf("user with markup: %d", u.Status)
	}
	for _, path := range []string{"/clients?q=" + url.QueryEscape(script), "/audit?type=" + url.QueryEscape(script), "/audit?client_id=" + url.QueryEscape(script)} {
		if p := ada.get(in.AdminURL + "/console" + path); strings.Contains(p.Body, "<script>alert") {
			t.Errorf("%s reflects markup", path)
		}
	}

	// A user ID or client ID that does not exist.
	if p := ada.get(in.AdminURL + "/console/clients/nope"); p.Status != http.StatusNotFound {
		t.Errorf("unknown client: %d", p.Status)
	}
	if p := ada.post("/clients/nope/secret", url.Values{"grace": {"0"}}); p.Status != http.StatusNotFound {
		t.Errorf("rotate an unknown client: %d", p.Status)
	}
	if p := ada.post("/clients/"+id+"/secret", url.Values{"grace": {"-1"}}); p.Status != http.StatusBadRequest {
		t.Errorf("negative grace: %d", p.Status)
	}
	// Self-protection: an administrator cannot disable themselves.
	if p := ada.post("/users/"+userID(t, st, "ada")+"/disable", url.Values{}); p.Status != http.StatusConflict {
		t.Errorf("disable yourself: %d", p.Status)
	}
}

func userID(t *testing.T, st tokenmint.Store, name string) string {
	t.Helper()
	u, err := st.GetUserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestConsoleSessionEnds: sign-out revokes the session's token (the old
// cookie is worthless); disabling a user ends their console session at
// once.
func TestConsoleSessionEnds(t *testing.T) {
	in := start(t)
	user(t, in, "ada", true)
	user(t, in, "eve", true)
	ada := signIn(t, in.AdminURL+"/console", "ada")
	eve := signIn(t, in.AdminURL+"/console", "eve")

	u, _ := url.Parse(in.AdminURL)
	old := ada.client.Jar.Cookies(u)
	out := ada.post("/signout", url.Values{})
	if out.Status != http.StatusOK || !strings.Contains(out.Body, "signed out") {
		t.Fatalf("sign-out: %d at %s\n%s", out.Status, out.URL, out.Body)
	}
	req, _ := http.NewRequest(http.MethodGet, in.AdminURL+"/console/clients", nil)
	for _, c := range old {
		req.AddCookie(c)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the signed-out cookie still works: %d", resp.StatusCode)
	}

	adaAgain := signIn(t, in.AdminURL+"/console", "ada")
	if p := adaAgain.post("/users/"+userID(t, in.Server.Store(), "eve")+"/disable", url.Values{}); p.Status != http.StatusOK {
		t.Fatalf("disable eve: %d\n%s", p.Status, p.Body)
	}
	if p := eve.get(in.AdminURL + "/console/"); p.Status == http.StatusOK && strings.Contains(p.Body, ">eve<") {
		t.Errorf("a disabled user's console session still works")
	}
}

// TestSelfService: a user without the admin role creates apps at /apps/
// within the operator's policy and limit, and can neither see nor change
// another user's.
func TestSelfService(t *testing.T) {
	in := start(t)
	user(t, in, "bob", false)
	user(t, in, "carol", false)
	user(t, in, "ada", true)
	bob := signIn(t, in.URL+"/apps", "bob")
	carol := signIn(t, in.URL+"/apps", "carol")

	app := url.Values{"client_name": {"Bob's app"}, "app_type": {"client_secret_basic"}, "redirect_uris": {"https://bob.example/cb"},
		"grant_types": {"authorization_code", "refresh_token"}, "scope": {"openid", "email"}}
	created := bob.post("/", app)
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d\n%s", created.Status, created.Body)
	}
	id, secret := shownClientID(t, created), shown(t, created, "secret")
	if secret == "" {
		t.Fatal("no secret shown")
	}
	c, err := in.Server.Store().GetClient(context.Background(), id)
	if err != nil || c.Owner != userID(t, in.Server.Store(), "bob") {
		t.Fatalf("owner: %+v %v", c.Owner, err)
	}

	// Outside the policy.
	for name, change := range map[string]func(url.Values){
		"scope not offered":      func(v url.Values) { v.Set("scope", "tokenmint:admin") },
		"grant type not offered": func(v url.Values) { v.Set("grant_types", "password") },
		"kind not offered":       func(v url.Values) { v.Set("app_type", "private_key_jwt") },
		"redirect rule":          func(v url.Values) { v.Set("redirect_uris", "http://bob.example/cb") },
	} {
		v := url.Values{}
		for k, vals := range app {
			v[k] = append([]string(nil), vals...)
		}
		change(v)
		if p := bob.post("/", v); p.Status != http.StatusBadRequest {
			t.Errorf("%s: %d\n%s", name, p.Status, p.Body)
		}
	}

	// The limit (2 in start): the second succeeds, the third is refused.
	if p := bob.post("/", app); p.Status != http.StatusCreated {
		t.Fatalf("second app: %d", p.Status)
	}
	if p := bob.post("/", app); p.Status != http.StatusConflict || !strings.Contains(p.Body, "the most this server allows per user") {
		t.Errorf("beyond the limit: %d\n%s", p.Status, p.Body)
	}
	owned, _ := in.Registry.OwnedClients(context.Background(), userID(t, in.Server.Store(), "bob"))
	if len(owned) != 2 {
		t.Errorf("bob owns %d apps, want 2", len(owned))
	}

	// Carol sees none of bob's apps, and gets 404 for each of them.
	if p := carol.get(in.URL + "/apps/"); strings.Contains(p.Body, id) {
		t.Errorf("carol's list shows bob's app")
	}
	for name, p := range map[string]page{
		"view":    carol.get(in.URL + "/apps/" + id),
		"update":  carol.post("/"+id, url.Values{"client_name": {"Carol's now"}, "redirect_uris": {"https://carol.example/cb"}}),
		"rotate":  carol.post("/"+id+"/secret", url.Values{"grace": {"0"}}),
		"confirm": carol.get(in.URL + "/apps/" + id + "/delete"),
		"delete":  carol.post("/"+id+"/delete", url.Values{}),
	} {
		if p.Status != http.StatusNotFound {
			t.Errorf("carol %s bob's app: %d", name, p.Status)
		}
	}
	after, err := in.Server.Store().GetClient(context.Background(), id)
	if err != nil || after.Name != "Bob's app" || !after.UpdatedAt.Equal(c.UpdatedAt) {
		t.Errorf("bob's app changed: %+v %v", after, err)
	}
	// Bob edits his app's name and redirect URIs.
	if p := bob.post("/"+id, url.Values{"client_name": {"Bob's renamed app"}, "redirect_uris": {"https://bob.example/cb2"}}); p.Status != http.StatusOK {
		t.Fatalf("bob edits: %d\n%s", p.Status, p.Body)
	}
	// The operator sees the owner.
	ada := signIn(t, in.AdminURL+"/console", "ada")
	bobID := userID(t, in.Server.Store(), "bob")
	if p := ada.get(in.AdminURL + "/console/clients/" + id); !strings.Contains(p.Body, `id="owner"><a href="/console/users/`+bobID+`">bob</a> (self-service)`) {
		t.Errorf("operator page does not show the owner, with a link to their page:\n%s", p.Body)
	}
	// /apps/ is not served without --self-service.
	plain := start(t, func(cfg *configT) { cfg.SelfService = false })
	resp, err := http.Get(plain.URL + "/apps/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/apps/ without --self-service: %d", resp.StatusCode)
	}
}

// TestConsoleDeleteUserHostile: no CSRF token, a forged one, another
// session's, an unknown user ID and deleting oneself: each refused, and
// nobody deleted.
func TestConsoleDeleteUserHostile(t *testing.T) {
	in := start(t)
	user(t, in, "ada", true)
	user(t, in, "eve", true)
	bob := user(t, in, "bob", false)
	ada := signIn(t, in.AdminURL+"/console", "ada")
	eve := signIn(t, in.AdminURL+"/console", "eve")
	st := in.Server.Store()
	users := func() int {
		t.Helper()
		all, err := st.ListUsers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	before := users()
	target := in.AdminURL + "/console/users/" + bob.ID + "/delete"
	for _, tc := range []struct {
		name, csrf string
	}{
		{"no CSRF token", ""},
		{"forged CSRF token", "AAAA"},
		{"another session's CSRF token", eve.get(in.AdminURL + "/console/").csrf(t)},
	} {
		form := url.Values{}
		if tc.csrf != "" {
			form.Set("csrf_token", tc.csrf)
		}
		if p := ada.postTo(target, form); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "nothing was changed") {
			t.Errorf("%s: %d\n%s", tc.name, p.Status, p.Body)
		}
	}
	for _, id := range []string{"nope", url.PathEscape("<script>alert(1)</script>"), strings.Repeat("x", 300)} {
		if p := ada.get(in.AdminURL + "/console/users/" + id + "/delete"); p.Status != http.StatusNotFound || strings.Contains(p.Body, "<script>alert") {
			t.Errorf("confirm an unknown user %.20s: %d", id, p.Status)
		}
		if p := ada.post("/users/"+id+"/delete", url.Values{}); p.Status != http.StatusNotFound || strings.Contains(p.Body, "<script>alert") {
			t.Errorf("delete an unknown user %.20s: %d", id, p.Status)
		}
	}
	self := userID(t, st, "ada")
	for _, p := range []page{ada.get(in.AdminURL + "/console/users/" + self + "/delete"), ada.post("/users/"+self+"/delete", url.Values{})} {
		if p.Status != http.StatusConflict || !strings.Contains(p.Body, "You cannot delete yourself") {
			t.Errorf("delete yourself (%s): %d\n%s", p.URL, p.Status, p.Body)
		}
	}
	if n := users(); n != before {
		t.Errorf("%d users, want %d: a refused request deleted one", n, before)
	}
}
