package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsageErrors runs each bad command line and checks the exit status
// and the single line on standard error; nothing may reach standard output.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name  string
		env   []string // extra KEY, VALUE pairs
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"no command", nil, "", nil, exitUsage, "tokenmint: no command given"},
		{"unknown command", nil, "", []string{"frob"}, exitUsage, `tokenmint: unknown command "frob" (run 'tokenmint help')`},
		{"unknown help topic", nil, "", []string{"help", "frob"}, exitUsage, `tokenmint: help: unknown command "frob" (run 'tokenmint help')`},
		{"missing subcommand", nil, "", []string{"client"}, exitUsage, "tokenmint: client: missing subcommand (use create, list, get, update, delete, rotate-secret or rotate-api-key)"},
		{"unknown subcommand", nil, "", []string{"keys", "frob"}, exitUsage, `tokenmint: keys: unknown subcommand "frob" (use list or rotate)`},
		{"access ttl", nil, "", []string{"client", "create", "--name", "x", "--access-ttl", "abc"}, exitUsage,
			`tokenmint: client create: --access-ttl: invalid duration "abc" (use Go durations like 15m, 2h)`},
		{"negative ttl", nil, "", []string{"client", "create", "--name", "x", "--refresh-ttl=-1h"}, exitUsage,
			`tokenmint: client create: --refresh-ttl: invalid duration "-1h" (use a positive Go duration like 15m, 2h)`},
		{"token format", nil, "", []string{"client", "create", "--name", "x", "--token-format", "paseto"}, exitUsage,
			`tokenmint: client create: --token-format: invalid value "paseto" (use jwt or opaque)`},
		{"signing alg", nil, "", []string{"client", "create", "--name", "x", "--signing-alg", "HS256"}, exitUsage,
			`tokenmint: client create: --signing-alg: invalid value "HS256" (use ES256, RS256 or EdDSA)`},
		{"grant type", nil, "", []string{"client", "create", "--name", "x", "--grant-type", "implicit"}, exitUsage,
			`tokenmint: client create: --grant-type: unknown grant type "implicit" (use authorization_code, client_credentials, refresh_token, password, urn:ietf:params:oauth:grant-type:device_code, urn:ietf:params:oauth:grant-type:token-exchange or urn:ietf:params:oauth:grant-type:jwt-bearer)`},
		{"claim without value", nil, "", []string{"client", "create", "--name", "x", "--claim", "tenant"}, exitUsage,
			`tokenmint: client create: --claim: invalid claim "tenant" (use KEY=VALUE)`},
		{"claim twice", nil, "", []string{"client", "create", "--name", "x", "--claim", "a=1", "--claim", "a=2"}, exitUsage,
			`tokenmint: client create: --claim: claim "a" given twice`},
		{"reserved claim", nil, "", []string{"client", "create", "--name", "x", "--claim", "sub=root"}, exitUsage,
			`tokenmint: client create: claim "sub" is reserved or empty`},
		{"idle ttl with jwt", nil, "", []string{"client", "create", "--name", "x", "--idle-ttl", "5m"}, exitUsage,
			`tokenmint: client create: idle-ttl needs opaque tokens: a JWT is verified offline, so its life cannot slide`},
		{"public client credentials", nil, "", []string{"client", "create", "--name", "x", "--public"}, exitUsage,
			`tokenmint: client create: a public client cannot use client_credentials: it cannot authenticate`},
		{"auth code without redirect", nil, "", []string{"client", "create", "--name", "x", "--grant-type", "authorization_code"}, exitUsage,
			`tokenmint: client create: the authorization_code grant needs at least one redirect URI`},
		{"bad redirect", nil, "", []string{"client", "create", "--name", "x", "--grant-type", "authorization_code", "--redirect-uri", "/cb"}, exitUsage,
			`tokenmint: client create: invalid redirect URI "/cb": it must be absolute, with a scheme (RFC 6749 §3.1.2)`},
		{"javascript redirect", nil, "", []string{"client", "create", "--name", "x", "--grant-type", "authorization_code", "--redirect-uri", "javascript:alert(1)"}, exitUsage,
			`tokenmint: client create: invalid redirect URI "javascript:alert(1)": the javascript: scheme is never allowed`},
		{"http redirect", nil, "", []string{"client", "create", "--name", "x", "--grant-type", "authorization_code", "--redirect-uri", "http://app.example.com/cb"}, exitUsage,
			`tokenmint: client create: invalid redirect URI "http://app.example.com/cb": http is allowed only to the loopback hosts 127.0.0.1, [::1] and localhost; use https (RFC 9700 §2.6, RFC 8252 §7.3)`},
		{"wildcard redirect", nil, "", []string{"client", "create", "--name", "x", "--grant-type", "authorization_code", "--redirect-uri", "https://*.example.com/cb"}, exitUsage,
			`tokenmint: client create: invalid redirect URI "https://*.example.com/cb": wildcards are not allowed: redirect URIs are compared exactly (RFC 9700 §2.1)`},
		{"private-use redirect", nil, "", []string{"client", "create", "--name", "x", "--grant-type", "authorization_code", "--redirect-uri", "myapp:/cb"}, exitUsage,
			`tokenmint: client create: invalid redirect URI "myapp:/cb": a private-use scheme must be a reverse domain name such as com.example.app (RFC 8252 §7.1)`},
		{"bad scope", nil, "", []string{"client", "create", "--name", "x", "--scope", "a b"}, exitUsage,
			`tokenmint: client create: invalid scope "a b": scopes are printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)`},
		{"missing name", nil, "", []string{"client", "create"}, exitUsage, "tokenmint: client create: --name is required"},
		{"missing value", nil, "", []string{"client", "create", "--name"}, exitUsage, "tokenmint: client create: --name: missing value"},
		{"bad boolean", nil, "", []string{"client", "create", "--name", "x", "--public=maybe"}, exitUsage,
			`tokenmint: client create: --public: invalid boolean "maybe" (use true or false)`},
		{"bad output", nil, "", []string{"client", "list", "--output", "yaml"}, exitUsage,
			`tokenmint: client list: --output: invalid value "yaml" (use json or table)`},
		{"unknown flag", nil, "", []string{"client", "list", "--frob"}, exitUsage,
			`tokenmint: client list: unknown flag --frob (run 'tokenmint client list -h')`},
		{"no master key flag", nil, "", []string{"client", "create", "--name", "x", "--master-key", "k"}, exitUsage,
			`tokenmint: client create: unknown flag --master-key (run 'tokenmint client create -h')`},
		{"missing ID", nil, "", []string{"client", "get"}, exitUsage, "tokenmint: client get: missing client ID"},
		{"extra argument", nil, "", []string{"client", "get", "a", "b"}, exitUsage, `tokenmint: client get: unexpected argument "b"`},
		{"argument to list", nil, "", []string{"client", "list", "x"}, exitUsage, `tokenmint: client list: unexpected argument "x"`},
		{"missing username", nil, "", []string{"user", "delete"}, exitUsage, "tokenmint: user delete: missing USERNAME"},
		{"bad database flag", nil, "", []string{"client", "list", "--database", "mysql://root:hunter2@db/x"}, exitUsage,
			`tokenmint: client list: --database: unsupported database "mysql" (use sqlite:PATH or postgres://USER@HOST:PORT/DB)`},
		{"bad env setting", []string{"TOKENMINT_CODE_TTL", "abc"}, "", []string{"client", "list"}, exitUsage,
			`tokenmint: client list: TOKENMINT_CODE_TTL: invalid duration "abc" (use Go durations like 15m, 2h)`},
		{"missing config file", nil, "", []string{"client", "list", "--config", "/nonexistent/tm.yaml"}, exitUsage,
			`tokenmint: client list: --config: open config file: open /nonexistent/tm.yaml: no such file or directory`},
		{"username required", nil, "pw", []string{"user", "create", "--password-stdin"}, exitUsage, "tokenmint: user create: --username is required"},
		{"password stdin required", nil, "", []string{"user", "create", "--username", "ada"}, exitUsage,
			"tokenmint: user create: --password-stdin is required: the password is read from standard input, never from a flag"},
		{"no password on stdin", nil, "", []string{"user", "create", "--username", "ada", "--password-stdin"}, exitUsage,
			"tokenmint: user create: no password on standard input"},
		{"short password", nil, "short\n", []string{"user", "create", "--username", "ada", "--password-stdin"}, exitUsage,
			"tokenmint: user create: password is shorter than 8 characters"},
		{"long password", nil, strings.Repeat("p", 1100), []string{"user", "create", "--username", "ada", "--password-stdin"}, exitUsage,
			"tokenmint: user create: password on standard input is longer than 1024 bytes"},
		{"bad username", nil, "long enough\n", []string{"user", "create", "--username", "ada\tl", "--password-stdin"}, exitUsage,
			`tokenmint: user create: username "ada\tl" contains control characters`},
		{"bad email", nil, "long enough\n", []string{"user", "create", "--username", "ada", "--email", "nope", "--password-stdin"}, exitUsage,
			`tokenmint: user create: invalid email "nope" (use a bare address like ada@example.com)`},
		{"set-password stdin required", nil, "", []string{"user", "set-password", "ada"}, exitUsage,
			"tokenmint: user set-password: --password-stdin is required: the password is read from standard input, never from a flag"},
		{"argon2 memory", nil, "long enough\n", []string{"user", "create", "--username", "ada", "--password-stdin", "--argon2-memory", "lots"}, exitUsage,
			`tokenmint: user create: --argon2-memory: invalid number "lots" (use a whole number from 0 to 4294967295)`},
		{"keys alg", nil, "", []string{"keys", "rotate", "--alg", "HS256"}, exitUsage,
			`tokenmint: keys rotate: --alg: invalid value "HS256" (use all, ES256, RS256 or EdDSA)`},
		{"keys retire", nil, "", []string{"keys", "rotate", "--key-retire-after", "0s"}, exitUsage,
			`tokenmint: keys rotate: --key-retire-after: duration 0s must be positive (use Go durations like 15m, 2h)`},
		{"serve setting", nil, "", []string{"serve", "--code-ttl", "abc"}, exitUsage,
			`tokenmint: serve: --code-ttl: invalid duration "abc" (use Go durations like 15m, 2h)`},
		{"serve issuer", nil, "", []string{"serve", "--issuer", "http://auth.example.com"}, exitUsage,
			`tokenmint: serve: --issuer: issuer "http://auth.example.com" must use https (plain http is allowed only for localhost or a loopback address)`},
		{"serve dialect", nil, "", []string{"serve", "--dialects", "epc,okta"}, exitUsage,
			`tokenmint: serve: --dialects: unknown dialect "okta" (known: epc, epicollect, eptura, empowerid, or all)`},
		{"serve argument", nil, "", []string{"serve", "now"}, exitUsage, `tokenmint: serve: unexpected argument "now"`},
		{"migrate flag", nil, "", []string{"migrate", "--addr", ":1"}, exitUsage, `tokenmint: migrate: unknown flag --addr (run 'tokenmint migrate -h')`},
		{"version argument", nil, "", []string{"version", "x"}, exitUsage, `tokenmint: version: unexpected argument "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEnv(t).with(tt.env...)
			r := e.exec(t, tt.stdin, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d", r.code, tt.code)
			}
			if want := tt.want + "\n"; r.stderr != want && !(len(tt.args) == 0 && strings.HasSuffix(r.stderr, want)) {
				t.Errorf("stderr\n got %q\nwant %q", r.stderr, want)
			}
			if len(tt.args) > 0 && r.stdout != "" {
				t.Errorf("stdout not empty: %q", r.stdout)
			}
			if strings.Contains(r.stderr, "hunter2") {
				t.Error("an error echoed a database password")
			}
			if _, err := os.Stat(filepath.Join(e.dir(), "tokenmint.key")); err == nil {
				t.Error("a rejected command created the master key file")
			}
		})
	}
}

// TestRuntimeErrors covers failures after the command line was accepted:
// exit status 1 (2 for a request the data makes invalid) and one line
// starting with want.
func TestRuntimeErrors(t *testing.T) {
	e := testEnv(t)
	e.ok(t, "", "client", "create", "--name", "x", "--id", "dup")
	e.ok(t, "long enough\n", "user", "create", "--username", "ada", "--password-stdin")
	e.ok(t, "", "client", "create", "--name", "spa", "--id", "spa", "--public", "--grant-type", "authorization_code", "--redirect-uri", "https://a.example/cb")
	missing := "sqlite:" + filepath.Join(t.TempDir(), "missing.db")
	tests := []struct {
		name  string
		env   []string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"duplicate client", nil, "", []string{"client", "create", "--name", "y", "--id", "dup"}, exitFailure, `tokenmint: client create: client "dup" already exists`},
		{"duplicate user", nil, "long enough\n", []string{"user", "create", "--username", "ada", "--password-stdin"}, exitFailure, `tokenmint: user create: user "ada" already exists`},
		{"get unknown client", nil, "", []string{"client", "get", "nope"}, exitFailure, `tokenmint: client get: client "nope" not found`},
		{"delete unknown client", nil, "", []string{"client", "delete", "nope"}, exitFailure, `tokenmint: client delete: client "nope" not found`},
		{"rotate unknown client", nil, "", []string{"client", "rotate-secret", "nope"}, exitFailure, `tokenmint: client rotate-secret: client "nope" not found`},
		{"rotate key of unknown client", nil, "", []string{"client", "rotate-api-key", "nope"}, exitFailure, `tokenmint: client rotate-api-key: client "nope" not found`},
		{"rotate public secret", nil, "", []string{"client", "rotate-secret", "spa"}, exitUsage, `tokenmint: client rotate-secret: client spa is public and has no secret`},
		{"unknown user", nil, "", []string{"user", "delete", "bob"}, exitFailure, `tokenmint: user delete: user "bob" not found`},
		{"set password of unknown user", nil, "long enough\n", []string{"user", "set-password", "bob", "--password-stdin"}, exitFailure, `tokenmint: user set-password: user "bob" not found`},
		{"missing database", nil, "", []string{"client", "list", "--database", missing}, exitFailure,
			"tokenmint: client list: database file " + strings.TrimPrefix(missing, "sqlite:") + " does not exist (run 'tokenmint migrate' to create it)"},
		{"bad master key", []string{"TOKENMINT_MASTER_KEY", "short"}, "", []string{"client", "rotate-secret", "dup"}, exitFailure,
			"tokenmint: client rotate-secret: master_key: invalid master key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.with(tt.env...).exec(t, tt.stdin, tt.args...)
			oneLine := strings.Count(r.stderr, "\n") == 1 && strings.HasSuffix(r.stderr, "\n")
			if r.code != tt.code || !strings.HasPrefix(r.stderr, tt.want) || !oneLine || r.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q\nwant exit %d, stderr %q", r.code, r.stderr, r.stdout, tt.code, tt.want)
			}
		})
	}
}
