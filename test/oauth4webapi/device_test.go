package oauth4webapi_test

import (
	"bufio"
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestOAuth4WebAPIDevice: oauth4webapi runs the Device Authorization
// Grant (RFC 8628) against a real server (device.mjs): discovery, two
// device authorizations of a public client, authorization_pending then
// slow_down, an invalid_scope refusal; this test approves one user code
// and denies the other through the verification page's forms, as a
// person's browser would; then the tokens (access, refresh, an ID token
// oauth4webapi validates), invalid_grant for the code redeemed again
// (and its refresh token revoked with it), access_denied for the denied
// one.
func TestOAuth4WebAPIDevice(t *testing.T) {
	node := requireNode(t)
	clock := servertest.NewClock()
	realTime(t, clock)
	cfg := config.Default()
	cfg.Issuer = ""
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db")
	in := servertest.StartWithClock(t, clock, cfg)
	in.CreateUser(t, "ada", "correct horse battery")
	dev := in.CreateClient(t, registry.ClientSpec{Name: "oauth4webapi device", Public: true,
		GrantTypes: []string{tokenmint.GrantDeviceCode, tokenmint.GrantRefreshToken}, Scopes: []string{"openid", "api:read"}})

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "device.mjs")
	cmd.Env = append(os.Environ(), "TOKENMINT_ISSUER="+in.Config.Issuer, "DEVICE_CLIENT_ID="+dev.ID)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if code, ok := strings.CutPrefix(line, "APPROVE "); ok {
			answer(t, in.URL, code, "allow", "Device connected")
		}
		if code, ok := strings.CutPrefix(line, "DENY "); ok {
			answer(t, in.URL, code, "deny", "Request denied")
		}
	}
	err = cmd.Wait()
	t.Logf("node device.mjs:\n%s%s", out.String(), stderr.String())
	if err != nil {
		t.Fatalf("oauth4webapi: %v", err)
	}
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// answer signs in on the verification page as ada, enters the user
// code, and allows or denies.
func answer(t *testing.T, base, userCode, decision, want string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	hidden := url.Values{}
	send := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", resp.Request.URL, resp.StatusCode, b)
		}
		for _, m := range hiddenField.FindAllStringSubmatch(string(b), -1) {
			hidden.Set(m[1], html.UnescapeString(m[2]))
		}
		return string(b)
	}
	send(c.Get(base + "/device?user_code=" + url.QueryEscape(userCode)))
	send(c.PostForm(base+"/device/login", url.Values{"csrf_token": {hidden.Get("csrf_token")}, "user_code": {hidden.Get("user_code")},
		"username": {"ada"}, "password": {"correct horse battery"}}))
	send(c.PostForm(base+"/device", url.Values{"csrf_token": {hidden.Get("csrf_token")}, "user_code": {userCode}}))
	page := send(c.PostForm(base+"/device/consent", url.Values{"csrf_token": {hidden.Get("csrf_token")}, "user_code": {hidden.Get("user_code")}, "decision": {decision}}))
	if !strings.Contains(page, want) {
		t.Fatalf("after %s the page does not say %q:\n%s", decision, want, page)
	}
}
