package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/token"
)

// setting is one row of the settings table. Its key is the YAML key; the
// flag is the key in kebab case and the environment variable TOKENMINT_
// followed by the key in upper case.
type setting struct {
	key    string
	ptr    any // pointer to the Config field
	help   string
	noFlag bool // never a flag (the master key)
}

// Flag returns the setting's command-line flag name, without dashes.
func (s setting) Flag() string { return strings.ReplaceAll(s.key, "_", "-") }

// Env returns the setting's environment variable.
func (s setting) Env() string { return "TOKENMINT_" + strings.ToUpper(s.key) }

// settings returns the table bound to the fields of c.
func settings(c *Config) []setting {
	all := []setting{
		{key: "addr", ptr: &c.Addr, help: "listen address `HOST:PORT`"},
		{key: "admin_addr", ptr: &c.AdminAddr, help: "admin listener address `HOST:PORT` (admin API, metrics, profiles), or off"},
		{key: "public_metrics", ptr: &c.PublicMetrics, help: "also serve /metrics on the public listener (compatibility; the admin listener serves them)"},
		{key: "pprof", ptr: &c.Pprof, help: "serve runtime profiles at /debug/pprof/ on the admin listener"},
		{key: "bench_floor", ptr: &c.BenchFloor, help: "serve the load benchmark's floor, GET /bench/floor, on the admin listener"},
		{key: "issuer", ptr: &c.Issuer, help: "issuer `URL`: https, or http on a loopback host (default http:// + addr)"},
		{key: "database", ptr: &c.Database, help: "database `DSN`: sqlite:PATH or postgres://USER@HOST:PORT/DB"},
		{key: "master_key", ptr: &c.MasterKey, help: "master key, base64 or hex of 32 bytes (environment or file only)", noFlag: true},
		{key: "master_key_file", ptr: &c.MasterKeyFile, help: "master key `FILE` (default: tokenmint.key beside the SQLite database)"},
		{key: "signing_alg", ptr: &c.SigningAlg, help: "default JWS `ALG`: ES256, RS256 or EdDSA"},
		{key: "dialects", ptr: &c.Dialects, help: "platform dialects to serve, a comma-separated `LIST` of epc, epicollect, eptura, empowerid or all"},
		{key: "redis", ptr: &c.Redis, help: "Redis `URL` for shared rate limits, redis://HOST:PORT/DB (empty: in memory)"},
		{key: "rate_limit_fail_open", ptr: &c.RateLimitFailOpen, help: "allow requests when Redis is unreachable"},
		{key: "trusted_proxies", ptr: &c.TrustedProxies, help: "comma-separated `LIST` of CIDRs or IPs whose X-Forwarded-For is believed"},
		{key: "token_rate_limit", ptr: &c.TokenRateLimit, help: "token endpoint requests per client IP, a `RATE` N/DURATION (empty: none)"},
		{key: "client_rate_limit", ptr: &c.ClientRateLimit, help: "token requests per client ID, a `RATE` N/DURATION (empty: none)"},
		{key: "login_max_failures", ptr: &c.LoginMaxFailures, help: "`N` failed logins per username before it is locked for the window"},
		{key: "login_failure_window", ptr: &c.LoginFailureWindow, help: "window over which failed logins are counted, a Go `DURATION`"},
		{key: "code_ttl", ptr: &c.CodeTTL, help: "lifetime of an authorization code, a Go `DURATION`"},
		{key: "session_ttl", ptr: &c.SessionTTL, help: "lifetime of a browser login session, a Go `DURATION`"},
		{key: "key_retire_after", ptr: &c.KeyRetireAfter, help: "how long a rotated signing key stays published, a Go `DURATION`"},
		{key: "janitor_interval", ptr: &c.JanitorInterval, help: "interval between sweeps of expired records, a Go `DURATION`"},
		{key: "read_timeout", ptr: &c.ReadTimeout, help: "HTTP read timeout, a Go `DURATION`"},
		{key: "write_timeout", ptr: &c.WriteTimeout, help: "HTTP write timeout, a Go `DURATION`"},
		{key: "idle_timeout", ptr: &c.IdleTimeout, help: "HTTP keep-alive idle timeout, a Go `DURATION`"},
		{key: "shutdown_timeout", ptr: &c.ShutdownTimeout, help: "grace period for in-flight requests on SIGTERM, a Go `DURATION`"},
		{key: "max_body_bytes", ptr: &c.MaxBodyBytes, help: "largest accepted request body in `BYTES`"},
		{key: "db_max_conns", ptr: &c.DBMaxConns, help: "maximum `N` of open database connections (0: backend default)"},
		{key: "token_cache_entries", ptr: &c.TokenCacheEntries, help: "opaque token records kept in memory per instance, `N` (0: none)"},
		{key: "registration", ptr: &c.Registration, help: "dynamic client registration at /oauth2/register: off, token (an initial access token is required) or open"},
		{key: "registration_grant_types", ptr: &c.RegistrationGrantTypes, help: "grant types a registered client may get, a comma-separated `LIST` of authorization_code, refresh_token, client_credentials"},
		{key: "registration_scopes", ptr: &c.RegistrationScopes, help: "scopes a registered client may get, a comma-separated `LIST` (never tokenmint:*)"},
		{key: "registration_auth_methods", ptr: &c.RegistrationAuthMethods, help: "token endpoint auth methods a registered client may use, a comma-separated `LIST` of client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt, tls_client_auth, self_signed_tls_client_auth, none"},
		{key: "seed", ptr: &c.Seed, help: "manifest `FILE` of clients and users to apply at start, as tokenmint apply does (credentials by reference only)"},
		{key: "tls_cert", ptr: &c.TLSCert, help: "PEM certificate `FILE` (chain) of the public listener: serve TLS and ask clients for certificates (mutual TLS, RFC 8705)"},
		{key: "tls_key", ptr: &c.TLSKey, help: "PEM private key `FILE` of --tls-cert"},
		{key: "tls_client_ca", ptr: &c.TLSClientCA, help: "PEM `FILE` of the CAs that tls_client_auth client certificates chain to"},
		{key: "tls_client_cert_header", ptr: &c.TLSClientCertHeader, help: "header `NAME` in which a TLS-terminating proxy of --trusted-proxies forwards the client certificate (RFC 9440 Client-Cert, URL-encoded PEM, or X-Forwarded-Client-Cert)"},
		{key: "mtls_base_url", ptr: &c.MTLSBaseURL, help: "base `URL` of a separate host that asks for client certificates, for mtls_endpoint_aliases (default: the issuer)"},
		{key: "allow_private_fetch", ptr: &c.AllowPrivateFetch, help: "INSECURE, for tests and local work: fetch client jwks_uri and sector_identifier_uri, and post back-channel logout tokens, to loopback and private addresses, and over plain http"},
		{key: "argon2_memory", ptr: &c.Argon2Memory, help: "argon2id memory per password hash in `KIB`"},
		{key: "argon2_iterations", ptr: &c.Argon2Iterations, help: "argon2id passes `N`"},
		{key: "argon2_parallelism", ptr: &c.Argon2Parallelism, help: "argon2id lanes `N`"},
		{key: "log_level", ptr: &c.LogLevel, help: "log `LEVEL`: debug, info, warn or error"},
		{key: "log_format", ptr: &c.LogFormat, help: "log `FORMAT`: text or json"},
		{key: "access_log", ptr: &c.AccessLog, help: "log one line per HTTP request (--access-log=false: none)"},
		{key: "audit_log", ptr: &c.AuditLog, help: "audit events as JSON lines to `DEST`: stderr, off, or a file appended to (they always go to the database)"},
		{key: "audit_retention", ptr: &c.AuditRetention, help: "how long the database keeps audit events, a `DURATION` like 30d or 720h (0: forever)"},
		{key: "dpop_nonce", ptr: &c.DPoPNonce, help: "require a server-issued nonce in every DPoP proof (RFC 9449 §8); --dpop-nonce=false accepts proofs without one"},
		{key: "previous_master_key", ptr: &c.PreviousMasterKey, help: "the master key being replaced during a rotation, base64 or hex (environment or file only)", noFlag: true},
		{key: "previous_master_key_file", ptr: &c.PreviousMasterKeyFile, help: "`FILE` of the master key being replaced during a rotation: what it sealed still opens"},
		{key: "require_pushed_authorization_requests", ptr: &c.RequirePushedAuthorizationRequests, help: "refuse every authorization request that did not come through the PAR endpoint /oauth2/par (RFC 9126), whatever the client"},
		{key: "console_url", ptr: &c.ConsoleURL, help: "the console's `URL` as browsers reach it, when not the admin listener's loopback address (https://admin.example.com/console/)"},
		{key: "console_session_lifetime", ptr: &c.ConsoleSessionLifetime, help: "longest session of the console and the self-service pages, a Go `DURATION` from 1m to 24h"},
		{key: "console_idle_timeout", ptr: &c.ConsoleIdleTimeout, help: "end a console or self-service session after this `DURATION` without a page, from 1m to --console-session-lifetime"},
		{key: "self_service", ptr: &c.SelfService, help: "serve the self-service pages /apps/ on the public listener: signed-in users manage their own apps"},
		{key: "self_service_grant_types", ptr: &c.SelfServiceGrantTypes, help: "grant types a self-service app may get, a comma-separated `LIST` of authorization_code, refresh_token, client_credentials"},
		{key: "self_service_scopes", ptr: &c.SelfServiceScopes, help: "scopes a self-service app may get, a comma-separated `LIST` (never tokenmint:*)"},
		{key: "self_service_auth_methods", ptr: &c.SelfServiceAuthMethods, help: "kinds of self-service app, a comma-separated `LIST` of client_secret_basic, client_secret_post (with a secret), none (public, PKCE)"},
		{key: "self_service_max_apps", ptr: &c.SelfServiceMaxApps, help: "apps each user may own, `N`"},
		{key: "self_service_redirect_hosts", ptr: &c.SelfServiceRedirectHosts, help: "hosts a self-service app's redirect URIs may name, a comma-separated `LIST` of names or *.example.com (empty: any the redirect URI rules allow)"},
		{key: "brand_name", ptr: &c.BrandName, help: "the `NAME` shown on the login, consent, console and self-service pages"},
		{key: "brand_logo", ptr: &c.BrandLogo, help: "logo `FILE` shown on every page: PNG, JPEG, GIF, WebP or SVG, at most 256 KiB"},
		{key: "brand_color", ptr: &c.BrandColor, help: "accent `COLOR` of every page, a hex colour like #1f5fbf"},
	}
	for _, d := range dialects.Settings() {
		all = append(all, setting{key: d.Key, ptr: dialectValue{&c.DialectSettings, d.Key}, help: d.Help})
	}
	return all
}

