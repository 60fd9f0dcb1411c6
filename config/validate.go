package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/brand"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/password"
)

// Validate checks every setting of c, as Load does. Use it on a Config
// built in code; errors name the setting by its YAML key.
func (c Config) Validate() error { return c.validate(nil) }

// check validates one setting of a Config.
type check struct {
	key string
	fn  func(*Config) error
}

func (c *Config) checks() []check {
	positive := func(d *time.Duration) func(*Config) error {
		return func(*Config) error { return positiveDuration(*d) }
	}
	rate := func(s *string) func(*Config) error {
		return func(*Config) error { return optionalRate(*s) }
	}
	checks := []check{
		{"addr", func(c *Config) error { return validAddr(c.Addr) }},
		{"admin_addr", func(c *Config) error { return validAdminAddr(c.AdminAddr) }},
		{"issuer", func(c *Config) error { return validIssuer(c.Issuer) }},
		{"database", func(c *Config) error { return validDatabase(c.Database) }},
		{"signing_alg", func(c *Config) error { return oneOf(c.SigningAlg, tokenmint.KnownAlgs) }},
		{"dialects", func(c *Config) error { return c.normalizeDialects() }},
		{"redis", func(c *Config) error { return validRedis(c.Redis) }},
		{"trusted_proxies", func(c *Config) error { return validProxies(c.TrustedProxies) }},
		{"token_rate_limit", rate(&c.TokenRateLimit)},
		{"client_rate_limit", rate(&c.ClientRateLimit)},
		{"login_max_failures", func(c *Config) error { return atLeast(int64(c.LoginMaxFailures), 1) }},
		{"login_failure_window", positive(&c.LoginFailureWindow)},
		{"code_ttl", positive(&c.CodeTTL)},
		{"session_ttl", positive(&c.SessionTTL)},
		{"key_retire_after", positive(&c.KeyRetireAfter)},
		{"janitor_interval", positive(&c.JanitorInterval)},
		{"read_timeout", positive(&c.ReadTimeout)},
		{"write_timeout", positive(&c.WriteTimeout)},
		{"idle_timeout", positive(&c.IdleTimeout)},
		{"shutdown_timeout", positive(&c.ShutdownTimeout)},
		{"max_body_bytes", func(c *Config) error { return atLeast(c.MaxBodyBytes, 1024) }},
		{"db_max_conns", func(c *Config) error { return atLeast(int64(c.DBMaxConns), 0) }},
		{"token_cache_entries", func(c *Config) error { return atLeast(int64(c.TokenCacheEntries), 0) }},
		{"registration", func(c *Config) error {
			return oneOf(c.Registration, []string{RegistrationOff, RegistrationToken, RegistrationOpen})
		}},
		{"registration_grant_types", func(c *Config) error { return validRegistrationGrants(c.RegistrationGrantTypes) }},
		{"registration_scopes", func(c *Config) error { return validRegistrationScopes(c.RegistrationScopes) }},
		{"registration_auth_methods", func(c *Config) error { return validRegistrationAuthMethods(c.RegistrationAuthMethods) }},
		{"tls_cert", func(c *Config) error { return validTLSPair(c.TLSCert, c.TLSKey) }},
		{"tls_key", func(c *Config) error { return validTLSKey(c.TLSCert, c.TLSKey) }},
		{"tls_client_ca", func(c *Config) error { return c.validClientCA() }},
		{"tls_client_cert_header", func(c *Config) error { return c.validClientCertHeader() }},
		{"mtls_base_url", func(c *Config) error { return c.validMTLSBaseURL() }},
		{"argon2_parallelism", func(c *Config) error { return atLeast(int64(c.Argon2Parallelism), 1) }},
		{"argon2_iterations", func(c *Config) error { return validIterations(c.Argon2Iterations) }},
		{"argon2_memory", func(c *Config) error { return c.PasswordParams().Validate() }},
		{"log_level", func(c *Config) error { return oneOf(c.LogLevel, []string{"debug", "info", "warn", "error"}) }},
		{"log_format", func(c *Config) error { return oneOf(c.LogFormat, []string{"text", "json"}) }},
		{"audit_log", func(c *Config) error { return validAuditLog(c.AuditLog) }},
		{"audit_retention", func(c *Config) error { return nonNegative(c.AuditRetention) }},
		{"console_url", func(c *Config) error { return validConsoleURL(c.ConsoleURL) }},
		{"console_session_lifetime", func(c *Config) error {
			return durationWithin(c.ConsoleSessionLifetime, time.Minute, MaxConsoleSession)
		}},
		{"console_idle_timeout", func(c *Config) error { return c.validConsoleIdle() }},
		{"self_service_grant_types", func(c *Config) error { return validRegistrationGrants(c.SelfServiceGrantTypes) }},
		{"self_service_scopes", func(c *Config) error { return validRegistrationScopes(c.SelfServiceScopes) }},
		{"self_service_auth_methods", func(c *Config) error { return validSelfServiceAuthMethods(c.SelfServiceAuthMethods) }},
		{"self_service_max_apps", func(c *Config) error { return atLeast(int64(c.SelfServiceMaxApps), 1) }},
		{"self_service_redirect_hosts", func(c *Config) error { return validRedirectHosts(c.SelfServiceRedirectHosts) }},
		{"brand_name", func(c *Config) error { return brand.ValidateName(c.BrandName) }},
		{"brand_color", func(c *Config) error { return brand.ValidateColor(c.BrandColor) }},
		{"brand_logo", func(c *Config) error {
			if c.BrandLogo == "" {
				return nil
			}
			_, _, err := brand.ReadLogo(c.BrandLogo)
			return err
		}},
	}
	for _, d := range dialects.Settings() {
		if d.Check != nil {
			key, fn := d.Key, d.Check
			checks = append(checks, check{key, func(c *Config) error { return fn(c.DialectSettings[key]) }})
		}
	}
	return checks
}

