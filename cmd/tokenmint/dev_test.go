package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// TestServeDev: serve --dev prints its client and user, serves tokens
// for them, and writes nothing to the working directory.
func TestServeDev(t *testing.T) {
	seedDir := t.TempDir()
	seed := writeFile(t, seedDir, "seed.yaml", "clients:\n  - client_id: seeded\n    client_name: seeded\n    scope: api\n    client_secret: {file: s.txt}\n")
	writeFile(t, seedDir, "s.txt", "seeded-secret-0123456789\n")
	dir := t.TempDir()
	t.Chdir(dir)
	addr, admin := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	c := &cli{env: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: time.Now}
	done := make(chan int, 1)
	go func() {
		done <- c.run(ctx, []string{"serve", "--dev", "--addr", addr, "--admin-addr", admin, "--dev-scope", "api", "--dev-scope", "openid",
			"--argon2-memory", "64", "--argon2-iterations", "1", "--argon2-parallelism", "1", "--seed", seed})
	}()
	if !waitHealthy(t, "http://"+addr+"/readyz", done) {
		t.Fatalf("dev server never became ready; stderr:\n%s", stderr.String())
	}
	banner := stdout.String()
	for _, want := range []string{"in memory, nothing is written to disk", "issuer         http://" + addr, "admin          http://" + admin,
		"client_id      dev-client\n", "client_secret  dev-client-secret\n", "scope          api openid\n", "username       dev\n", "password       dev-password\n"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	token := func(form url.Values, creds ...string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if len(creds) == 0 {
			creds = []string{"dev-client", "dev-client-secret"}
		}
		req.SetBasicAuth(creds[0], creds[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(body, &m)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("token: %d %s", resp.StatusCode, body)
		}
		return m
	}
	if m := token(url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}}); m["access_token"] == "" {
		t.Errorf("client_credentials: %v", m)
	}
	if m := token(url.Values{"grant_type": {"password"}, "username": {"dev"}, "password": {"dev-password"}, "scope": {"openid"}}); m["refresh_token"] == nil {
		t.Errorf("password grant: %v", m)
	}
	if m := token(url.Values{"grant_type": {"client_credentials"}}, "seeded", "seeded-secret-0123456789"); m["access_token"] == "" {
		t.Errorf("the client of --seed: %v", m)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("serve --dev exited %d: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve --dev did not stop")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("serve --dev wrote %s to the working directory", e.Name())
	}
	if strings.Contains(stderr.String(), "dev-client-secret") || strings.Contains(stderr.String(), "dev-password") {
		t.Errorf("the log contains a credential:\n%s", stderr.String())
	}
}

func TestServeDevRefuses(t *testing.T) {
	e := testEnv(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--dev", "--addr", "0.0.0.0:8080"}, "--addr: --dev listens on loopback only"},
		{[]string{"--dev", "--addr", ":8080"}, "loopback only"},
		{[]string{"--dev", "--admin-addr", "10.0.0.1:8081"}, "--admin-addr: --dev listens on loopback only"},
		{[]string{"--dev", "--database", "sqlite:x.db"}, "--database cannot be used with --dev"},
		{[]string{"--dev", "--master-key-file", "k"}, "--master-key-file cannot be used with --dev"},
		{[]string{"--dev-user", "x"}, "--dev-user goes with --dev"},
		{[]string{"--dev", "--dev-password", "short"}, "--dev-password: password is shorter"},
		{[]string{"--dev", "--dev-redirect-uri", "http://evil.example/cb"}, "redirect"},
	}
	for _, tt := range tests {
		r := e.exec(t, "", append([]string{"serve"}, tt.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("serve %v: exit %d, %q; want %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}
