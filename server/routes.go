package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/console"
	"github.com/tokenmint/tokenmint/dialect"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/jwksfetch"
	"github.com/tokenmint/tokenmint/login"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/registration"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/token"
)

// route is one line of a route table: a net/http ServeMux pattern, the
// endpoint label its requests are counted under in the metrics ("" for
// none), and the handler.
type route struct {
	pattern  string
	endpoint string
	handler  http.Handler
}

// publicRoutes is every endpoint of the public listener, in one table
// read top to bottom. Each handler lives in the file named after it:
// httpapi.API.Token in httpapi/token.go, login.Pages.LoginForm in
// login/login.go, and so on; the enabled dialects' endpoints follow, as
// each dialect's Routes lists them. A request no pattern takes gets a
// JSON 404, or a JSON 405 with Allow when the path has routes for other
// methods (middleware.go). metrics is nil unless --public-metrics; reg is
// nil with --registration off.
func publicRoutes(api *httpapi.API, pages *login.Pages, reg *registration.Handler, tokenLimit func(http.Handler) http.Handler, metrics http.Handler, dialects []dialect.Route, apps []console.Route) []route {
	h := func(f http.HandlerFunc) http.Handler { return f }
	table := []route{
		// OAuth 2.0 and OpenID Connect, the standard endpoints (package httpapi).
		{"POST " + httpapi.PathToken, "token", tokenLimit(h(api.Token))},     // RFC 6749 §3.2
		{"POST " + httpapi.PathIntrospect, "introspect", h(api.Introspect)},  // RFC 7662
		{"POST " + httpapi.PathRevoke, "revoke", h(api.Revoke)},              // RFC 7009
		{httpapi.PathUserInfo, "userinfo", h(api.UserInfo)},                  // OIDC Core §5.3, GET or POST
		{"GET " + httpapi.PathJWKS, "jwks", h(api.JWKS)},                     // RFC 7517 §5
		{"GET /.well-known/jwks.json", "jwks", h(api.JWKS)},                  // the same keys
		{"GET " + httpapi.PathASMetadata, "metadata", h(api.ASMetadata)},     // RFC 8414
		{"GET " + httpapi.PathOIDCMetadata, "metadata", h(api.OIDCMetadata)}, // OIDC Discovery
		// The browser flow: authorization endpoint, login, consent, logout (package login).
		{"GET " + httpapi.PathAuthorize, "authorize", h(pages.AuthorizeGET)},   // RFC 6749 §4.1.1
		{"POST " + httpapi.PathAuthorize, "authorize", h(pages.AuthorizePOST)}, // OIDC Core §3.1.2.1
		{"POST " + login.PathLogin, "login", pages.LoginForm()},
		{"POST " + login.PathConsent, "consent", pages.ConsentForm()},
		{"GET " + httpapi.PathLogout, "logout", h(pages.Logout)}, // OIDC RP-Initiated Logout
		{"POST " + httpapi.PathLogout, "logout", h(pages.Logout)},
		{"GET " + login.PathStylesheet, "", h(pages.Stylesheet)}, // in the brand's colour
		{"GET " + login.PathLogo, "", h(pages.Logo)},             // the brand's logo (--brand-logo)
		// The Device Authorization Grant (RFC 8628): the device's endpoint, the person's verification page.
		{"POST " + httpapi.PathDeviceAuthorization, "device_authorization", tokenLimit(h(api.DeviceAuthorization))}, // §3.1
		{"GET " + login.PathDevice, "device", h(pages.DeviceGET)},                                                   // §3.3
		{"POST " + login.PathDevice, "device", pages.DeviceForm()},
		{"POST " + login.PathDeviceLogin, "device", pages.DeviceLoginForm()},
		{"POST " + login.PathDeviceConsent, "device", pages.DeviceConsentForm()},
		{"POST " + httpapi.PathPAR, "par", tokenLimit(h(pages.PushedAuthorization))}, // RFC 9126 §2
		// Operations.
		{"GET /healthz", "", h(api.Healthz)},
		{"GET /readyz", "", h(api.Readyz)},
	}
	if metrics != nil { // --public-metrics, for compatibility: the admin listener serves them
		table = append(table, route{"GET /metrics", "", metrics})
	}
	if reg != nil { // dynamic client registration, unless --registration off (package registration)
		table = append(table,
			route{"POST " + httpapi.PathRegister, "register", h(reg.Register)},    // RFC 7591 §3
			route{"GET " + registration.PathClient, "register", h(reg.Read)},      // RFC 7592 §2.1
			route{"PUT " + registration.PathClient, "register", h(reg.Update)},    // RFC 7592 §2.2
			route{"DELETE " + registration.PathClient, "register", h(reg.Delete)}, // RFC 7592 §2.3
		)
	}
	for _, d := range dialects {
		table = append(table, route{d.Pattern, d.Endpoint, d.Handler})
	}
	for _, a := range apps { // the self-service pages /apps/, only with --self-service (package console)
		table = append(table, route{a.Pattern, "apps", a.Handler})
	}
	return table
}

