package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestUserCommandsEndTokensOfARunningServer: `user set-password` and
// `user disable`, run against the database of a running server, end the
// tokens the server issued (the server reads the revocation feed every
// 250 ms), and a disabled user's password grant is refused until `user
// enable`.
func TestUserCommandsEndTokensOfARunningServer(t *testing.T) {
	e := testEnv(t)
	in := servertest.Start(t, func(c *config.Config) { c.Database = e["TOKENMINT_DATABASE"] })
	e.ok(t, "first password\n", "user", "create", "--username", "ada", "--password-stdin")
	c := in.CreateClient(t, registry.ClientSpec{Name: "app", Scopes: []string{"api"},
		GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken}})
	tokenReq := func(form url.Values) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, in.URL+"/oauth2/token", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
		return doJSON(t, req)
	}
	passwordGrant := func(pw string) (int, map[string]any) {
		return tokenReq(url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {pw}})
	}
	for _, step := range []struct {
		command []string
		stdin   string
		pw      string // the password before the command
		after   int    // the status of the password grant with pw after it
	}{
		{[]string{"user", "set-password", "ada", "--password-stdin"}, "second password\n", "first password", http.StatusBadRequest},
		{[]string{"user", "disable", "ada"}, "", "second password", http.StatusBadRequest},
	} {
		status, body := passwordGrant(step.pw)
		if status != http.StatusOK {
			t.Fatalf("before %v: password grant %d %v", step.command, status, body)
		}
		access, refresh := body["access_token"].(string), body["refresh_token"].(string)
		e.ok(t, step.stdin, step.command...)
		if status, body := tokenReq(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("after %v: refresh %d %v, want invalid_grant", step.command, status, body)
		}
		for deadline := time.Now().Add(time.Second); introspectActive(t, in, c, access); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after %v: the access token is still active after a second", step.command)
			}
		}
		if status, body := passwordGrant(step.pw); status != step.after || body["error"] != "invalid_grant" {
			t.Fatalf("after %v: password grant %d %v, want invalid_grant", step.command, status, body)
		}
	}
	e.ok(t, "", "user", "enable", "ada")
	if status, body := passwordGrant("second password"); status != http.StatusOK {
		t.Fatalf("after user enable: password grant %d %v", status, body)
	}
}

func introspectActive(t *testing.T, in *servertest.Instance, c servertest.Client, tok string) bool {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, in.URL+"/oauth2/introspect", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	status, body := doJSON(t, req)
	if status != http.StatusOK {
		t.Fatalf("introspect: %d %v", status, body)
	}
	return body["active"] == true
}

func doJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: status %d, body not JSON: %v", req.URL, resp.StatusCode, err)
	}
	return resp.StatusCode, body
}
