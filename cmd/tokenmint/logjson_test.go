package main

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/internal/cutproxy"
	"github.com/tokenmint/tokenmint/store/storetest"
	"github.com/tokenmint/tokenmint/token"
)

// buildBinary builds ./cmd/tokenmint into a temporary directory, with
// the VCS information where the go command can record it.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "tokenmint")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Env = cleanEnv()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startRedis runs a redis-server of the test's own on a free port, or
// uses the one TOKENMINT_TEST_REDIS names; "" when there is neither.
func startRedis(t *testing.T) string {
	t.Helper()
	if path, err := exec.LookPath("redis-server"); err == nil {
		addr := freeAddr(t)
		_, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command(path, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		for range 100 {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return addr
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatal("redis-server did not start")
	}
	if u, err := url.Parse(os.Getenv("TOKENMINT_TEST_REDIS")); err == nil && u.Host != "" {
		return u.Host
	}
	return ""
}

// TestLogFormatJSONEveryLine runs the real binary with --log-format json
// through start-up, traffic carrying secrets in every place a request
// can, an outage of Redis (and of PostgreSQL when TOKENMINT_TEST_POSTGRES
// is set; SQLite otherwise), and shutdown, and parses every line it
// wrote, on stdout and stderr, as a JSON object. Then: the access log
// has its fields and a trusted proxy's X-Request-Id, which the audit
// event of the request carries too; each outage is one start line and
// one end line with its duration, not a warning per failure; durations
// are text; and no secret sent appears anywhere in the output.
func TestLogFormatJSONEveryLine(t *testing.T) {
	bin := buildBinary(t)
	redisAddr := startRedis(t)
	if redisAddr == "" {
		t.Skip("neither redis-server nor TOKENMINT_TEST_REDIS: no Redis to cut")
	}
	redisProxy := cutproxy.New(t, redisAddr)
	dir := t.TempDir()
	database := "sqlite:" + filepath.Join(dir, "tokenmint.db")
	var dbProxy *cutproxy.Proxy
	if os.Getenv(storetest.PostgresEnv) != "" {
		u, err := url.Parse(storetest.PostgresDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		dbProxy = cutproxy.New(t, u.Host)
		u.Host = dbProxy.Addr()
		q := u.Query()
		q.Set("connect_timeout", "1")
		u.RawQuery = q.Encode()
		database = u.String()
	} else {
		t.Log(storetest.PostgresEnv + " is not set: no database outage in this run (SQLite)")
	}
	env := append(cleanEnv(), "TOKENMINT_MASTER_KEY="+token.GenerateMasterKey().Encode(), "TOKENMINT_DATABASE="+database,
		"TOKENMINT_ARGON2_MEMORY=64", "TOKENMINT_ARGON2_ITERATIONS=1", "TOKENMINT_ARGON2_PARALLELISM=1")

	create := exec.Command(bin, "client", "create", "--name", "logs", "--scope", "api", "--token-format", "opaque", "--output", "json")
	create.Env = env
	out, err := create.Output()
	if err != nil {
		t.Fatalf("client create: %v\n%s", err, out)
	}
	var cl clientView
	if err := json.Unmarshal(out, &cl); err != nil {
		t.Fatal(err)
	}

	addr, adminAddr := freeAddr(t), freeAddr(t)
	srv := exec.Command(bin, "serve", "--log-format", "json", "--addr", addr, "--admin-addr", adminAddr,
		"--redis", "redis://"+redisProxy.Addr()+"/0", "--token-rate-limit", "100000/1m", "--rate-limit-fail-open",
		"--trusted-proxies", "127.0.0.1/32", "--shutdown-timeout", "5s", "--audit-log", "stderr")
	srv.Env = env
	var stdout, stderr lockedBuffer
	srv.Stdout, srv.Stderr = &stdout, &stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() { srv.Process.Kill() })
	base := "http://" + addr
	if !waitHealthy(t, base+"/readyz", nil) {
		t.Fatalf("server never became ready:\n%s", stderr.String())
	}

	accessToken, secrets := secretTraffic(t, base, "http://"+adminAddr, cl)
	secrets = append(secrets, cl.ClientSecret, accessToken)

	cutAndRestore(t, "redis", redisProxy, base, cl, &stderr)
	if dbProxy != nil {
		cutAndRestore(t, "database", dbProxy, base, cl, &stderr)
	}

	srv.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve exited with %v:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}

	lines := append(jsonLines(t, "stdout", stdout.String()), jsonLines(t, "stderr", stderr.String())...)
	all := stdout.String() + stderr.String()
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("the output carries a secret the requests sent: %q", s)
		}
	}
	checkAccessLine(t, lines, cl.ClientID)
	checkOutageLines(t, lines, "redis")
	if dbProxy != nil {
		checkOutageLines(t, lines, "database")
	}
	for _, l := range lines {
		switch l["msg"] {
		case "shutting down":
			if l["grace"] != "5s" {
				t.Errorf("shutting down: grace %v, want \"5s\"", l["grace"])
			}
		case "tokenmint listening":
			if v, _ := l["version"].(string); v == "" || l["go_version"] == nil {
				t.Errorf("start-up line without the build: %v", l)
			}
		}
	}
}