// dialectValue points at one entry of Config.DialectSettings.
type dialectValue struct {
	m   *map[string]string
	key string
}

// lookup returns the setting with the given key or flag name.
func lookup(c *Config, name string) (setting, bool) {
	key := strings.ReplaceAll(name, "-", "_")
	for _, s := range settings(c) {
		if s.key == key {
			return s, true
		}
	}
	return setting{}, false
}

// set parses raw into the setting's field. The error describes the value
// and the accepted form; the caller adds where it came from.
func (s setting) set(raw string) error {
	switch p := s.ptr.(type) {
	case *string:
		*p = strings.TrimSpace(raw)
	case *token.Secret:
		*p = token.Secret(strings.TrimSpace(raw))
	case *[]string:
		*p = splitList(raw)
	case *bool:
		return parseBool(raw, p)
	case *time.Duration:
		return parseDuration(raw, p)
	case *int:
		return parseInt(raw, p)
	case *int64:
		return parseInt(raw, p)
	case *uint32:
		return parseUint(raw, p)
	case *uint8:
		return parseUint(raw, p)
	case dialectValue:
		if *p.m == nil {
			*p.m = map[string]string{}
		}
		(*p.m)[p.key] = strings.TrimSpace(raw)
	default:
		panic(fmt.Sprintf("config: setting %s has unsupported type %T", s.key, s.ptr))
	}
	return nil
}