// adminRoutes is every endpoint of the admin listener (--admin-addr):
// metrics and the admin API always; runtime profiles only with --pprof,
// since they expose the process's internals; the load benchmark's HTTP
// floor only with --bench-floor.
func adminRoutes(metrics http.Handler, adm *adminapi.API, pprofOn, floorOn bool, consolePages []console.Route) []route {
	h := func(f http.HandlerFunc) http.Handler { return f }
	need := adm.Require // the scope a route needs, besides tokenmint:admin (package adminapi)
	table := []route{
		{"GET /metrics", "", metrics},
		{"GET /healthz", "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "ok\n")
		})},
		// The admin API (package adminapi, a file per resource), described by its OpenAPI document.
		{"GET " + adminapi.PathOpenAPI, "admin", h(adm.OpenAPI)}, // no token needed
		{"GET " + adminapi.PathClients, "admin", need(adminapi.ScopeClientsRead, adm.ListClients)},
		{"POST " + adminapi.PathClients, "admin", need(adminapi.ScopeClientsWrite, adm.CreateClient)},
		{"GET " + adminapi.PathClient, "admin", need(adminapi.ScopeClientsRead, adm.GetClient)},
		{"PATCH " + adminapi.PathClient, "admin", need(adminapi.ScopeClientsWrite, adm.PatchClient)},
		{"DELETE " + adminapi.PathClient, "admin", need(adminapi.ScopeClientsWrite, adm.DeleteClient)},
		{"POST " + adminapi.PathClientSecret, "admin", need(adminapi.ScopeClientsWrite, adm.RotateSecret)},
		{"POST " + adminapi.PathClientAPIKey, "admin", need(adminapi.ScopeClientsWrite, adm.RotateAPIKey)},
		{"POST " + adminapi.PathClientRevokeTokens, "admin", need(adminapi.ScopeClientsWrite, adm.RevokeTokens)},
		{"GET " + adminapi.PathUsers, "admin", need(adminapi.ScopeUsersRead, adm.ListUsers)},
		{"POST " + adminapi.PathUsers, "admin", need(adminapi.ScopeUsersWrite, adm.CreateUser)},
		{"GET " + adminapi.PathUser, "admin", need(adminapi.ScopeUsersRead, adm.GetUser)},
		{"PATCH " + adminapi.PathUser, "admin", need(adminapi.ScopeUsersWrite, adm.PatchUser)},
		{"DELETE " + adminapi.PathUser, "admin", need(adminapi.ScopeUsersWrite, adm.DeleteUser)},
		{"POST " + adminapi.PathUserPassword, "admin", need(adminapi.ScopeUsersWrite, adm.SetPassword)},
		{"POST " + adminapi.PathUserDisable, "admin", need(adminapi.ScopeUsersWrite, adm.Disable)},
		{"POST " + adminapi.PathUserEnable, "admin", need(adminapi.ScopeUsersWrite, adm.Enable)},
		{"POST " + adminapi.PathUserRevokeSessions, "admin", need(adminapi.ScopeUsersWrite, adm.RevokeSessions)},
		{"GET " + adminapi.PathKeys, "admin", need(adminapi.ScopeKeysWrite, adm.ListKeys)},
		{"POST " + adminapi.PathKeysRotate, "admin", need(adminapi.ScopeKeysWrite, adm.RotateKeys)},
		{"GET " + adminapi.PathAudit, "admin", need(adminapi.ScopeAuditRead, adm.ListAudit)},
		{adminapi.PathPrefix + "/", "", h(adm.Fallback)}, // problem+json 404 and 405 under /admin/v1/
	}
	// The web console, /console/ (package console, a file per page).
	for _, c := range consolePages {
		table = append(table, route{c.Pattern, "console", c.Handler})
	}
	if pprofOn {
		table = append(table,
			route{"GET /debug/pprof/", "", http.HandlerFunc(pprof.Index)},
			route{"GET /debug/pprof/cmdline", "", http.HandlerFunc(pprof.Cmdline)},
			route{"GET /debug/pprof/profile", "", http.HandlerFunc(pprof.Profile)},
			route{"GET /debug/pprof/symbol", "", http.HandlerFunc(pprof.Symbol)},
			route{"GET /debug/pprof/trace", "", http.HandlerFunc(pprof.Trace)},
		)
	}
	if floorOn {
		table = append(table, route{"GET /bench/floor", "", http.HandlerFunc(benchFloor)})
	}
	return table
}

