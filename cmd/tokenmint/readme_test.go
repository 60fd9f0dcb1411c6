package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestREADMEExamples runs the README's shell examples verbatim, in order,
// against the real binary on a fresh database: the quick start, users and
// the four dialects, manifests, the development server, the admin API
// (everything before the PostgreSQL section, which needs a database
// server of its own). Only the lines that start the servers or build the
// binary are left to the test, which does these first, and BASE, ADMIN
// and DEV point at the test's ports.
func TestREADMEExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the README against it")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	script := readmeScript(t)
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "tokenmint"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr, adminAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, filepath.Join(dir, "tokenmint"), "serve", "--dialects", "all", "--addr", addr, "--admin-addr", adminAddr)
	srv.Dir, srv.Env = dir, cleanEnv()
	var srvLog lockedBuffer
	srv.Stdout, srv.Stderr = &srvLog, &srvLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); srv.Wait() }()
	if !waitHealthy(t, "http://"+addr+"/readyz", nil) {
		t.Fatalf("server never became ready:\n%s", srvLog.String())
	}
	script = strings.ReplaceAll(script, "BASE=http://127.0.0.1:8080", "BASE=http://"+addr)
	script = strings.ReplaceAll(script, "ADMIN=http://127.0.0.1:8081", "ADMIN=http://"+adminAddr)
	script = strings.ReplaceAll(script, "DEV=http://127.0.0.1:9080", "DEV=http://"+startDevServer(t, ctx, dir))
	sh := exec.Command("bash", "-euo", "pipefail", "-c", script)
	sh.Dir, sh.Env = dir, cleanEnv()
	var out bytes.Buffer
	sh.Stdout, sh.Stderr = &out, &out
	if err := sh.Run(); err != nil {
		t.Fatalf("README examples failed: %v\n%s\nserver log:\n%s", err, out.String(), srvLog.String())
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`"token_type":"Bearer"`),                                       // quick start token
		regexp.MustCompile(`(?s)\{"active":true,.*\}\s*\{"active":false\}`),               // introspect, revoke, introspect
		regexp.MustCompile(`"encompass_client_id":"007001".*"identity_type":"Partner"`),   // EPC introspection
		regexp.MustCompile(`(?m)^204$`),                                                   // EPC revocation
		regexp.MustCompile(`"registration_client_uri":"http[^"]+/register/`),              // RFC 7591 registration
		regexp.MustCompile(`"token_endpoint_auth_method": "client_secret_jwt"`),           // client_secret_jwt client (its token: curl --fail-with-body)
		regexp.MustCompile(`"expires_in":7200,"access_token":"ey`),                        // Epicollect5
		regexp.MustCompile(`"userName":"dana"`),                                           // Eptura users/me
		regexp.MustCompile(`"expires_in":3600,"refresh_token":"tmrt_`),                    // EmpowerID
		regexp.MustCompile(`\{"clients":\[\{"client_id":`),                                // admin API: list
		regexp.MustCompile(`"client_name":"partner".*"access_token_ttl":7200`),            // admin API: PATCH
		regexp.MustCompile(`"client_secret":"tmcs_[^"]+".*"previous_secret_expires_at":`), // admin API: rotation
		regexp.MustCompile(`client reports: created\n  client_secret  tmcs_`),             // apply
		regexp.MustCompile(`apply: nothing to change \(3 unchanged\)`),                    // apply again
		regexp.MustCompile(`client legacy-svc: created\n  client_secret  tmcs_`),          // import --from hydra
		regexp.MustCompile(`access_ttl +30m0s`),                                           // CLI remote mode: client update
		regexp.MustCompile(`"id_token":"ey`),                                              // serve --dev, password grant
	} {
		if !want.MatchString(out.String()) {
			t.Errorf("README output lacks %s:\n%s", want, out.String())
		}
	}
}

// startDevServer runs the README's `tokenmint serve --dev` on free ports
// and returns its address.
func startDevServer(t *testing.T, ctx context.Context, dir string) string {
	t.Helper()
	addr := freeAddr(t)
	dev := exec.CommandContext(ctx, filepath.Join(dir, "tokenmint"), "serve", "--dev", "--addr", addr, "--admin-addr", "off")
	dev.Dir, dev.Env = dir, cleanEnv()
	var log lockedBuffer
	dev.Stdout, dev.Stderr = &log, &log
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Process.Kill(); dev.Wait() })
	if !waitHealthy(t, "http://"+addr+"/readyz", nil) {
		t.Fatalf("serve --dev never became ready:\n%s", log.String())
	}
	return addr
}

// readmeScript extracts the shell examples of README.md up to the
// PostgreSQL section, without the lines that start the server, run the
// tests or build the binary.
func readmeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if i := strings.Index(text, "## PostgreSQL"); i > 0 {
		text = text[:i]
	}
	var lines []string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text, -1) {
		for _, l := range strings.Split(block[1], "\n") {
			trimmed := strings.TrimSpace(l)
			if strings.HasPrefix(trimmed, "go run ./cmd/tokenmint serve") || strings.HasPrefix(trimmed, "go test") ||
				strings.HasPrefix(trimmed, "go build -o tokenmint") || strings.HasPrefix(trimmed, "./tokenmint serve --dev") {
				continue
			}
			lines = append(lines, l)
		}
	}
	if len(lines) < 20 {
		t.Fatalf("found only %d example lines in README.md", len(lines))
	}
	return strings.Join(lines, "\n")
}

// cleanEnv is the test process's environment without TOKENMINT_
// variables, so that the README runs as on a new machine.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TOKENMINT_") {
			env = append(env, kv)
		}
	}
	return append(env, "PATH="+os.Getenv("PATH"), "HOME="+os.Getenv("HOME"), "GOFLAGS=", "_=done"+time.Now().Format(""))
}
