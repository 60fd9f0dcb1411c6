package console

import (
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/brand"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/token"
)

// Paths of the two sites.
const (
	PathConsole = "/console" // the operator pages, on the admin listener
	PathApps    = "/apps"    // the self-service pages, on the public listener
)

// Config wires the console. Engine, Registry, Keys and CookieKey are
// required.
type Config struct {
	// Engine exchanges the sign-in's code and checks the session's token.
	Engine *grant.Engine
	// Registry makes every change (its Store is the server's; its Audit
	// records the changes, with the signed-in user as actor).
	Registry *registry.Registry
	// Keys is the server's signing keyset, which rotations go through.
	Keys *token.Keyset
	// Audit lists audit events (the audit log and the overview); nil
	// shows that this server keeps none.
	Audit tokenmint.AuditStore
	// SigningAlg is the key a rotation picks by default; KeyRetireAfter
	// the least time a rotated key stays published.
	SigningAlg     string
	KeyRetireAfter time.Duration
	// Invalidate drops this instance's client cache after a change.
	Invalidate func()
	// CookieKey keys the CSRF tokens and the sign-in's state and PKCE
	// verifier: at least 32 bytes, the same on every instance
	// (MasterKey.Derive(token.PurposeCookie)).
	CookieKey []byte
	// ProfileNames are the client profiles offered as presets, looked up
	// with Registry.Profiles (dialects.Names).
	ProfileNames []string
	// Brand is the operator's name, colour and logo.
	Brand brand.Brand
	// ConsoleURL is the console's URL as browsers reach it (console_url);
	// "" derives it from each request to a loopback admin listener.
	ConsoleURL string
	// SelfService serves /apps/ (the 403 page of /console/ links there),
	// within Policy.
	SelfService bool
	Policy      Policy
	// Session bounds the sessions of both sites (zero fields: the
	// defaults).
	Session Session
	// MaxBodyBytes bounds every form (default httpapi.DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// TrustedProxies are the peers whose X-Forwarded-For names the
	// caller, whose address audit events record.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	Now            func() time.Time
}

// Policy bounds what a self-service app may be (the self_service_*
// settings).
type Policy struct {
	GrantTypes    []string
	Scopes        []string
	AuthMethods   []string // client_secret_basic, client_secret_post, none
	MaxApps       int      // per user; <= 0: no limit
	RedirectHosts []string // names, or *.example.com; empty: any
}

// Console serves both sites.
type Console struct {
	ensured atomic.Bool // EnsureClient succeeded on this instance
	cfg     Config
	log     *slog.Logger
	store   tokenmint.Store
	issuer  *url.URL
	ops     *site
	apps    *site
}

// site is one of the two sets of pages: where it is mounted, its cookies
// and whether it is for operators.
type site struct {
	base     string // PathConsole or PathApps
	operator bool
	// fixed is the site's external URL when known (console_url, or the
	// issuer for /apps/); "" derives it from a loopback request.
	fixed  string
	secure bool // https: Secure, __Host- cookies
}

// New returns a Console for cfg.
func New(cfg Config) (*Console, error) {
	if cfg.Engine == nil || cfg.Registry == nil || cfg.Keys == nil {
		return nil, errors.New("console: Engine, Registry and Keys are required")
	}
	if len(cfg.CookieKey) < 32 {
		return nil, errors.New("console: CookieKey must be at least 32 bytes")
	}
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
	cfg.Session = cfg.Session.withDefaults()
	iss, err := url.Parse(cfg.Engine.Issuer())
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, log: cfg.Logger, store: cfg.Registry.Store, issuer: iss}
	c.ops = &site{base: PathConsole, operator: true, fixed: strings.TrimSuffix(cfg.ConsoleURL, "/")}
	if c.ops.fixed != "" {
		c.ops.secure = strings.HasPrefix(c.ops.fixed, "https://")
		c.ops.fixed = strings.TrimSuffix(c.ops.fixed, PathConsole) + PathConsole
	}
	c.apps = &site{base: PathApps, fixed: strings.TrimSuffix(cfg.Engine.Issuer(), "/") + PathApps, secure: iss.Scheme == "https"}
	return c, nil
}

func (c *Console) now() time.Time { return c.cfg.Now().UTC() }

// Route is one line of a route table: a ServeMux pattern and its handler.
type Route struct {
	Pattern string
	Handler http.Handler
}

