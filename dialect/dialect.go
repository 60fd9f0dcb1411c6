package dialect

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/login"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/ratelimit"
)

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
	// EpicollectLimit limits Epicollect5 token requests per client IP
	// (the platform documents 10 per hour); zero means none.
	EpicollectLimit ratelimit.Limit
	// TokenIPLimit is the general per-IP limit of token endpoints (the
	// server's token-rate-limit), applied to every dialect token endpoint
	// that has no platform default of its own; zero means none.
	TokenIPLimit   ratelimit.Limit
	MaxBodyBytes   int64
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	Metrics        *httpapi.Metrics
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

// Handle mounts h on mux under pattern, counted in the metrics under the
// endpoint label.
func (d Deps) Handle(mux *http.ServeMux, pattern, endpoint string, h http.Handler) {
	mux.Handle(pattern, d.Metrics.Wrap(endpoint, h))
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

// MethodNotAllowed answers 405 with Allow and a JSON error, for the paths
// of a dialect requested with another method (without it, the server's
// catch-all would answer 404).
func (d Deps) MethodNotAllowed(allow ...string) http.Handler {
	list := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", list)
		httpapi.WriteJSON(w, http.StatusMethodNotAllowed, httpapi.ErrorBody{Error: oauth.InvalidRequest, Description: "use " + list})
	})
}