// mount puts a table on a new mux, each route counted under its endpoint
// label, behind the middleware every listener shares; listener names it
// in the access log.
func (s *Server) mount(listener string, table []route) http.Handler {
	mux := http.NewServeMux()
	for _, r := range table {
		h := r.handler
		if r.endpoint != "" {
			h = s.metrics.Wrap(r.endpoint, h)
		}
		mux.Handle(r.pattern, h)
	}
	return s.traced(middleware(s.log, httpapi.AccessLogConfig{Logger: s.log, Off: !s.cfg.AccessLog, Listener: listener,
		TrustedProxies: s.cfg.TrustedProxyPrefixes()}, mux))
}

// floorBody is the floor's fixed answer: 300 bytes of JSON shaped like a
// token response.
const floorBody = `{"access_token":"bench-floor-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrs","token_type":"Bearer","expires_in":3600,"scope":"api"}`

// benchFloor is the load benchmark's HTTP floor: the cheapest request the
// server's stack can answer, against which every scenario is measured.
func benchFloor(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	io.WriteString(w, floorBody)
}

// handlers builds the public and the admin listener's handlers from
// their tables, with the dialects the configuration enables.
func (s *Server) handlers(keys token.Keys) error {
	api := httpapi.New(httpapi.Config{
		Engine:         s.engine,
		Ready:          s.ready,
		Metrics:        s.metrics,
		Logger:         s.log,
		MaxBodyBytes:   s.cfg.MaxBodyBytes,
		TrustedProxies: s.cfg.TrustedProxyPrefixes(),
		Limiter:        s.limiter.limiter,
		TokenIPLimit:   s.limiter.tokenIP,
		Authorize:      true,
		Register:       s.cfg.Registration != config.RegistrationOff,
		MutualTLS:      s.cfg.MutualTLS(),
		MTLSBaseURL:    s.cfg.MTLSBaseURL,
	})
	pages := login.New(login.Config{
		Engine:         s.engine,
		Store:          s.store,
		Sessions:       keys.Tokens(),
		CSRFKey:        keys.CookieKey(),
		SessionTTL:     s.cfg.SessionTTL,
		TrustedProxies: s.cfg.TrustedProxyPrefixes(),
		Logger:         s.log,
		Now:            s.now,
		MaxBodyBytes:   s.cfg.MaxBodyBytes,
		DeviceThrottle: s.limiter.deviceThrottle(),
		Brand:          s.brand,
		SignedOut:      s.logouts.Notify,
		MTLSBaseURL:    mtlsAliasBase(s.cfg),
	})
	deps := dialect.Deps{Engine: s.engine, API: api, Login: pages, Store: s.store, Limiter: s.limiter.limiter,
		Window: s.limiter.window, FailedAuth: s.limiter.failedAuth(), TokenIPLimit: s.limiter.tokenIP,
		Settings: s.cfg.DialectSettings, MaxBodyBytes: s.cfg.MaxBodyBytes, TrustedProxies: s.cfg.TrustedProxyPrefixes(),
		Logger: s.log, Metrics: s.metrics, Now: s.now}
	var dialectRoutes []dialect.Route
	for _, name := range s.cfg.Dialects {
		d, ok := dialects.Lookup(name)
		if !ok {
			return fmt.Errorf("unknown dialect %q", name)
		}
		rs, err := d.Routes(deps)
		if err != nil {
			return fmt.Errorf("dialect %s: %w", name, err)
		}
		dialectRoutes = append(dialectRoutes, rs...)
	}
	tokenLimit := func(h http.Handler) http.Handler {
		if s.limiter.tokenIP.IsZero() || s.limiter.limiter == nil {
			return h
		}
		return api.LimitByIP("token", s.limiter.tokenIP, h, nil)
	}
	var publicMetrics http.Handler
	if s.cfg.PublicMetrics {
		publicMetrics = s.metrics.Handler()
	}
	reg, err := s.registration(keys)
	if err != nil {
		return err
	}
	cons, err := s.console(keys)
	if err != nil {
		return err
	}
	var apps []console.Route
	if s.cfg.SelfService {
		apps = cons.AppRoutes()
	}
	s.handler = s.mount("public", publicRoutes(api, pages, reg, tokenLimit, publicMetrics, dialectRoutes, apps))
	if s.cfg.TLSClientCertHeader != "" { // behind a TLS-terminating proxy (RFC 8705 §6.5)
		s.handler = httpapi.ForwardedCerts(s.cfg.TLSClientCertHeader, s.cfg.TrustedProxyPrefixes(), s.handler)
	}
	s.adminHandler = s.mount("admin", adminRoutes(s.metrics.Handler(), s.adminAPI(keys), s.cfg.Pprof, s.cfg.BenchFloor, cons.OperatorRoutes()))
	return nil
}