// isBool reports whether the setting is a boolean (a flag without value).
func (s setting) isBool() bool { _, ok := s.ptr.(*bool); return ok }

// isList reports whether the setting takes several values.
func (s setting) isList() bool { _, ok := s.ptr.(*[]string); return ok }

// format renders the field's current value the way set accepts it; the
// master key renders redacted.
func (s setting) format() string {
	switch p := s.ptr.(type) {
	case *string:
		return *p
	case *token.Secret:
		if *p == "" {
			return ""
		}
		return p.String()
	case *[]string:
		return strings.Join(*p, ",")
	case *time.Duration:
		return p.String()
	case dialectValue:
		return (*p.m)[p.key]
	}
	return fmt.Sprint(reflect.ValueOf(s.ptr).Elem().Interface())
}

// splitList splits a comma-separated value, trimming blanks and dropping
// empty items.
func splitList(raw string) []string {
	var out []string
	for _, item := range strings.Split(raw, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func parseBool(raw string, p *bool) error {
	v, err := strconv.ParseBool(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("invalid boolean %q (use true or false)", raw)
	}
	*p = v
	return nil
}

func parseDuration(raw string, p *time.Duration) error {
	v, err := parseDays(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("invalid duration %q (use Go durations like 15m, 2h)", raw)
	}
	*p = v
	return nil
}

// parseDays is time.ParseDuration that also takes whole days first, as
// in 30d or 1d12h: retention periods are counted in days. Go durations
// have no unit d, so any d is one.
func parseDays(s string) (time.Duration, error) {
	days, rest, ok := strings.Cut(s, "d")
	if !ok {
		return time.ParseDuration(s)
	}
	n, err := strconv.ParseUint(days, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("invalid number of days %q", days)
	}
	d := time.Duration(n) * 24 * time.Hour
	if rest == "" {
		return d, nil
	}
	r, err := time.ParseDuration(rest)
	if err != nil || r < 0 || rest[0] == '+' {
		return 0, fmt.Errorf("invalid duration %q after the days", rest)
	}
	return d + r, nil
}

func parseInt[T int | int64](raw string, p *T) error {
	var zero T
	v, err := strconv.ParseInt(strings.TrimSpace(raw), 10, bitsOf(zero))
	if err != nil {
		return fmt.Errorf("invalid integer %q (use a whole number)", raw)
	}
	*p = T(v)
	return nil
}

func parseUint[T uint8 | uint32](raw string, p *T) error {
	var zero T
	bits := bitsOf(zero)
	v, err := strconv.ParseUint(strings.TrimSpace(raw), 10, bits)
	if err != nil {
		return fmt.Errorf("invalid number %q (use a whole number from 0 to %d)", raw, uint64(1)<<bits-1)
	}
	*p = T(v)
	return nil
}

func bitsOf(v any) int {
	switch v.(type) {
	case uint8:
		return 8
	case uint32:
		return 32
	case int:
		return strconv.IntSize
	}
	return 64
}