// secretTraffic sends a token request from a trusted proxy with an
// X-Request-Id, then requests with secrets in the query, the form, the
// headers, cookies and the path, on both listeners; it returns the access
// token issued and the secrets sent.
func secretTraffic(t *testing.T, base, admin string, cl clientView) (string, []string) {
	t.Helper()
	req := formRequest(t, base+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}})
	req.SetBasicAuth(cl.ClientID, cl.ClientSecret)
	req.Header.Set("X-Request-Id", "proxy-request-0001")
	status, h, body := send(t, req)
	if status != 200 || h.Get("X-Request-Id") != "proxy-request-0001" {
		t.Fatalf("token: %d, X-Request-Id %q: %s", status, h.Get("X-Request-Id"), body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(body, &tok)

	secrets := []string{"S3CRET-in-query", "C0DE-in-form", "REFRESH-in-form", "PASSW0RD-in-form", "VERIFIER-in-form",
		"ASSERTION-in-form", "COOKIE-value", "BEARER-garbage", "APIKEY-header", "PATH-secret-segment", "ADMIN-bearer"}
	q := url.Values{"client_secret": {secrets[0]}, "code": {secrets[1]}}
	for _, f := range []url.Values{
		{"grant_type": {"authorization_code"}, "client_id": {cl.ClientID}, "client_secret": {cl.ClientSecret}, "code": {secrets[1]},
			"code_verifier": {secrets[4]}, "redirect_uri": {"https://app.example/cb"}},
		{"grant_type": {"refresh_token"}, "refresh_token": {secrets[2]}, "client_id": {cl.ClientID}, "client_secret": {cl.ClientSecret}},
		{"grant_type": {"password"}, "username": {"alice"}, "password": {secrets[3]}, "client_id": {cl.ClientID}, "client_secret": {cl.ClientSecret}},
		{"grant_type": {"client_credentials"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {secrets[5]}},
		{"grant_type": {secrets[0]}, "client_id": {secrets[0]}, "client_secret": {secrets[0]}}, // a secret as the client_id and the grant type
	} {
		req := formRequest(t, base+"/oauth2/token?"+q.Encode(), f)
		req.Header.Set("Cookie", "tokenmint_session="+secrets[6])
		req.Header.Set("X-Api-Key", secrets[8])
		req.Header.Set("X-Request-Id", "bad id "+secrets[0]) // not a plausible ID: replaced
		if status, h, body := send(t, req); status == 200 || h.Get("X-Request-Id") == "" || strings.Contains(h.Get("X-Request-Id"), secrets[0]) {
			t.Fatalf("%v: %d %s, X-Request-Id %q", f, status, body, h.Get("X-Request-Id"))
		}
	}
	for _, r := range []*http.Request{
		formRequest(t, base+"/oauth2/introspect", url.Values{"token": {tok.AccessToken}, "client_id": {cl.ClientID}, "client_secret": {cl.ClientSecret}}),
		formRequest(t, base+"/oauth2/revoke", url.Values{"token": {secrets[2]}, "client_id": {cl.ClientID}, "client_secret": {cl.ClientSecret}}),
		bearer(t, base+"/oauth2/userinfo", tok.AccessToken),
		bearer(t, base+"/oauth2/userinfo", secrets[7]),
		bearer(t, base+"/oauth2/register/"+secrets[9], secrets[7]),
		bearer(t, base+"/oauth2/authorize?client_id="+cl.ClientID+"&response_type=code&code_challenge="+secrets[4]+"&state="+secrets[1], ""),
		bearer(t, admin+"/admin/v1/clients", secrets[10]),
		bearer(t, base+"//oauth2/token/../"+secrets[9], ""),
	} {
		send(t, r)
	}
	return tok.AccessToken, secrets
}

func formRequest(t *testing.T, u string, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func bearer(t *testing.T, u, tok string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return req
}

func send(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		b.WriteString(sc.Text())
	}
	return resp.StatusCode, resp.Header, []byte(b.String())
}

// cutAndRestore cuts a dependency for a second and a half of token
// requests, restores it, and waits for the log to say its outage ended.
func cutAndRestore(t *testing.T, name string, p *cutproxy.Proxy, base string, cl clientView, stderr *lockedBuffer) {
	t.Helper()
	p.SetCut(true)
	deadline := time.Now().Add(1500 * time.Millisecond)
	n := 0
	for time.Now().Before(deadline) {
		req := formRequest(t, base+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}})
		req.SetBasicAuth(cl.ClientID, cl.ClientSecret)
		send(t, req)
		n++
		time.Sleep(20 * time.Millisecond)
	}
	p.SetCut(false)
	end := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), `"msg":"`+name+` outage ended"`) {
		if time.Now().After(end) {
			t.Fatalf("%s: no \"outage ended\" line 20s after it was restored (%d requests during the cut):\n%s", name, n, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// jsonLines parses every line of out as a JSON object.
func jsonLines(t *testing.T, stream, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for i, s := range strings.Split(out, "\n") {
		if s == "" {
			continue
		}
		var l map[string]any
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Errorf("%s line %d is not a JSON object: %v\n%s", stream, i+1, err, s)
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

// checkAccessLine finds the access log line and the audit event of the
// request sent with X-Request-Id proxy-request-0001.
func checkAccessLine(t *testing.T, lines []map[string]any, clientID string) {
	t.Helper()
	var access, audit map[string]any
	requests := 0
	for _, l := range lines {
		switch {
		case l["msg"] == "request":
			requests++
			if l["request_id"] == "proxy-request-0001" {
				access = l
			}
		case l["msg"] == "audit" && l["request_id"] == "proxy-request-0001":
			audit = l
		}
	}
	if requests < 10 {
		t.Errorf("%d access log lines, want one per request", requests)
	}
	want := map[string]any{"listener": "public", "method": "POST", "route": "POST /oauth2/token", "status": float64(200),
		"client_id": clientID, "grant_type": "client_credentials", "ip": "127.0.0.1"}
	for k, v := range want {
		if access[k] != v {
			t.Errorf("access line %s = %v, want %v (line %v)", k, access[k], v, access)
		}
	}
	if d, ok := access["duration"].(string); !ok {
		t.Errorf("access line duration %v: want text", access["duration"])
	} else if _, err := time.ParseDuration(d); err != nil {
		t.Errorf("access line duration %q: %v", d, err)
	}
	if audit == nil || audit["type"] != "token.issued" {
		t.Errorf("no token.issued audit event with the request's ID: %v", audit)
	}
}

// checkOutageLines: one outage of name, told in one start line and one
// end line with its duration as text, and few warnings about it.
func checkOutageLines(t *testing.T, lines []map[string]any, name string) {
	t.Helper()
	counts := map[string]int{}
	for _, l := range lines {
		msg, _ := l["msg"].(string)
		if strings.HasPrefix(msg, name+" outage ") {
			counts[msg]++
			t.Logf("%v", l)
		}
		if msg == name+" outage ended" {
			d, _ := l["duration"].(string)
			if dd, err := time.ParseDuration(d); err != nil || dd <= 0 {
				t.Errorf("%s: duration %v: want text such as \"1.6s\"", msg, l["duration"])
			}
			if n, _ := l["failures"].(float64); n < 1 {
				t.Errorf("%s: failures %v", msg, l["failures"])
			}
		}
	}
	if counts[name+" outage started"] != 1 || counts[name+" outage ended"] != 1 {
		t.Errorf("%s outage: lines %v, want one start and one end", name, counts)
	}
	warns := 0
	for _, l := range lines {
		if l["level"] == "WARN" || l["level"] == "ERROR" {
			warns++
		}
	}
	if warns > 8 {
		t.Errorf("%d warnings and errors in the run: outages should be told in a few lines", warns)
	}
}