// validAdminAddr accepts off or a listen address.
func validAdminAddr(addr string) error {
	if addr == AdminOff {
		return nil
	}
	return validAddr(addr)
}

// validate runs every check; origins maps a key to where its value came
// from, for the error message.
func (c *Config) validate(origins map[string]string) error {
	for _, ch := range c.checks() {
		if err := ch.fn(c); err != nil {
			return &SettingError{Source: sourceOf(ch.key, origins), Err: err}
		}
	}
	return nil
}

func sourceOf(key string, origins map[string]string) string {
	if o, ok := origins[key]; ok {
		return o
	}
	if origins == nil {
		return key
	}
	return key + " (default)"
}

func validAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return fmt.Errorf("invalid address %q (use HOST:PORT like 127.0.0.1:8080 or :8080)", addr)
	}
	return nil
}

// validIssuer enforces OpenID Connect Discovery 1.0 §3 and RFC 8414 §2:
// the issuer is an https URL without query or fragment. Plain http is
// allowed only on a loopback host, for development.
func validIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("invalid issuer %q (use an absolute URL like https://auth.example.com)", issuer)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("issuer %q must use https", issuer)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(issuer, "#"):
		return fmt.Errorf("issuer %q must not have a query or fragment (RFC 8414 §2)", issuer)
	case u.User != nil:
		return fmt.Errorf("issuer %q must not contain user information", issuer)
	case strings.HasSuffix(u.Path, "/"):
		return fmt.Errorf("issuer %q must not end with a slash", issuer)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Errorf("issuer %q must use https (plain http is allowed only for localhost or a loopback address)", issuer)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// validDatabase checks the DSN's form without echoing it: a PostgreSQL
// DSN may carry a password.
func validDatabase(dsn string) error {
	const form = "(use sqlite:PATH or postgres://USER@HOST:PORT/DB)"
	if path, ok := SQLitePath(dsn); ok {
		if path == "" {
			return errors.New("empty SQLite path " + form)
		}
		if strings.ContainsAny(path, "?#") {
			return errors.New("SQLite path must not contain ? or # " + form)
		}
		return nil
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if _, err := url.Parse(dsn); err != nil {
			return errors.New("malformed PostgreSQL URL " + form)
		}
		return nil
	}
	scheme, _, _ := strings.Cut(dsn, ":")
	return fmt.Errorf("unsupported database %q %s", scheme, form)
}

// validRedis checks the URL's form without echoing it (it may hold a
// password).
func validRedis(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
		return errors.New("invalid Redis URL (use redis://HOST:PORT/DB, rediss://... or unix:///PATH)")
	}
	if u.Scheme != "unix" && u.Host == "" {
		return errors.New("Redis URL has no host (use redis://HOST:PORT/DB)")
	}
	return nil
}

func validProxies(list []string) error {
	for _, s := range list {
		if _, err := parseProxy(s); err != nil {
			return fmt.Errorf("invalid proxy %q (use IP addresses or CIDRs like 10.0.0.0/8, comma-separated)", s)
		}
	}
	return nil
}

// normalizeDialects expands "all", drops duplicates and rejects unknown
// names.
func (c *Config) normalizeDialects() error {
	var out []string
	for _, d := range c.Dialects {
		names := []string{strings.ToLower(d)}
		if names[0] == "all" {
			names = AllDialects()
		}
		for _, n := range names {
			if !slices.Contains(AllDialects(), n) {
				return fmt.Errorf("unknown dialect %q (known: %s, or all)", d, strings.Join(AllDialects(), ", "))
			}
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	c.Dialects = out
	return nil
}

// validIterations checks the argon2 pass count alone, so that an error
// names the right setting.
func validIterations(t uint32) error {
	p := password.DefaultParams
	p.Iterations = t
	return p.Validate()
}

func optionalRate(s string) error {
	if s == "" {
		return nil
	}
	_, _, err := ParseRate(s)
	return err
}

// validAuditLog accepts stderr, off or a file path; whether the file can
// be opened is the server's to find out.
func validAuditLog(dest string) error {
	if dest == "" || strings.ContainsRune(dest, 0) || strings.TrimSpace(dest) != dest {
		return fmt.Errorf("invalid audit log %q (use stderr, off or a file path)", dest)
	}
	return nil
}

func nonNegative(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("duration %s must not be negative (use 30d, 720h, or 0 to keep everything)", d)
	}
	return nil
}

func positiveDuration(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("duration %s must be positive (use Go durations like 15m, 2h)", d)
	}
	return nil
}

