package config

import (
	"errors"
	"flag"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/dialect/dialects"
)

// envMap returns an env lookup backed by m.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// writeFile writes a config file into a temp dir and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokenmint.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t *testing.T, args []string, env map[string]string) Config {
	t.Helper()
	c, err := Load(args, envMap(env))
	if err != nil {
		t.Fatalf("Load(%q): %v", args, err)
	}
	return c
}

func TestLoadDefaults(t *testing.T) {
	got := mustLoad(t, nil, nil)
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("Load with nothing set:\n got %+v\nwant %+v", got, want)
	}
	if got.Issuer != "http://127.0.0.1:8080" || got.MasterKeyFile != "tokenmint.key" {
		t.Errorf("derived defaults: issuer %q, key file %q", got.Issuer, got.MasterKeyFile)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "code_ttl: 1m\nlog_level: warn\ndialects: [epc]\nrate_limit_fail_open: false\n")
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(Config) bool
	}{
		{"default", nil, nil, func(c Config) bool { return c.CodeTTL == 5*time.Minute }},
		{"file over default", []string{"--config", file}, nil,
			func(c Config) bool { return c.CodeTTL == time.Minute && c.LogLevel == "warn" && !c.RateLimitFailOpen }},
		{"config file from env", nil, map[string]string{"TOKENMINT_CONFIG": file},
			func(c Config) bool { return c.CodeTTL == time.Minute }},
		{"--config over TOKENMINT_CONFIG", []string{"--config", file}, map[string]string{"TOKENMINT_CONFIG": "/nonexistent.yaml"},
			func(c Config) bool { return c.CodeTTL == time.Minute }},
		{"env over file", []string{"--config", file}, map[string]string{"TOKENMINT_CODE_TTL": "2m", "TOKENMINT_DIALECTS": "eptura,epc"},
			func(c Config) bool {
				return c.CodeTTL == 2*time.Minute && c.LogLevel == "warn" && slices.Equal(c.Dialects, []string{"eptura", "epc"})
			}},
		{"flag over env and file", []string{"--config", file, "--code-ttl", "3m"}, map[string]string{"TOKENMINT_CODE_TTL": "2m"},
			func(c Config) bool { return c.CodeTTL == 3*time.Minute && c.LogLevel == "warn" }},
		{"bool flag alone is true", []string{"--config", file, "--rate-limit-fail-open"}, nil,
			func(c Config) bool { return c.RateLimitFailOpen }},
		{"bool flag false over env", []string{"--rate-limit-fail-open=false"}, map[string]string{"TOKENMINT_RATE_LIMIT_FAIL_OPEN": "true"},
			func(c Config) bool { return !c.RateLimitFailOpen }},
		{"empty env is unset", nil, map[string]string{"TOKENMINT_LOG_LEVEL": ""},
			func(c Config) bool { return c.LogLevel == "info" }},
		{"master key from env", nil, map[string]string{"TOKENMINT_MASTER_KEY": "k"},
			func(c Config) bool { return c.MasterKey.Reveal() == "k" }},
		{"numbers", []string{"--argon2-parallelism", "4", "--argon2-memory", "1024", "--max-body-bytes", "2048"}, map[string]string{"TOKENMINT_DB_MAX_CONNS": "7"},
			func(c Config) bool {
				return c.Argon2Parallelism == 4 && c.Argon2Memory == 1024 && c.MaxBodyBytes == 2048 && c.DBMaxConns == 7
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := mustLoad(t, tt.args, tt.env); !tt.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
		})
	}
}

