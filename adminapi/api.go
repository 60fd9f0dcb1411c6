package adminapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/token"
)

// Paths of the admin API.
const (
	PathPrefix             = "/admin/v1"
	PathOpenAPI            = PathPrefix + "/openapi.json"
	PathClients            = PathPrefix + "/clients"
	PathClient             = PathClients + "/{client_id}"
	PathClientSecret       = PathClient + "/secret"
	PathClientAPIKey       = PathClient + "/api-key"
	PathClientRevokeTokens = PathClient + "/revoke-tokens"
	PathUsers              = PathPrefix + "/users"
	PathUser               = PathUsers + "/{user_id}"
	PathUserPassword       = PathUser + "/password"
	PathUserDisable        = PathUser + "/disable"
	PathUserEnable         = PathUser + "/enable"
	PathUserRevokeSessions = PathUser + "/revoke-sessions"
	PathKeys               = PathPrefix + "/keys"
	PathKeysRotate         = PathKeys + "/rotate"
	PathAudit              = PathPrefix + "/audit"
)

// Config wires the API. Engine, Registry and Keys are required.
type Config struct {
	// Engine validates the bearer tokens of admin requests.
	Engine *grant.Engine
	// Registry creates and changes clients and users (its Store is the
	// server's); its Profiles are the client profiles a request may name.
	Registry *registry.Registry
	// Keys is the server's signing keyset, which rotations go through.
	Keys *token.Keyset
	// Audit lists audit events; nil answers 501 on /admin/v1/audit.
	Audit tokenmint.AuditStore
	// SigningAlg is the key rotated when a rotation names no alg;
	// KeyRetireAfter how long a rotated key stays published, at least
	// (raised to the longest access token lifetime of any client).
	SigningAlg     string
	KeyRetireAfter time.Duration
	// Invalidate drops this instance's client cache after a change
	// (nil: none), so that its next token reflects it at once.
	Invalidate func()
	// MaxBodyBytes bounds request bodies (default
	// httpapi.DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// TrustedProxies are the peers whose X-Forwarded-For names the
	// caller, whose address audit events record.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	Now            func() time.Time
}

// API is the admin API's handler set.
type API struct {
	cfg   Config
	log   *slog.Logger
	store tokenmint.Store
	mux   *http.ServeMux // the API's own patterns, to answer 405 with Allow
}

// New returns an API.
func New(cfg Config) *API {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = httpapi.DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Invalidate == nil {
		cfg.Invalidate = func() {}
	}
	if cfg.SigningAlg == "" {
		cfg.SigningAlg = tokenmint.AlgES256
	}
	a := &API{cfg: cfg, log: cfg.Logger, store: cfg.Registry.Store, mux: http.NewServeMux()}
	for _, p := range patterns {
		a.mux.Handle(p, http.NotFoundHandler())
	}
	return a
}

// patterns are every route of the API, for the 405 answers of Fallback;
// server/routes.go mounts the same, each with its handler and scope, and
// a test checks the two agree with the OpenAPI document.
var patterns = []string{
	"GET " + PathOpenAPI,
	"GET " + PathClients, "POST " + PathClients,
	"GET " + PathClient, "PATCH " + PathClient, "DELETE " + PathClient,
	"POST " + PathClientSecret, "POST " + PathClientAPIKey, "POST " + PathClientRevokeTokens,
	"GET " + PathUsers, "POST " + PathUsers,
	"GET " + PathUser, "PATCH " + PathUser, "DELETE " + PathUser,
	"POST " + PathUserPassword, "POST " + PathUserDisable, "POST " + PathUserEnable, "POST " + PathUserRevokeSessions,
	"GET " + PathKeys, "POST " + PathKeysRotate,
	"GET " + PathAudit,
}

// Patterns returns every route pattern of the API ("METHOD /path").
func Patterns() []string { return append([]string(nil), patterns...) }

func (a *API) now() time.Time { return a.cfg.Now().UTC() }

// changed records an admin change in the log, with the admin client that
// made it, and drops this instance's client cache.
func (a *API) changed(r *http.Request, action, target string) {
	a.cfg.Invalidate()
	p, _ := principalFrom(r.Context())
	a.log.InfoContext(r.Context(), "admin change", "action", action, "target", target, "actor", p.ClientID)
}
