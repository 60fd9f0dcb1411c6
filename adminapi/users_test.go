package adminapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

func (e *env) createUser(body any) adminapi.User {
	e.t.Helper()
	r := e.admin(http.MethodPost, adminapi.PathUsers, body)
	want(e.t, r, http.StatusCreated)
	var u adminapi.User
	r.json(e.t, &u)
	if loc := r.header.Get("Location"); loc != adminapi.PathUsers+"/"+u.UserID {
		e.t.Errorf("Location %q", loc)
	}
	return u
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(map[string]any{"username": "ada", "password": "a long passphrase", "email": "ada@example.com", "name": "Ada", "roles": []string{"admin"}})
	if u.Username != "ada" || u.Email != "ada@example.com" || !slices.Equal(u.Roles, []string{"admin"}) || u.Disabled || u.UserID == "" {
		t.Errorf("created %+v", u)
	}
	r := e.admin(http.MethodGet, adminapi.PathUsers+"/"+u.UserID, nil)
	want(t, r, http.StatusOK)
	if strings.Contains(string(r.body), "argon2") || strings.Contains(string(r.body), "passphrase") {
		t.Errorf("a user answer shows the password: %s", r.body)
	}
	stored, err := e.in.Server.Store().GetUser(t.Context(), u.UserID)
	if err != nil || !stored.HasRole(tokenmint.RoleAdmin) {
		t.Errorf("stored user %+v, %v", stored, err)
	}
	e.createUser(map[string]any{"username": "bob", "password": "another passphrase"})
	e.createUser(map[string]any{"username": "carol", "password": "a third passphrase"})

	// Paging, ordered by username, and the filter.
	r = e.admin(http.MethodGet, adminapi.PathUsers+"?page_size=2", nil)
	var l adminapi.UserList
	r.json(t, &l)
	if len(l.Users) != 2 || l.Users[0].Username != "ada" || l.NextPageToken == "" {
		t.Fatalf("first page %+v", l)
	}
	r = e.admin(http.MethodGet, adminapi.PathUsers+"?page_size=2&page_token="+url.QueryEscape(l.NextPageToken), nil)
	l = adminapi.UserList{}
	r.json(t, &l)
	if len(l.Users) != 1 || l.Users[0].Username != "carol" || l.NextPageToken != "" {
		t.Fatalf("second page %+v", l)
	}
	r = e.admin(http.MethodGet, adminapi.PathUsers+"?username=bob", nil)
	l = adminapi.UserList{}
	r.json(t, &l)
	if len(l.Users) != 1 || l.Users[0].Username != "bob" {
		t.Fatalf("filtered %+v", l)
	}

	// Changes name the member at fault.
	for _, tc := range []struct {
		method, path, body, field string
		status                    int
	}{
		{http.MethodPost, adminapi.PathUsers, `{"username":"ada","password":"long enough pw"}`, "", http.StatusConflict},
		{http.MethodPost, adminapi.PathUsers, `{"username":"x","password":"short"}`, "password", 400},
		{http.MethodPost, adminapi.PathUsers, `{"username":" x","password":"long enough pw"}`, "username", 400},
		{http.MethodPost, adminapi.PathUsers, `{"username":"x","password":"long enough pw","email":"nope"}`, "email", 400},
		{http.MethodPost, adminapi.PathUsers, `{"username":"x","password":"long enough pw","roles":["Admin"]}`, "roles", 400},
		{http.MethodPost, adminapi.PathUsers, `{"password":"long enough pw"}`, "username", 400},
		{http.MethodPost, adminapi.PathUsers, `{"username":"x"}`, "password", 400},
		{http.MethodPost, adminapi.PathUsers, `{"username":"x","password":null}`, "password", 400},
		{http.MethodPatch, adminapi.PathUsers + "/" + u.UserID, `{"username":"bob"}`, "", http.StatusConflict},
		{http.MethodPatch, adminapi.PathUsers + "/" + u.UserID, `{"password":"a new passphrase"}`, "password", 400},
		{http.MethodPatch, adminapi.PathUsers + "/" + u.UserID, `{"disabled":true}`, "disabled", 400},
		{http.MethodPatch, adminapi.PathUsers + "/" + u.UserID, `{"name":"A\u0007"}`, "name", 400},
		{http.MethodPatch, adminapi.PathUsers + "/nobody", `{"name":"x"}`, "", http.StatusNotFound},
		{http.MethodPost, adminapi.PathUsers + "/" + u.UserID + "/password", `{"password":"short"}`, "password", 400},
		{http.MethodPost, adminapi.PathUsers + "/" + u.UserID + "/password", `{}`, "password", 400},
		{http.MethodPost, adminapi.PathUsers + "/nobody/password", `{"password":"long enough pw"}`, "", http.StatusNotFound},
		{http.MethodPost, adminapi.PathUsers + "/nobody/disable", ``, "", http.StatusNotFound},
		{http.MethodPost, adminapi.PathUsers + "/nobody/revoke-sessions", ``, "", http.StatusNotFound},
		{http.MethodDelete, adminapi.PathUsers + "/nobody", ``, "", http.StatusNotFound},
	} {
		var body any
		if tc.body != "" {
			body = tc.body
		}
		r := e.do(call{method: tc.method, path: tc.path, token: e.token, body: body, hostile: true})
		want(t, r, tc.status)
		p := r.problem(t)
		if tc.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tc.field) {
			t.Errorf("%s %s %s: %+v", tc.method, tc.path, tc.body, p)
		}
	}
	r = e.admin(http.MethodPatch, adminapi.PathUsers+"/"+u.UserID, map[string]any{"roles": []string{}, "email": ""})
	want(t, r, http.StatusOK)
	var changed adminapi.User
	r.json(t, &changed)
	if len(changed.Roles) != 0 || changed.Email != "" || changed.Name != "Ada" {
		t.Errorf("patched %+v", changed)
	}
}