// OperatorRoutes are the console's routes, for the admin listener's
// table (server/routes.go).
func (c *Console) OperatorRoutes() []Route {
	s := c.ops
	return append(c.common(s),
		Route{"GET " + s.base + "/{$}", c.page(s, c.overview)},
		Route{"GET " + s.base, redirectTo(s.base + "/")},
		Route{"GET " + s.base + "/clients", c.page(s, c.listClients)},
		Route{"GET " + s.base + "/clients/new", c.page(s, c.newClient)},
		Route{"POST " + s.base + "/clients", c.form(s, c.createClient)},
		Route{"GET " + s.base + "/clients/{id}", c.page(s, c.showClient)},
		Route{"POST " + s.base + "/clients/{id}", c.form(s, c.updateClient)},
		Route{"POST " + s.base + "/clients/{id}/secret", c.form(s, c.rotateSecret)},
		Route{"POST " + s.base + "/clients/{id}/api-key", c.form(s, c.rotateAPIKey)},
		Route{"POST " + s.base + "/clients/{id}/revoke-tokens", c.form(s, c.revokeTokens)},
		Route{"GET " + s.base + "/clients/{id}/delete", c.page(s, c.confirmDeleteClient)},
		Route{"POST " + s.base + "/clients/{id}/delete", c.form(s, c.deleteClient)},
		Route{"GET " + s.base + "/users", c.page(s, c.listUsers)},
		Route{"POST " + s.base + "/users", c.form(s, c.createUser)},
		Route{"GET " + s.base + "/users/{id}", c.page(s, c.showUser)},
		Route{"POST " + s.base + "/users/{id}", c.form(s, c.updateUser)},
		Route{"POST " + s.base + "/users/{id}/password", c.form(s, c.setPassword)},
		Route{"POST " + s.base + "/users/{id}/disable", c.form(s, c.disableUser)},
		Route{"POST " + s.base + "/users/{id}/enable", c.form(s, c.enableUser)},
		Route{"POST " + s.base + "/users/{id}/revoke-sessions", c.form(s, c.revokeSessions)},
		Route{"GET " + s.base + "/users/{id}/delete", c.page(s, c.confirmDeleteUser)},
		Route{"POST " + s.base + "/users/{id}/delete", c.form(s, c.deleteUser)},
		Route{"GET " + s.base + "/keys", c.page(s, c.listKeys)},
		Route{"POST " + s.base + "/keys/rotate", c.form(s, c.rotateKeys)},
		Route{"GET " + s.base + "/audit", c.page(s, c.listAudit)},
	)
}

// AppRoutes are the self-service pages' routes, for the public
// listener's table with --self-service.
func (c *Console) AppRoutes() []Route {
	s := c.apps
	return append(c.common(s),
		Route{"GET " + s.base + "/{$}", c.page(s, c.listApps)},
		Route{"GET " + s.base, redirectTo(s.base + "/")},
		Route{"GET " + s.base + "/new", c.page(s, c.newApp)},
		Route{"POST " + s.base + "/{$}", c.form(s, c.createApp)},
		Route{"GET " + s.base + "/{id}", c.page(s, c.showApp)},
		Route{"POST " + s.base + "/{id}", c.form(s, c.updateApp)},
		Route{"POST " + s.base + "/{id}/secret", c.form(s, c.rotateAppSecret)},
		Route{"GET " + s.base + "/{id}/delete", c.page(s, c.confirmDeleteApp)},
		Route{"POST " + s.base + "/{id}/delete", c.form(s, c.deleteApp)},
	)
}

// common are the routes both sites have: sign-in, its callback,
// sign-out, and the static files.
func (c *Console) common(s *site) []Route {
	return []Route{
		{"GET " + s.base + "/signin", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.signIn(w, r, s) })},
		{"GET " + s.base + "/callback", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.callback(w, r, s) })},
		{"POST " + s.base + "/signout", c.crossOrigin(s, func(w http.ResponseWriter, r *http.Request) { c.signOut(w, r, s) })},
		{"GET " + s.base + "/static/console.css", http.HandlerFunc(c.stylesheet)},
		{"GET " + s.base + "/static/console.js", http.HandlerFunc(script)},
		{"GET " + s.base + "/static/logo", http.HandlerFunc(c.cfg.Brand.ServeLogo)},
	}
}

func redirectTo(path string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, path, http.StatusSeeOther)
	})
}
