package config

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/brand"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/token"
)

// Config is every setting of a tokenmint deployment. Load returns it
// validated; docs/configuration.md describes each field.
type Config struct {
	Addr string `yaml:"addr"`
	// AdminAddr is the admin listener's address ("off": none): the admin
	// API, metrics, and runtime profiles with Pprof, the benchmark floor
	// with BenchFloor.
	AdminAddr string `yaml:"admin_addr"`
	// PublicMetrics also serves /metrics on the public listener, as
	// before the admin listener existed.
	PublicMetrics bool         `yaml:"public_metrics"`
	Pprof         bool         `yaml:"pprof"`
	BenchFloor    bool         `yaml:"bench_floor"`
	Issuer        string       `yaml:"issuer"`
	Database      string       `yaml:"database"`
	MasterKey     token.Secret `yaml:"master_key"`
	MasterKeyFile string       `yaml:"master_key_file"`
	SigningAlg    string       `yaml:"signing_alg"`
	Dialects      []string     `yaml:"dialects"`

	// PreviousMasterKey (or the file) is the master key being replaced
	// during a rotation (tokenmint master-key rotate): what it sealed
	// still opens, and until the rotation has run, the hash keys derive
	// from it.
	PreviousMasterKey     token.Secret `yaml:"previous_master_key"`
	PreviousMasterKeyFile string       `yaml:"previous_master_key_file"`

	Redis             string   `yaml:"redis"`
	RateLimitFailOpen bool     `yaml:"rate_limit_fail_open"`
	TrustedProxies    []string `yaml:"trusted_proxies"`
	TokenRateLimit    string   `yaml:"token_rate_limit"`
	ClientRateLimit   string   `yaml:"client_rate_limit"`

	LoginMaxFailures   int           `yaml:"login_max_failures"`
	LoginFailureWindow time.Duration `yaml:"login_failure_window"`
	CodeTTL            time.Duration `yaml:"code_ttl"`
	SessionTTL         time.Duration `yaml:"session_ttl"`
	KeyRetireAfter     time.Duration `yaml:"key_retire_after"`
	JanitorInterval    time.Duration `yaml:"janitor_interval"`

	ReadTimeout     time.Duration `yaml:"read_timeout"`
	WriteTimeout    time.Duration `yaml:"write_timeout"`
	IdleTimeout     time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`
	DBMaxConns      int           `yaml:"db_max_conns"`
	// TokenCacheEntries bounds the opaque token records each instance
	// keeps in memory (package store/cache); 0 reads every one from the
	// database.
	TokenCacheEntries int `yaml:"token_cache_entries"`
	// Seed is a manifest file (package manifest) the server applies at
	// start, as tokenmint apply does.
	Seed string `yaml:"seed"`
	// Dev is set by ApplyDev (serve --dev) and never by a setting: the
	// server is a development one, in memory and on loopback.
	Dev bool `yaml:"-"`

	// Registration is the policy of dynamic client registration (RFC
	// 7591) at /oauth2/register: RegistrationOff, RegistrationToken (an
	// initial access token is required) or RegistrationOpen. The other
	// Registration* settings bound what a registered client may get.
	Registration            string   `yaml:"registration"`
	RegistrationGrantTypes  []string `yaml:"registration_grant_types"`
	RegistrationScopes      []string `yaml:"registration_scopes"`
	RegistrationAuthMethods []string `yaml:"registration_auth_methods"`

	// TLSCert and TLSKey are the PEM files of the public listener's own
	// certificate and key: with them it serves TLS (1.2 or later) and asks
	// clients for a certificate (mutual TLS, RFC 8705), reloading the
	// files when they change. TLSClientCA is the PEM bundle of the CAs a
	// tls_client_auth client's certificate must chain to.
	TLSCert     string `yaml:"tls_cert"`
	TLSKey      string `yaml:"tls_key"`
	TLSClientCA string `yaml:"tls_client_ca"`
	// TLSClientCertHeader names the header in which a TLS-terminating
	// proxy of TrustedProxies forwards the client's certificate (RFC 9440
	// Client-Cert, URL-encoded PEM, or Envoy's XFCC); ignored from any
	// other peer.
	TLSClientCertHeader string `yaml:"tls_client_cert_header"`
	// MTLSBaseURL is the base URL of a separate host that asks clients for
	// certificates (RFC 8705 §5, mtls_endpoint_aliases); empty: the
	// issuer's own URLs, when mutual TLS is served.
	MTLSBaseURL string `yaml:"mtls_base_url"`

	// AllowPrivateFetch lets the server fetch the URLs clients register
	// (a private_key_jwt client's jwks_uri) from loopback, private and
	// reserved addresses, and over plain http: for tests and local work,
	// never in production (package jwksfetch).
	AllowPrivateFetch bool `yaml:"allow_private_fetch"`

	// DPoPNonce makes every DPoP proof carry a nonce the server issued
	// (RFC 9449 §8, §9), so that a proof cannot be made ahead of time;
	// on by default. Nonces rotate every two minutes and need no shared
	// state: any instance with the same master key accepts them.
	DPoPNonce bool `yaml:"dpop_nonce"`
	// RequirePushedAuthorizationRequests refuses every authorization
	// request that did not come through PAR (RFC 9126 §5), server-wide;
	// a client's own setting requires it of that client alone.
	RequirePushedAuthorizationRequests bool `yaml:"require_pushed_authorization_requests"`

	// DialectSettings holds the values of the settings the dialects add
	// (dialect.Setting), by key; Default fills in their defaults.
	DialectSettings map[string]string `yaml:"-"`

	Argon2Memory      uint32 `yaml:"argon2_memory"` // KiB
	Argon2Iterations  uint32 `yaml:"argon2_iterations"`
	Argon2Parallelism uint8  `yaml:"argon2_parallelism"`

	LogLevel  string `yaml:"log_level"`
	LogFormat string `yaml:"log_format"`
	// AccessLog logs one line per HTTP request, on both listeners, at
	// info (package httpapi's AccessLog).
	AccessLog bool `yaml:"access_log"`

	// AuditLog is where audit events are written as JSON lines besides
	// the database: "stderr", "off" or a file path (package audit).
	AuditLog string `yaml:"audit_log"`
	// AuditRetention is how long the database keeps audit events; 0
	// keeps them.
	AuditRetention time.Duration `yaml:"audit_retention"`

	// ConsoleURL is the console's address as a browser reaches it (issue
	// 17), when that is not the admin listener's own loopback address:
	// behind a proxy, or on another host name. "" derives it from each
	// request to a loopback admin listener.
	ConsoleURL string `yaml:"console_url"`
	// ConsoleSessionLifetime and ConsoleIdleTimeout bound a session of
	// the console and the self-service pages: it ends this long after
	// sign-in, or after this long without a page (console.Session).
	ConsoleSessionLifetime time.Duration `yaml:"console_session_lifetime"`
	ConsoleIdleTimeout     time.Duration `yaml:"console_idle_timeout"`
	// SelfService serves the self-service pages, /apps/, on the public
	// listener: a signed-in user manages the clients they own, within the
	// policy of the SelfService* settings.
	SelfService           bool     `yaml:"self_service"`
	SelfServiceGrantTypes []string `yaml:"self_service_grant_types"`
	SelfServiceScopes     []string `yaml:"self_service_scopes"`
	// SelfServiceAuthMethods are the kinds of app a user may create: a
	// confidential one with a secret (client_secret_basic,
	// client_secret_post), a public one with PKCE (none).
	SelfServiceAuthMethods []string `yaml:"self_service_auth_methods"`
	SelfServiceMaxApps     int      `yaml:"self_service_max_apps"`
	// SelfServiceRedirectHosts, when set, are the hosts an app's
	// redirect URIs may name: exact names, or *.example.com for any
	// subdomain. Empty: any host the redirect URI rules allow.
	SelfServiceRedirectHosts []string `yaml:"self_service_redirect_hosts"`

	// Branding of every page a person sees (package brand).
	BrandName  string `yaml:"brand_name"`
	BrandLogo  string `yaml:"brand_logo"`
	BrandColor string `yaml:"brand_color"`
}

// Brand loads the branding the Brand* settings name (brand.Load):
// Validate has checked them, but the logo file is read again here.
func (c Config) Brand() (brand.Brand, error) {
	return brand.Load(c.BrandName, c.BrandLogo, c.BrandColor)
}

// AllDialects returns every dialect name, in the order "all" expands to
// (package dialects is their registry).
func AllDialects() []string { return dialects.Names() }

// AdminOff is the AdminAddr that disables the admin listener.
const AdminOff = "off"

// Policies of dynamic client registration (Config.Registration).
const (
	RegistrationOff   = "off"   // no registration endpoint
	RegistrationToken = "token" // an initial access token is required
	RegistrationOpen  = "open"  // anyone may register
)

// Default returns the built-in settings. Issuer and MasterKeyFile are
// derived from Addr and Database; Load re-derives them when neither was
// set explicitly.
func Default() Config {
	c := Config{
		Addr:               "127.0.0.1:8080",
		AdminAddr:          "127.0.0.1:8081",
		Database:           "sqlite:tokenmint.db",
		SigningAlg:         tokenmint.AlgES256,
		RateLimitFailOpen:  true,
		LoginMaxFailures:   5,
		LoginFailureWindow: 15 * time.Minute,
		CodeTTL:            5 * time.Minute,
		SessionTTL:         24 * time.Hour,
		KeyRetireAfter:     24 * time.Hour,
		JanitorInterval:    10 * time.Second,
		ReadTimeout:        10 * time.Second,
		WriteTimeout:       10 * time.Second,
		IdleTimeout:        60 * time.Second,
		ShutdownTimeout:    15 * time.Second,
		MaxBodyBytes:       httpapi.DefaultMaxBodyBytes,
		TokenCacheEntries:  50_000,
		Argon2Memory:       password.DefaultParams.Memory,
		Argon2Iterations:   password.DefaultParams.Iterations,
		Argon2Parallelism:  password.DefaultParams.Parallelism,
		LogLevel:           "info",
		LogFormat:          "text",
		AccessLog:          true,
		AuditLog:           "off",
		AuditRetention:     30 * 24 * time.Hour,
		DPoPNonce:          true,
	}
	// A standard OpenID Connect relying party can register: the code
	// flow with refresh tokens, the OIDC scopes, a secret or (with PKCE)
	// none.
	c.Registration = RegistrationToken
	c.RegistrationGrantTypes = []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken}
	c.RegistrationScopes = []string{"openid", "profile", "email"}
	c.RegistrationAuthMethods = []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt", "none"}
	// Self-service apps: sign-in clients of the code flow, with the OIDC
	// scopes, a few per user.
	c.SelfServiceGrantTypes = []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken}
	c.SelfServiceScopes = []string{"openid", "profile", "email"}
	c.SelfServiceAuthMethods = []string{tokenmint.AuthMethodSecretBasic, tokenmint.AuthMethodNone}
	c.SelfServiceMaxApps = 5
	c.ConsoleSessionLifetime, c.ConsoleIdleTimeout = time.Hour, 30*time.Minute
	c.Issuer = defaultIssuer(c.Addr, false)
	c.MasterKeyFile = defaultMasterKeyFile(c.Database)
	c.DialectSettings = map[string]string{}
	for _, s := range dialects.Settings() {
		c.DialectSettings[s.Key] = s.Default
	}
	return c
}

// defaultIssuer is http:// + addr (https:// when the listener serves
// TLS), with "localhost" standing in for a wildcard or empty host, which
// is not a name a client can reach.
func defaultIssuer(addr string, tls bool) string {
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + addr
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return scheme + net.JoinHostPort(host, port)
}

// ServesTLS reports whether the public listener serves TLS itself.
func (c Config) ServesTLS() bool { return c.TLSCert != "" }

// MutualTLS reports whether client certificates reach the server: on its
// own TLS listener, or forwarded by a trusted proxy.
func (c Config) MutualTLS() bool { return c.ServesTLS() || c.TLSClientCertHeader != "" }

// defaultMasterKeyFile is tokenmint.key beside the SQLite database file;
// other backends have no default.
func defaultMasterKeyFile(database string) string {
	path, ok := SQLitePath(database)
	if !ok {
		return ""
	}
	return filepath.Join(filepath.Dir(path), "tokenmint.key")
}

// SQLitePath returns the file path of a "sqlite:PATH" or "sqlite://PATH"
// DSN, as package store reads it; ok is false for other backends.
func SQLitePath(database string) (path string, ok bool) {
	rest, ok := strings.CutPrefix(database, "sqlite:")
	if !ok {
		return "", false
	}
	rest, _ = strings.CutPrefix(rest, "//")
	return rest, true
}

// IsPostgres reports whether Database names a PostgreSQL server.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://")
}

// HasDialect reports whether the named dialect is enabled.
func (c Config) HasDialect(name string) bool { return slices.Contains(c.Dialects, name) }

// TrustedProxyPrefixes returns TrustedProxies as prefixes; a bare address
// becomes a single-address prefix. Entries that do not parse (impossible
// after Load) are skipped.
func (c Config) TrustedProxyPrefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(c.TrustedProxies))
	for _, s := range c.TrustedProxies {
		if p, err := parseProxy(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func parseProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// PasswordParams returns the argon2id parameters for package password.
func (c Config) PasswordParams() password.Params {
	p := password.DefaultParams
	p.Memory, p.Iterations, p.Parallelism = c.Argon2Memory, c.Argon2Iterations, c.Argon2Parallelism
	return p
}

// SlogLevel returns LogLevel as a slog.Level (info for an unknown name,
// which Load rejects).
func (c Config) SlogLevel() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// NewLogger returns a logger writing to w in LogFormat at LogLevel, its
// durations as text (FormatDurations).
func (c Config) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.SlogLevel(), ReplaceAttr: FormatDurations}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// FormatDurations is a slog ReplaceAttr that writes a time.Duration as
// its String ("1.5s", "250µs") rather than slog's JSON integer of
// nanoseconds, in every format: a log is read by people first.
func FormatDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}