func TestDerived(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		issuer     string
		masterFile string
	}{
		{"issuer follows addr", []string{"--addr", "127.0.0.1:9000"}, nil, "http://127.0.0.1:9000", "tokenmint.key"},
		{"wildcard host becomes localhost", []string{"--addr", ":9000"}, nil, "http://localhost:9000", "tokenmint.key"},
		{"unspecified IPv6 becomes localhost", []string{"--addr", "[::]:9000"}, nil, "http://localhost:9000", "tokenmint.key"},
		{"explicit issuer kept", []string{"--addr", ":9000", "--issuer", "https://auth.example.com"}, nil, "https://auth.example.com", "tokenmint.key"},
		{"key file beside database", nil, map[string]string{"TOKENMINT_DATABASE": "sqlite:/var/lib/tm/tm.db"}, "http://127.0.0.1:8080", "/var/lib/tm/tokenmint.key"},
		{"key file beside sqlite:// URL", []string{"--database", "sqlite:///var/lib/tm/tm.db"}, nil, "http://127.0.0.1:8080", "/var/lib/tm/tokenmint.key"},
		{"key file beside relative path", []string{"--database", "sqlite:data/tm.db"}, nil, "http://127.0.0.1:8080", "data/tokenmint.key"},
		{"in-memory database", []string{"--database", "sqlite::memory:"}, nil, "http://127.0.0.1:8080", "tokenmint.key"},
		{"no key file for postgres", []string{"--database", "postgres://u@h/db"}, nil, "http://127.0.0.1:8080", ""},
		{"explicit key file kept", []string{"--database", "postgres://u@h/db", "--master-key-file", "/k"}, nil, "http://127.0.0.1:8080", "/k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.args, tt.env)
			if c.Issuer != tt.issuer || c.MasterKeyFile != tt.masterFile {
				t.Errorf("issuer %q, key file %q; want %q, %q", c.Issuer, c.MasterKeyFile, tt.issuer, tt.masterFile)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad duration flag", []string{"--code-ttl", "abc"}, nil, `--code-ttl: invalid duration "abc" (use Go durations like 15m, 2h)`},
		{"bad duration env", nil, map[string]string{"TOKENMINT_CODE_TTL": "5"}, `TOKENMINT_CODE_TTL: invalid duration "5" (use Go durations like 15m, 2h)`},
		{"negative duration", []string{"--session-ttl", "-1h"}, nil, `--session-ttl: duration -1h0m0s must be positive (use Go durations like 15m, 2h)`},
		{"bad bool", nil, map[string]string{"TOKENMINT_RATE_LIMIT_FAIL_OPEN": "maybe"}, `TOKENMINT_RATE_LIMIT_FAIL_OPEN: invalid boolean "maybe" (use true or false)`},
		{"bad int", []string{"--login-max-failures", "five"}, nil, `--login-max-failures: invalid integer "five" (use a whole number)`},
		{"zero failures", []string{"--login-max-failures", "0"}, nil, `--login-max-failures: 0 is below the minimum 1`},
		{"uint8 overflow", []string{"--argon2-parallelism", "300"}, nil, `--argon2-parallelism: invalid number "300" (use a whole number from 0 to 255)`},
		{"zero lanes", []string{"--argon2-parallelism", "0"}, nil, `--argon2-parallelism: 0 is below the minimum 1`},
		{"too many passes", []string{"--argon2-iterations", "100"}, nil, `--argon2-iterations: argon2 iterations must be between 1 and 64`},
		{"too little memory", nil, map[string]string{"TOKENMINT_ARGON2_MEMORY": "8"}, `TOKENMINT_ARGON2_MEMORY: argon2 memory must be between 8×parallelism and 1048576 KiB`},
		{"small body", []string{"--max-body-bytes", "10"}, nil, `--max-body-bytes: 10 is below the minimum 1024`},
		{"negative conns", []string{"--db-max-conns", "-1"}, nil, `--db-max-conns: -1 is below the minimum 0`},
		{"bad addr", []string{"--addr", "localhost"}, nil, `--addr: invalid address "localhost" (use HOST:PORT like 127.0.0.1:8080 or :8080)`},
		{"bad port", []string{"--addr", "localhost:http"}, nil, `--addr: invalid address "localhost:http" (use HOST:PORT like 127.0.0.1:8080 or :8080)`},
		{"bad derived issuer", []string{"--addr", "example.com:80"}, nil, `issuer (derived from addr): issuer "http://example.com:80" must use https (plain http is allowed only for localhost or a loopback address)`},
		{"http issuer", []string{"--issuer", "http://auth.example.com"}, nil, `--issuer: issuer "http://auth.example.com" must use https (plain http is allowed only for localhost or a loopback address)`},
		{"relative issuer", []string{"--issuer", "auth.example.com"}, nil, `--issuer: invalid issuer "auth.example.com" (use an absolute URL like https://auth.example.com)`},
		{"issuer query", []string{"--issuer", "https://a.example/?x=1"}, nil, `--issuer: issuer "https://a.example/?x=1" must not have a query or fragment (RFC 8414 §2)`},
		{"issuer fragment", []string{"--issuer", "https://a.example#f"}, nil, `--issuer: issuer "https://a.example#f" must not have a query or fragment (RFC 8414 §2)`},
		{"issuer slash", []string{"--issuer", "https://a.example/"}, nil, `--issuer: issuer "https://a.example/" must not end with a slash`},
		{"issuer ftp", []string{"--issuer", "ftp://a.example"}, nil, `--issuer: issuer "ftp://a.example" must use https`},
		{"issuer userinfo", []string{"--issuer", "https://u:p@a.example"}, nil, `--issuer: issuer "https://u:p@a.example" must not contain user information`},
		{"unknown database", []string{"--database", "mysql://u:secret@h/db"}, nil, `--database: unsupported database "mysql" (use sqlite:PATH or postgres://USER@HOST:PORT/DB)`},
		{"empty sqlite path", []string{"--database", "sqlite:"}, nil, `--database: empty SQLite path (use sqlite:PATH or postgres://USER@HOST:PORT/DB)`},
		{"sqlite query", []string{"--database", "sqlite:tm.db?mode=ro"}, nil, `--database: SQLite path must not contain ? or # (use sqlite:PATH or postgres://USER@HOST:PORT/DB)`},
		{"bad alg", []string{"--signing-alg", "HS256"}, nil, `--signing-alg: invalid value "HS256" (use one of: ES256, RS256, EdDSA)`},
		{"bad dialect", []string{"--dialects", "epc,okta"}, nil, `--dialects: unknown dialect "okta" (known: epc, epicollect, eptura, empowerid, or all)`},
		{"bad redis", []string{"--redis", "http://u:secret@h"}, nil, `--redis: invalid Redis URL (use redis://HOST:PORT/DB, rediss://... or unix:///PATH)`},
		{"redis no host", []string{"--redis", "redis://"}, nil, `--redis: Redis URL has no host (use redis://HOST:PORT/DB)`},
		{"bad proxy", []string{"--trusted-proxies", "10.0.0.0/8,proxy.local"}, nil, `--trusted-proxies: invalid proxy "proxy.local" (use IP addresses or CIDRs like 10.0.0.0/8, comma-separated)`},
		{"bad rate", []string{"--token-rate-limit", "100"}, nil, `--token-rate-limit: invalid rate "100" (use N/DURATION like 100/1m or 10/1h)`},
		{"bad rate env", nil, map[string]string{"TOKENMINT_EPICOLLECT_RATE_LIMIT": "0/1h"}, `TOKENMINT_EPICOLLECT_RATE_LIMIT: invalid rate "0/1h" (use N/DURATION like 100/1m or 10/1h)`},
		{"bad log level", []string{"--log-level", "verbose"}, nil, `--log-level: invalid value "verbose" (use one of: debug, info, warn, error)`},
		{"bad log format", nil, map[string]string{"TOKENMINT_LOG_FORMAT": "xml"}, `TOKENMINT_LOG_FORMAT: invalid value "xml" (use one of: text, json)`},
		{"bad registration", []string{"--registration", "closed"}, nil, `--registration: invalid value "closed" (use one of: off, token, open)`},
		{"registration password grant", []string{"--registration-grant-types", "authorization_code,password"}, nil,
			`--registration-grant-types: the password grant is never given to a registered client (RFC 9700 §2.4)`},
		{"registration unknown grant", nil, map[string]string{"TOKENMINT_REGISTRATION_GRANT_TYPES": "implicit"},
			`TOKENMINT_REGISTRATION_GRANT_TYPES: invalid value "implicit" (use one of: authorization_code, refresh_token, client_credentials)`},
		{"registration admin scope", []string{"--registration-scopes", "openid,tokenmint:admin"}, nil,
			`--registration-scopes: scope "tokenmint:admin" is reserved for clients an operator creates; registration never grants tokenmint:* scopes`},
		{"registration bad scope", []string{"--registration-scopes", `a"b`}, nil,
			`--registration-scopes: invalid scope "a\"b": scopes are printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)`},
		{"empty audit log", []string{"--audit-log", ""}, nil, `--audit-log: invalid audit log "" (use stderr, off or a file path)`},
		{"bad retention", []string{"--audit-retention", "1.5d"}, nil, `--audit-retention: invalid duration "1.5d" (use Go durations like 15m, 2h)`},
		{"negative retention", nil, map[string]string{"TOKENMINT_AUDIT_RETENTION": "-1h"}, `TOKENMINT_AUDIT_RETENTION: duration -1h0m0s must not be negative (use 30d, 720h, or 0 to keep everything)`},
		{"missing config file", []string{"--config", "/nonexistent/tm.yaml"}, nil, `--config: open config file: open /nonexistent/tm.yaml: no such file or directory`},
		{"missing config file env", nil, map[string]string{"TOKENMINT_CONFIG": "/nonexistent/tm.yaml"}, `TOKENMINT_CONFIG: open config file: open /nonexistent/tm.yaml: no such file or directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, envMap(tt.env))
			var se *SettingError
			if !errors.As(err, &se) {
				t.Fatalf("Load: err = %v, want a *SettingError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error echoes a credential: %s", err)
			}
		})
	}
}

func TestLoadFlagErrors(t *testing.T) {
	if _, err := Load([]string{"--master-key", "x"}, envMap(nil)); err == nil {
		t.Error("--master-key accepted as a flag")
	}
	if _, err := Load([]string{"stray"}, envMap(nil)); err == nil {
		t.Error("a positional argument was accepted")
	}
}

func TestYAML(t *testing.T) {
	tests := []struct {
		name    string
		content string
		check   func(Config) bool
		wantErr string // with "FILE" for the path
	}{
		{name: "empty file", content: "", check: func(c Config) bool { return c.Addr == "127.0.0.1:8080" }},
		{name: "comments only", content: "# nothing\n", check: func(c Config) bool { return c.Addr == "127.0.0.1:8080" }},
		{name: "list as sequence", content: "trusted_proxies:\n  - 10.0.0.0/8\n  - 192.168.1.1\n",
			check: func(c Config) bool { return slices.Equal(c.TrustedProxies, []string{"10.0.0.0/8", "192.168.1.1"}) }},
		{name: "list as string", content: "dialects: epc, eptura\n",
			check: func(c Config) bool { return slices.Equal(c.Dialects, []string{"epc", "eptura"}) }},
		{name: "all dialects", content: "dialects: [all, epc]\n",
			check: func(c Config) bool { return slices.Equal(c.Dialects, AllDialects()) }},
		{name: "null keeps default", content: "code_ttl:\n", check: func(c Config) bool { return c.CodeTTL == 5*time.Minute }},
		{name: "master key", content: "master_key: abc\n", check: func(c Config) bool { return c.MasterKey.Reveal() == "abc" }},
		{name: "quoted number", content: "max_body_bytes: \"4096\"\n", check: func(c Config) bool { return c.MaxBodyBytes == 4096 }},
		{name: "unknown key", content: "addr: :1\nadress: x\n", wantErr: `FILE:2: unknown setting "adress" (see docs/configuration.md)`},
		{name: "kebab key", content: "code-ttl: 1m\n", wantErr: `FILE:1: unknown setting "code-ttl" (see docs/configuration.md)`},
		{name: "bad value", content: "\ncode_ttl: soon\n", wantErr: `FILE:2: code_ttl: invalid duration "soon" (use Go durations like 15m, 2h)`},
		{name: "duplicate", content: "addr: :1\naddr: :2\n", wantErr: `FILE:2: addr: set twice`},
		{name: "sequence for scalar", content: "addr: [a, b]\n", wantErr: `FILE:1: addr: expected a single value`},
		{name: "mapping for list", content: "dialects: {a: b}\n", wantErr: `FILE:1: dialects: expected a list of strings or a comma-separated string`},
		{name: "nested list", content: "dialects: [[a]]\n", wantErr: `FILE:1: dialects: expected a list of strings`},
		{name: "not a mapping", content: "- addr\n", wantErr: `FILE: line 1: expected a mapping of setting: value`},
		{name: "validation names file line", content: "log_level: loud\n", wantErr: `FILE:1: log_level: invalid value "loud" (use one of: debug, info, warn, error)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.content)
			c, err := Load([]string{"--config", path}, envMap(nil))
			if tt.wantErr != "" {
				want := strings.ReplaceAll(tt.wantErr, "FILE", path)
				if err == nil || err.Error() != want {
					t.Fatalf("error\n got %v\nwant %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
		})
	}
}

func TestYAMLSyntaxError(t *testing.T) {
	path := writeFile(t, "addr: [unclosed\n")
	_, err := Load([]string{"--config", path}, envMap(nil))
	if err == nil || !strings.HasPrefix(err.Error(), path+": invalid YAML: ") {
		t.Fatalf("err = %v, want an invalid YAML error naming the file", err)
	}
}

func TestRegisterSubset(t *testing.T) {
	fs := flag.NewFlagSet("client create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("name", "", "client name")
	f := Register(fs, "database", "master-key-file")
	if err := fs.Parse([]string{"--name", "x", "--database", "sqlite:/tmp/a.db"}); err != nil {
		t.Fatal(err)
	}
	c, err := f.Load(envMap(map[string]string{"TOKENMINT_CODE_TTL": "7m", "TOKENMINT_DATABASE": "sqlite:/env.db"}))
	if err != nil {
		t.Fatal(err)
	}
	if *name != "x" || c.Database != "sqlite:/tmp/a.db" || c.CodeTTL != 7*time.Minute || c.MasterKeyFile != "/tmp/tokenmint.key" {
		t.Errorf("got name %q, database %q, code ttl %s, key file %q", *name, c.Database, c.CodeTTL, c.MasterKeyFile)
	}
	if err := fs.Parse([]string{"--code-ttl", "1m"}); err == nil {
		t.Error("a setting that was not registered parsed as a flag")
	}
}

func TestRegisterPanics(t *testing.T) {
	for _, name := range []string{"master_key", "no-such-setting"} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", name)
				}
			}()
			Register(flag.NewFlagSet("x", flag.ContinueOnError), name)
		})
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		per  time.Duration
		fail bool
	}{
		{in: "10/1h", n: 10, per: time.Hour},
		{in: "100/1m", n: 100, per: time.Minute},
		{in: "100/s", n: 100, per: time.Second},
		{in: " 5/30s ", n: 5, per: 30 * time.Second},
		{in: "1/1h30m", n: 1, per: 90 * time.Minute},
		{in: "", fail: true},
		{in: "10", fail: true},
		{in: "10/", fail: true},
		{in: "/1h", fail: true},
		{in: "0/1h", fail: true},
		{in: "-1/1h", fail: true},
		{in: "10/0s", fail: true},
		{in: "10/-1h", fail: true},
		{in: "ten/1h", fail: true},
		{in: "10/1h/2", fail: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, per, err := ParseRate(tt.in)
			if tt.fail {
				if err == nil {
					t.Errorf("ParseRate(%q) = %d, %s; want an error", tt.in, n, per)
				}
				return
			}
			if err != nil || n != tt.n || per != tt.per {
				t.Errorf("ParseRate(%q) = %d, %s, %v; want %d, %s", tt.in, n, per, err, tt.n, tt.per)
			}
		})
	}
}

