package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testNow is the injected clock of every in-process run.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// result is what one CLI invocation produced.
type result struct {
	code           int
	stdout, stderr string
}

// env is a test's TOKENMINT_* environment; the process's own never leaks in.
type env map[string]string

// testEnv returns an environment with a fresh SQLite database and cheap
// argon2 parameters.
func testEnv(t *testing.T) env {
	t.Helper()
	dir := t.TempDir()
	return env{
		"TOKENMINT_DATABASE":           "sqlite:" + filepath.Join(dir, "tokenmint.db"),
		"TOKENMINT_ARGON2_MEMORY":      "64",
		"TOKENMINT_ARGON2_ITERATIONS":  "1",
		"TOKENMINT_ARGON2_PARALLELISM": "1",
	}
}

func (e env) with(kv ...string) env {
	out := maps.Clone(e)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// dir is the directory of the test database.
func (e env) dir() string {
	return filepath.Dir(strings.TrimPrefix(e["TOKENMINT_DATABASE"], "sqlite:"))
}

// exec runs the CLI in-process with stdin.
func (e env) exec(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := &cli{
		env:    func(k string) string { return e[k] },
		stdin:  strings.NewReader(stdin),
		stdout: &stdout,
		stderr: &stderr,
		now:    func() time.Time { return testNow },
	}
	code := c.run(context.Background(), args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// ok runs the CLI and fails the test unless it exits 0.
func (e env) ok(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := e.exec(t, stdin, args...)
	if r.code != exitOK {
		t.Fatalf("tokenmint %s: exit %d\nstderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

// decode unmarshals a command's JSON output.
func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("output is not the expected JSON: %v\n%s", err, r.stdout)
	}
	if dec.More() {
		t.Fatalf("output holds more than one JSON value:\n%s", r.stdout)
	}
	return v
}

// jsonKeys returns the top-level keys of a JSON object output.
func jsonKeys(t *testing.T, r result) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, r.stdout)
	}
	return slices.Sorted(maps.Keys(m))
}

func TestHelp(t *testing.T) {
	e := testEnv(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"help", []string{"help"}, "Usage: tokenmint COMMAND [flags]"},
		{"-h", []string{"-h"}, "Usage: tokenmint COMMAND [flags]"},
		{"--help", []string{"--help"}, "Usage: tokenmint COMMAND [flags]"},
		{"help group", []string{"help", "client"}, "Usage: tokenmint client SUBCOMMAND [flags]"},
		{"group -h", []string{"user", "-h"}, "Usage: tokenmint user SUBCOMMAND [flags]"},
		{"help command", []string{"help", "client", "create"}, "Usage: tokenmint client create [flags]"},
		{"command -h", []string{"client", "create", "-h"}, "--redirect-uri URI"},
		{"command --help", []string{"keys", "rotate", "--help"}, "--alg ALG"},
		{"positional synopsis", []string{"client", "get", "-h"}, "Usage: tokenmint client get ID [flags]"},
		{"serve lists every setting", []string{"serve", "-h"}, "--trusted-proxies LIST"},
		{"version", []string{"version", "-h"}, "Usage: tokenmint version [flags]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.ok(t, "", tt.args...)
			if !strings.Contains(r.stdout, tt.want) || r.stderr != "" {
				t.Errorf("stdout does not contain %q (stderr %q):\n%s", tt.want, r.stderr, r.stdout)
			}
		})
	}
}

func TestServeHelpHasNoMasterKeyFlag(t *testing.T) {
	r := testEnv(t).ok(t, "", "serve", "-h")
	if strings.Contains(r.stdout, "--master-key ") {
		t.Error("serve offers --master-key: a key on the command line is visible in ps")
	}
}

func TestVersion(t *testing.T) {
	r := testEnv(t).ok(t, "", "version")
	if !strings.HasPrefix(r.stdout, "tokenmint ") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("version printed %q", r.stdout)
	}
}

func TestMigrate(t *testing.T) {
	e := testEnv(t)
	r := e.ok(t, "", "migrate")
	if r.stdout != "database schema is up to date (sqlite)\n" {
		t.Errorf("migrate printed %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "applied schema migration") {
		t.Errorf("migrate did not log the migrations applied: %q", r.stderr)
	}
	if _, err := os.Stat(strings.TrimPrefix(e["TOKENMINT_DATABASE"], "sqlite:")); err != nil {
		t.Fatal(err)
	}
	if r := e.ok(t, "", "migrate"); strings.Contains(r.stderr, "applied") {
		t.Errorf("second migrate applied something again: %q", r.stderr)
	}
}

// TestRunReadsProcessEnvironment drives run itself, which takes the
// environment of the process.
func TestRunReadsProcessEnvironment(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	t.Setenv("TOKENMINT_DATABASE", "sqlite:"+db)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"migrate"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("TOKENMINT_DATABASE was not used: %v", err)
	}
}
