package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/ratelimit"
)

// Standard endpoint paths.
const (
	PathToken        = "/oauth2/token"
	PathIntrospect   = "/oauth2/introspect"
	PathRevoke       = "/oauth2/revoke"
	PathAuthorize    = "/oauth2/authorize"
	PathLogout       = "/oauth2/logout"
	PathUserInfo     = "/oauth2/userinfo"
	PathJWKS         = "/oauth2/jwks"
	PathASMetadata   = "/.well-known/oauth-authorization-server"
	PathOIDCMetadata = "/.well-known/openid-configuration"
)

// Pinger reports whether storage answers (and, for the server, takes
// writes), for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config wires the API.
type Config struct {
	Engine  *grant.Engine
	Ready   Pinger
	Metrics *Metrics
	Logger  *slog.Logger
	// MaxBodyBytes bounds every request body (default 64 KiB).
	MaxBodyBytes int64
	// TrustedProxies are peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Limiter and TokenIPLimit limit the standard token endpoint per
	// client IP; a zero limit means none.
	Limiter      ratelimit.Limiter
	TokenIPLimit ratelimit.Limit
	// Authorize is true when the authorization endpoint is served (for
	// the metadata documents).
	Authorize bool
}

// API is the standard endpoints' handler set.
type API struct {
	cfg Config
	log *slog.Logger
}

// New returns an API; Register mounts it.
func New(cfg Config) *API {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &API{cfg: cfg, log: cfg.Logger}
}

// Logger is the API's logger, for dialects that share its error writer.
func (a *API) Logger() *slog.Logger { return a.cfg.Logger }

// Register mounts every standard endpoint on mux, each wrapped with
// metrics under a fixed endpoint label.
func (a *API) Register(mux *http.ServeMux) {
	m := a.cfg.Metrics
	tokenH := http.Handler(http.HandlerFunc(a.token))
	if !a.cfg.TokenIPLimit.IsZero() && a.cfg.Limiter != nil {
		tokenH = a.LimitByIP("token", a.cfg.TokenIPLimit, tokenH, nil)
	}
	mux.Handle("POST "+PathToken, m.Wrap("token", tokenH))
	mux.Handle("POST "+PathIntrospect, m.Wrap("introspect", http.HandlerFunc(a.introspect)))
	mux.Handle("POST "+PathRevoke, m.Wrap("revoke", http.HandlerFunc(a.revoke)))
	mux.Handle("GET "+PathJWKS, m.Wrap("jwks", http.HandlerFunc(a.jwks)))
	mux.Handle("GET /.well-known/jwks.json", m.Wrap("jwks", http.HandlerFunc(a.jwks)))
	mux.Handle("GET "+PathASMetadata, m.Wrap("metadata", http.HandlerFunc(a.asMetadata)))
	mux.Handle("GET "+PathOIDCMetadata, m.Wrap("metadata", http.HandlerFunc(a.oidcMetadata)))
	mux.Handle(PathUserInfo, m.Wrap("userinfo", http.HandlerFunc(a.userinfo)))
	mux.Handle("GET /healthz", http.HandlerFunc(a.healthz))
	mux.Handle("GET /readyz", http.HandlerFunc(a.readyz))
	if m != nil {
		mux.Handle("GET /metrics", m.Handler())
	}
	for _, p := range []string{PathToken, PathIntrospect, PathRevoke} {
		mux.Handle(p, m.Wrap("method_not_allowed", methodNotAllowed("POST", a.log)))
	}
}

func methodNotAllowed(allow string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		WriteJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: "invalid_request", Description: "use " + allow})
	})
}

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 only when the Pinger passes within two seconds, so
// a load balancer stops sending traffic to an instance that cannot serve.
func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if a.cfg.Ready != nil {
		if err := a.cfg.Ready.Ping(ctx); err != nil {
			a.log.WarnContext(ctx, "readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("storage unavailable\n"))
			return
		}
	}
	w.Write([]byte("ready\n"))
}
