package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"

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
	PathRegister     = "/oauth2/register" // RFC 7591 §3 (package registration)
	PathASMetadata   = "/.well-known/oauth-authorization-server"
	PathOIDCMetadata = "/.well-known/openid-configuration"
	// PathPAR is the pushed authorization request endpoint (RFC 9126 §2),
	// served by package login beside the authorization endpoint.
	PathPAR = "/oauth2/par"
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
	// Register is true when the registration endpoint is served (RFC
	// 7591; the metadata's registration_endpoint).
	Register bool
	// MutualTLS is true when client certificates reach the server (RFC
	// 8705): the metadata lists the mutual-TLS methods, certificate-bound
	// tokens and mtls_endpoint_aliases, on MTLSBaseURL ("": the issuer).
	MutualTLS   bool
	MTLSBaseURL string
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

func methodNotAllowed(allow string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		WriteJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: "invalid_request", Description: "use " + allow})
	})
}