func TestIssuerLoopback(t *testing.T) {
	for _, issuer := range []string{"http://localhost:8080", "http://127.0.0.1", "http://127.9.9.9:1/tm", "http://[::1]:8080", "http://app.localhost", "https://auth.example.com/tenant"} {
		if err := validIssuer(issuer); err != nil {
			t.Errorf("validIssuer(%q) = %v", issuer, err)
		}
	}
}

func TestTrustedProxyPrefixes(t *testing.T) {
	c := mustLoad(t, []string{"--trusted-proxies", "10.1.2.3/8, 192.168.0.1,::1,::ffff:10.0.0.1"}, nil)
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("192.168.0.1/32"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("10.0.0.1/32"),
	}
	if got := c.TrustedProxyPrefixes(); !slices.Equal(got, want) {
		t.Errorf("TrustedProxyPrefixes = %v, want %v", got, want)
	}
}

func TestMasterKeyRedacted(t *testing.T) {
	c := mustLoad(t, nil, map[string]string{"TOKENMINT_MASTER_KEY": "super-secret-key-material"})
	for _, s := range []string{c.MasterKey.String(), fmtAll(c)} {
		if strings.Contains(s, "super-secret") {
			t.Errorf("master key printed: %s", s)
		}
	}
}

func TestLogger(t *testing.T) {
	var b strings.Builder
	c := Default()
	c.LogFormat, c.LogLevel = "json", "warn"
	log := c.NewLogger(&b)
	log.Info("hidden")
	log.Warn("shown")
	if out := b.String(); strings.Contains(out, "hidden") || !strings.Contains(out, `"msg":"shown"`) {
		t.Errorf("json logger at warn wrote %q", out)
	}
}