// TestUserLifecycle: a password change, disabling and revoke-sessions end
// the user's refresh token families; a disabled user cannot sign in until
// enabled; deletion ends everything.
func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	app := e.in.CreateClient(t, registry.ClientSpec{Name: "app", Public: true, GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken}, Scopes: []string{"api"}})
	u := e.createUser(map[string]any{"username": "dana", "password": "first passphrase"})
	path := adminapi.PathUsers + "/" + u.UserID
	signIn := func(pw string) (int, tokenResponse) {
		return passwordGrantStatus(t, e.in, app.ID, "dana", pw)
	}
	refreshes := func(rt string) bool {
		status, _ := refreshStatus(t, e.in, app.ID, rt)
		return status == http.StatusOK
	}
	for _, step := range []struct {
		name string
		do   func()
		pw   string
	}{
		{"password", func() {
			want(t, e.admin(http.MethodPost, path+"/password", map[string]any{"password": "second passphrase"}), http.StatusNoContent)
		}, "second passphrase"},
		{"revoke-sessions", func() { want(t, e.admin(http.MethodPost, path+"/revoke-sessions", nil), http.StatusNoContent) }, "second passphrase"},
	} {
		pw := "first passphrase"
		if step.name != "password" {
			pw = step.pw
		}
		status, tr := signIn(pw)
		if status != http.StatusOK || tr.RefreshToken == "" {
			t.Fatalf("%s: sign-in %d", step.name, status)
		}
		step.do()
		if refreshes(tr.RefreshToken) {
			t.Errorf("%s: the refresh token still works", step.name)
		}
		if status, _ := signIn(step.pw); status != http.StatusOK {
			t.Errorf("%s: sign-in afterwards %d", step.name, status)
		}
	}
	_, tr := signIn("second passphrase")
	r := e.admin(http.MethodPost, path+"/disable", nil)
	want(t, r, http.StatusOK)
	var du adminapi.User
	r.json(t, &du)
	if !du.Disabled || du.DisabledAt == nil {
		t.Errorf("disabled user %+v", du)
	}
	if refreshes(tr.RefreshToken) {
		t.Error("disable kept the refresh token")
	}
	if status, _ := signIn("second passphrase"); status == http.StatusOK {
		t.Error("a disabled user signed in")
	}
	r = e.admin(http.MethodPost, path+"/enable", map[string]any{})
	want(t, r, http.StatusOK)
	if status, _ := signIn("second passphrase"); status != http.StatusOK {
		t.Error("an enabled user cannot sign in")
	}
	want(t, e.admin(http.MethodDelete, path, nil), http.StatusNoContent)
	if status, _ := signIn("second passphrase"); status == http.StatusOK {
		t.Error("a deleted user signed in")
	}
}

func passwordGrantStatus(t *testing.T, in *servertest.Instance, clientID, username, pw string) (int, tokenResponse) {
	t.Helper()
	return postToken(t, in, url.Values{"grant_type": {"password"}, "client_id": {clientID}, "username": {username}, "password": {pw}, "scope": {"api"}})
}

func refreshStatus(t *testing.T, in *servertest.Instance, clientID, rt string) (int, tokenResponse) {
	t.Helper()
	return postToken(t, in, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {rt}})
}

func postToken(t *testing.T, in *servertest.Instance, form url.Values) (int, tokenResponse) {
	t.Helper()
	resp, err := http.PostForm(in.URL+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	json.NewDecoder(resp.Body).Decode(&tr)
	return resp.StatusCode, tr
}