// MaxConsoleSession bounds console_session_lifetime: a console session
// holds an administrator's power, and a lifetime past the default
// key_retire_after would keep rotated keys published longer
// (registry.Registry.KeyRetireAfter counts every client's).
const MaxConsoleSession = 24 * time.Hour

// durationWithin accepts d from lo to hi.
func durationWithin(d, lo, hi time.Duration) error {
	if d < lo || d > hi {
		return fmt.Errorf("duration %s must be from %s to %s (use Go durations like 30m, 8h)", d, lo, hi)
	}
	return nil
}

// validConsoleIdle accepts an idle timeout from a minute to the session's
// lifetime: past it, it would never apply.
func (c *Config) validConsoleIdle() error {
	if err := durationWithin(c.ConsoleIdleTimeout, time.Minute, MaxConsoleSession); err != nil {
		return err
	}
	if c.ConsoleIdleTimeout > c.ConsoleSessionLifetime {
		return fmt.Errorf("duration %s is longer than console_session_lifetime (%s), which ends every session first: set console_idle_timeout no longer than it", c.ConsoleIdleTimeout, c.ConsoleSessionLifetime)
	}
	return nil
}

func atLeast(v, minimum int64) error {
	if v < minimum {
		return fmt.Errorf("%d is below the minimum %d", v, minimum)
	}
	return nil
}

func oneOf(v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return fmt.Errorf("invalid value %q (use one of: %s)", v, strings.Join(allowed, ", "))
	}
	return nil
}

// registrationGrantTypes are the grant types dynamic client registration
// can give. The password grant is not among them: it hands users'
// passwords to the client, which RFC 9700 §2.4 forbids, and a client
// anyone may register is the last that should see them.
var registrationGrantTypes = []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantClientCredentials}

func validRegistrationGrants(list []string) error {
	if len(list) == 0 {
		return fmt.Errorf("empty list (use some of: %s)", strings.Join(registrationGrantTypes, ", "))
	}
	for _, g := range list {
		if g == tokenmint.GrantPassword {
			return errors.New("the password grant is never given to a registered client (RFC 9700 §2.4)")
		}
		if err := oneOf(g, registrationGrantTypes); err != nil {
			return err
		}
	}
	return nil
}

func validRegistrationScopes(list []string) error {
	for _, s := range list {
		if !oauth.ValidScopeToken(s) {
			return fmt.Errorf("invalid scope %q: scopes are printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)", s)
		}
		if clientmeta.OperatorOnlyScope(s) {
			return fmt.Errorf("scope %q is reserved for clients an operator creates; registration never grants tokenmint:* scopes", s)
		}
	}
	return nil
}

func validRegistrationAuthMethods(list []string) error {
	known := []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt", "none"}
	if len(list) == 0 {
		return fmt.Errorf("empty list (use some of: %s)", strings.Join(known, ", "))
	}
	for _, m := range list {
		if err := oneOf(m, known); err != nil {
			return err
		}
	}
	return nil
}

// validConsoleURL accepts "" or the console's absolute URL: https, or
// http on a loopback host (the redirect URI rules of RFC 9700 §2.6 and
// RFC 8252 §7.3 that its sign-in's redirect URI must pass), without
// query or fragment.
func validConsoleURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("invalid console URL %q (use an absolute URL like https://admin.example.com/console/)", raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
	default:
		return fmt.Errorf("the console URL %q must be https, or http on a loopback address", raw)
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}

func validSelfServiceAuthMethods(list []string) error {
	known := []string{tokenmint.AuthMethodSecretBasic, tokenmint.AuthMethodSecretPost, tokenmint.AuthMethodNone}
	if len(list) == 0 {
		return fmt.Errorf("empty list (use some of: %s)", strings.Join(known, ", "))
	}
	for _, m := range list {
		if err := oneOf(m, known); err != nil {
			return err
		}
	}
	return nil
}

// validRedirectHosts accepts host names, each optionally "*." followed by
// a domain (any subdomain of it).
func validRedirectHosts(list []string) error {
	for _, h := range list {
		name := strings.TrimPrefix(h, "*.")
		if name == "" || strings.ContainsAny(name, "*/:@?#[] ") || strings.ToLower(name) != name {
			return fmt.Errorf("invalid host %q (use lower-case host names like app.example.com or *.example.com)", h)
		}
	}
	return nil
}
