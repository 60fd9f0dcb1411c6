package dialect

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/login"
	"github.com/tokenmint/tokenmint/ratelimit"
	"github.com/tokenmint/tokenmint/registry"
)

// Dialect is one platform's token service over the core. The server
// enables it by Name (--dialects), adds its Settings to the
// configuration, registers its Policy with the engine under its Name, and
// puts its Routes in the route table. A client created with --profile
// Name gets its Profile's defaults.
type Dialect interface {
	// Name is what --dialects enables and what a client's profile names.
	Name() string
	// Settings are the configuration settings the dialect adds (none for
	// most); Deps.Setting gives their values.
	Settings() []Setting
	// Policy is what the dialect's token endpoint asks of every request
	// beyond RFC 6749 (grant.TokenRequest.Dialect names it).
	Policy() grant.DialectPolicy
	// Profile is the platform's documented client defaults.
	Profile() registry.Profile
	// Routes are the dialect's endpoints, for the server's route table.
	Routes(d Deps) ([]Route, error)
}

// Route is one endpoint of a dialect: a net/http ServeMux pattern, the
// endpoint label its requests are counted under in the metrics, and the
// handler.
type Route struct {
	Pattern  string
	Endpoint string
	Handler  http.Handler
}

// Setting is a configuration setting a dialect adds: the YAML key, the
// flag (the key in kebab case) and the environment variable (TOKENMINT_
// and the key in upper case), like every setting of package config.
type Setting struct {
	Key     string
	Default string
	Help    string
	// Check validates a value; nil accepts any.
	Check func(string) error
}

// Deps is what a dialect needs from the server. Engine and API are
// required; Login is required by dialects with a browser flow (eptura).
type Deps struct {
	Engine *grant.Engine
	// API supplies the shared HTTP helpers that need configuration:
	// LimitByIP and the logger of the error writer.
	API   *httpapi.API
	Login *login.Pages
	Store tokenmint.Store
	// Limiter backs the per-IP limits below; nil disables them.
	Limiter ratelimit.Limiter
	// Window backs rolling limits of tokens issued (Epicollect5's).
	Window ratelimit.Window
	// FailedAuth limits failed client authentications per client IP at
	// the dialect endpoints whose own limit counts only successes
	// (Epicollect5): the server's sign-in failure limit. The zero value
	// means none.
	FailedAuth ratelimit.Throttle
	// TokenIPLimit is the general per-IP limit of token endpoints (the
	// server's token-rate-limit), applied to every dialect token endpoint
	// that has no platform default of its own; zero means none.
	TokenIPLimit ratelimit.Limit
	// Settings are the values of the dialects' settings (Setting), by
	// key.
	Settings       map[string]string
	MaxBodyBytes   int64
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	// Metrics counts the dialect's rate-limit refusals (nil: none).
	Metrics *httpapi.Metrics
	// Now is the server's clock (default time.Now), for the instants a
	// dialect hands the engine, such as a sign-in's auth_time.
	Now func() time.Time
}

// Check panics when a dependency every dialect needs is missing: that is
// a wiring bug no request could recover from.
func (d Deps) Check(platform string) {
	if d.Engine == nil || d.API == nil {
		panic("dialect " + platform + ": Engine and API are required")
	}
}

// Setting returns the value of the dialect setting with that key.
func (d Deps) Setting(key string) string { return d.Settings[key] }

// Log returns the logger, never nil.
func (d Deps) Log() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// Clock returns the current time of the server's clock.
func (d Deps) Clock() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// BodyLimit is the bound on request bodies.
func (d Deps) BodyLimit() int64 {
	if d.MaxBodyBytes <= 0 {
		return httpapi.DefaultMaxBodyBytes
	}
	return d.MaxBodyBytes
}

// ClientIP is the caller's address, honouring TrustedProxies.
func (d Deps) ClientIP(r *http.Request) string {
	return httpapi.ClientIP(r, d.TrustedProxies)
}

// LimitByIP wraps a token endpoint with a per-IP limit under the key
// space name, when l is set and a limiter is configured; refuse writes
// the platform's own 429 (nil: the standard RFC 6749-style error).
func (d Deps) LimitByIP(name string, l ratelimit.Limit, h http.Handler, refuse httpapi.RateLimitedFunc) http.Handler {
	if l.IsZero() || d.Limiter == nil {
		return h
	}
	return d.API.LimitByIP(name, l, h, refuse)
}

// WriteError writes err in the standard RFC 6749 §5.2 shape through the
// shared error writer (internal causes are logged, never shown).
func (d Deps) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	httpapi.WriteError(w, r, d.Log(), err)
}