// adminRegistry is the registry of the admin plane (the admin API and
// the console): every change it makes is an audit event.
func (s *Server) adminRegistry(keys token.Keys) *registry.Registry {
	return &registry.Registry{Store: s.store, Secrets: keys.Secrets(),
		Sealer:    keys.Sealer(),
		Passwords: password.NewHasher(s.cfg.PasswordParams()), Now: s.now, Profiles: dialects.Profile, Audit: s.audit,
		CheckClient: s.sectorChecker()}
}

// console builds the web console and the self-service pages over the
// same registry as the admin API.
func (s *Server) console(keys token.Keys) (*console.Console, error) {
	return console.New(console.Config{
		Engine:         s.engine,
		Registry:       s.adminRegistry(keys),
		Keys:           s.keys,
		Audit:          s.auditStore,
		SigningAlg:     s.cfg.SigningAlg,
		KeyRetireAfter: s.cfg.KeyRetireAfter,
		Invalidate:     s.store.Clients().Invalidate,
		CookieKey:      keys.CookieKey(),
		ProfileNames:   dialects.Names(),
		Brand:          s.brand,
		ConsoleURL:     s.cfg.ConsoleURL,
		SelfService:    s.cfg.SelfService,
		Session:        console.Session{Lifetime: s.cfg.ConsoleSessionLifetime, Idle: s.cfg.ConsoleIdleTimeout},
		Policy: console.Policy{GrantTypes: s.cfg.SelfServiceGrantTypes, Scopes: s.cfg.SelfServiceScopes,
			AuthMethods: s.cfg.SelfServiceAuthMethods, MaxApps: s.cfg.SelfServiceMaxApps, RedirectHosts: s.cfg.SelfServiceRedirectHosts},
		MaxBodyBytes:   s.cfg.MaxBodyBytes,
		TrustedProxies: s.cfg.TrustedProxyPrefixes(),
		Logger:         s.log,
		Now:            s.now,
	})
}

// adminAPI builds the admin API over the server's store, engine and keys.
func (s *Server) adminAPI(keys token.Keys) *adminapi.API {
	return adminapi.New(adminapi.Config{
		Engine:         s.engine,
		Registry:       s.adminRegistry(keys),
		Keys:           s.keys,
		Audit:          s.auditStore,
		SigningAlg:     s.cfg.SigningAlg,
		KeyRetireAfter: s.cfg.KeyRetireAfter,
		Invalidate:     s.store.Clients().Invalidate,
		MaxBodyBytes:   s.cfg.MaxBodyBytes,
		TrustedProxies: s.cfg.TrustedProxyPrefixes(),
		Logger:         s.log,
		Now:            s.now,
	})
}

// dialectPolicies is the token endpoint policy of every dialect, by name,
// for the engine.
func dialectPolicies() map[string]grant.DialectPolicy {
	m := map[string]grant.DialectPolicy{}
	for _, d := range dialects.All() {
		m[d.Name()] = d.Policy()
	}
	return m
}

// registration builds the handler of dynamic client registration, or nil
// with --registration off.
func (s *Server) registration(keys token.Keys) (*registration.Handler, error) {
	if s.cfg.Registration == config.RegistrationOff {
		return nil, nil
	}
	return registration.New(registration.Config{
		Store:  s.store,
		Engine: s.engine,
		Registry: &registry.Registry{Store: s.store, Secrets: keys.Secrets(),
			Sealer: keys.Sealer(), Now: s.now, Profiles: dialects.Profile, CheckClient: s.sectorChecker()},
		Tokens: keys.Tokens(),
		Policy: registration.Policy{Mode: s.cfg.Registration, GrantTypes: s.cfg.RegistrationGrantTypes,
			Scopes: s.cfg.RegistrationScopes, AuthMethods: s.cfg.RegistrationAuthMethods},
		MaxBodyBytes:   s.cfg.MaxBodyBytes,
		TrustedProxies: s.cfg.TrustedProxyPrefixes(),
		ClientsChanged: s.store.Clients().Invalidate,
		Logger:         s.log,
		Now:            s.now,
	})
}

// sectorChecker checks the sector_identifier_uri of pairwise clients
// created or changed through the admin API and registration (OIDC
// Registration §5), with the fetch policy of --allow-private-fetch.
func (s *Server) sectorChecker() func(context.Context, tokenmint.Client) error {
	return jwksfetch.SectorChecker(jwksfetch.Options{AllowPrivate: s.cfg.AllowPrivateFetch, Now: s.now, Logger: s.log, Tracing: s.tp})
}

// mtlsAliasBase is where mtls_endpoint_aliases are when discovery
// advertises them at a host of their own, else "".
func mtlsAliasBase(c config.Config) string {
	if !c.MutualTLS() {
		return ""
	}
	return c.MTLSBaseURL
}