// TestEverySettingIsAField keeps the settings table and the Config struct
// in step: each field has exactly one setting with its yaml key.
func TestEverySettingIsAField(t *testing.T) {
	var c Config
	keys := map[string]bool{}
	for _, s := range settings(&c) {
		if keys[s.key] {
			t.Errorf("setting %s listed twice", s.key)
		}
		keys[s.key] = true
	}
	// The dialects' settings live in DialectSettings, one entry each.
	for _, d := range dialects.Settings() {
		if !keys[d.Key] {
			t.Errorf("dialect setting %s is not a setting", d.Key)
		}
		delete(keys, d.Key)
	}
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		tag := typ.Field(i).Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		if !keys[tag] {
			t.Errorf("field %s (yaml %q) has no setting", typ.Field(i).Name, tag)
		}
		delete(keys, tag)
	}
	for k := range keys {
		t.Errorf("setting %s has no Config field with that yaml tag", k)
	}
}

// TestRegistrationAuthMethods: the auth methods of registration name
// client_secret_*, which TestLoadErrors would take for an echoed secret.
func TestRegistrationAuthMethods(t *testing.T) {
	tests := []struct{ value, want string }{
		{"tls_client_auth", `--registration-auth-methods: invalid value "tls_client_auth" (use one of: client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt, none)`},
		{",", `--registration-auth-methods: empty list (use some of: client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt, none)`},
	}
	for _, tt := range tests {
		_, err := Load([]string{"--registration-auth-methods", tt.value}, envMap(nil))
		if err == nil || err.Error() != tt.want {
			t.Errorf("--registration-auth-methods %q: error %v, want %s", tt.value, err, tt.want)
		}
	}
	c, err := Load([]string{"--registration-auth-methods", "none", "--registration", "open"}, envMap(nil))
	if err != nil || c.Registration != RegistrationOpen || len(c.RegistrationAuthMethods) != 1 || c.RegistrationAuthMethods[0] != "none" {
		t.Fatalf("Load: %+v, %v", c.RegistrationAuthMethods, err)
	}
}

