package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe to write from the server goroutine
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestServe starts the server in-process, waits for /healthz and stops it
// by cancelling the context, as SIGTERM does.
func TestServe(t *testing.T) {
	e := testEnv(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	c := &cli{env: func(k string) string { return e[k] }, stdin: strings.NewReader(""),
		stdout: &stdout, stderr: &stderr, now: time.Now}
	done := make(chan int, 1)
	go func() { done <- c.run(ctx, []string{"serve", "--addr", addr, "--log-format", "json"}) }()

	if !waitHealthy(t, "http://"+addr+"/healthz", done) {
		t.Fatalf("server never became healthy; stderr:\n%s", stderr.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("serve exited %d after cancellation; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if !strings.Contains(stderr.String(), `"msg":"tokenmint listening"`) {
		t.Errorf("--log-format json not applied:\n%s", stderr.String())
	}
}

// TestServeFailureLogFormat: a server that cannot start (its address is
// taken) says why on one line in the log format chosen: a JSON object
// under --log-format json, the CLI's plain line otherwise. Either way
// the exit status is a failure.
func TestServeFailureLogFormat(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			e := testEnv(t)
			var stdout, stderr lockedBuffer
			c := &cli{env: func(k string) string { return e[k] }, stdin: strings.NewReader(""),
				stdout: &stdout, stderr: &stderr, now: time.Now}
			code := c.run(context.Background(), []string{"serve", "--addr", taken.Addr().String(), "--admin-addr", "off", "--log-format", format})
			if code != exitFailure {
				t.Fatalf("serve on a taken address exited %d, want %d; stderr:\n%s", code, exitFailure, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if format == "text" {
				if !strings.HasPrefix(last, "tokenmint: serve: listen: ") {
					t.Errorf("last line %q, want the CLI's plain error line", last)
				}
				return
			}
			for _, l := range lines {
				if !json.Valid([]byte(l)) {
					t.Errorf("not a JSON line under --log-format json: %q", l)
				}
			}
			var rec struct{ Level, Msg, Err string }
			if err := json.Unmarshal([]byte(last), &rec); err != nil || rec.Level != "ERROR" || rec.Msg != "server failed" || !strings.Contains(rec.Err, "listen") {
				t.Errorf("last line %q (%v), want an ERROR record \"server failed\" with the listen error", last, err)
			}
		})
	}
}

// waitHealthy polls url until it answers 200, the server exits, or 30s pass.
func waitHealthy(t *testing.T, url string, done <-chan int) bool {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Errorf("serve exited early with %d", code)
			return false
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// TestServeAuditLogStderr: with --audit-log stderr, each audit event is a
// JSON line on standard error beside the log, and the client secret is
// not in it.
func TestServeAuditLogStderr(t *testing.T) {
	e := testEnv(t)
	created := e.ok(t, "", "client", "create", "--name", "svc", "--output", "json")
	client := decode[clientView](t, created)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	c := &cli{env: func(k string) string { return e[k] }, stdin: strings.NewReader(""),
		stdout: &stdout, stderr: &stderr, now: time.Now}
	done := make(chan int, 1)
	go func() {
		done <- c.run(ctx, []string{"serve", "--addr", addr, "--admin-addr", "off", "--log-format", "json", "--audit-log", "stderr"})
	}()
	if !waitHealthy(t, "http://"+addr+"/healthz", done) {
		t.Fatalf("server never became healthy; stderr:\n%s", stderr.String())
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client.ClientID, client.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %d", resp.StatusCode)
	}
	cancel() // shutdown writes the queued events
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d; stderr:\n%s", code, stderr.String())
	}
	var found bool
	for _, line := range strings.Split(stderr.String(), "\n") {
		if !strings.Contains(line, `"msg":"audit"`) {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line is not JSON: %v\n%s", err, line)
		}
		found = found || (ev["type"] == "token.issued" && ev["client_id"] == client.ClientID)
	}
	if !found {
		t.Errorf("no token.issued audit line on stderr:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), client.ClientSecret) {
		t.Error("the client secret is on stderr")
	}
}