// TestAuditSettings: audit_retention takes days (30d, 1d12h) as well as Go
// durations, from flags, the environment and the file; audit_log takes
// stderr, off or a path.
func TestAuditSettings(t *testing.T) {
	def := mustLoad(t, nil, nil)
	if def.AuditLog != "off" || def.AuditRetention != 30*24*time.Hour {
		t.Errorf("defaults: audit_log %q, audit_retention %s; want off and 30 days", def.AuditLog, def.AuditRetention)
	}
	for _, tc := range []struct {
		raw  string
		want time.Duration
	}{
		{"30d", 30 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"0d", 0},
		{"0", 0},
		{"45m", 45 * time.Minute},
		{" 7d ", 7 * 24 * time.Hour},
	} {
		c := mustLoad(t, []string{"--audit-retention", tc.raw}, nil)
		if c.AuditRetention != tc.want {
			t.Errorf("--audit-retention %q = %s, want %s", tc.raw, c.AuditRetention, tc.want)
		}
	}
	for _, raw := range []string{"d", "-1d", "+1d", "1dd", "1d-1h", "1d+1h", "1dx", "99999d", "1e3d"} {
		if _, err := Load([]string{"--audit-retention", raw}, envMap(nil)); err == nil {
			t.Errorf("--audit-retention %q accepted", raw)
		}
	}
	c := mustLoad(t, nil, map[string]string{"TOKENMINT_AUDIT_RETENTION": "2d", "TOKENMINT_AUDIT_LOG": "/var/log/tokenmint/audit.log"})
	if c.AuditRetention != 48*time.Hour || c.AuditLog != "/var/log/tokenmint/audit.log" {
		t.Errorf("from the environment: %s, %q", c.AuditRetention, c.AuditLog)
	}
	path := filepath.Join(t.TempDir(), "tm.yaml")
	if err := os.WriteFile(path, []byte("audit_retention: 90d\naudit_log: stderr\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c = mustLoad(t, []string{"--config", path}, nil)
	if c.AuditRetention != 90*24*time.Hour || c.AuditLog != "stderr" {
		t.Errorf("from the file: %s, %q", c.AuditRetention, c.AuditLog)
	}
}

// TestConsoleSessionSettings: the console's session lifetime and idle
// timeout default to 1h and 30m, are read from every layer, and are
// refused outside 1m..24h or with an idle timeout past the lifetime.
func TestConsoleSessionSettings(t *testing.T) {
	def := mustLoad(t, nil, nil)
	if def.ConsoleSessionLifetime != time.Hour || def.ConsoleIdleTimeout != 30*time.Minute {
		t.Errorf("defaults: %s, %s; want 1h and 30m", def.ConsoleSessionLifetime, def.ConsoleIdleTimeout)
	}
	c := mustLoad(t, []string{"--console-session-lifetime", "8h"}, map[string]string{"TOKENMINT_CONSOLE_IDLE_TIMEOUT": "2h"})
	if c.ConsoleSessionLifetime != 8*time.Hour || c.ConsoleIdleTimeout != 2*time.Hour {
		t.Errorf("set: %s, %s", c.ConsoleSessionLifetime, c.ConsoleIdleTimeout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--console-session-lifetime", "0s"}, "--console-session-lifetime: duration 0s must be from 1m0s to 24h0m0s"},
		{[]string{"--console-session-lifetime", "-1h"}, "--console-session-lifetime: duration -1h0m0s must be from 1m0s to 24h0m0s"},
		{[]string{"--console-session-lifetime", "25h", "--console-idle-timeout", "1h"}, "--console-session-lifetime: duration 25h0m0s must be from 1m0s to 24h0m0s"},
		{[]string{"--console-idle-timeout", "30s"}, "--console-idle-timeout: duration 30s must be from 1m0s to 24h0m0s"},
		{[]string{"--console-idle-timeout", "2h"}, "--console-idle-timeout: duration 2h0m0s is longer than console_session_lifetime (1h0m0s), which ends every session first"},
		{[]string{"--console-session-lifetime", "10m"}, "console_idle_timeout (default): duration 30m0s is longer than console_session_lifetime (10m0s)"},
	} {
		_, err := Load(tc.args, envMap(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
