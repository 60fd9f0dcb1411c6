package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"path"
	"strings"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dialect"
	"github.com/tokenmint/tokenmint/dialect/empowerid"
	"github.com/tokenmint/tokenmint/dialect/epc"
	"github.com/tokenmint/tokenmint/dialect/epicollect"
	"github.com/tokenmint/tokenmint/dialect/eptura"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/login"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// routes builds the whole HTTP surface: the standard API, then the login
// pages and each enabled dialect on the same mux, behind one middleware
// chain.
func (s *Server) routes(mk token.MasterKey) (http.Handler, error) {
	mux := http.NewServeMux()
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
	})
	api.Register(mux)
	pages := login.New(login.Config{
		Engine:         s.engine,
		Store:          s.store,
		Sessions:       token.NewHasher(mk.Derive(token.PurposeTokenHash)),
		CSRFKey:        mk.Derive(token.PurposeCookie),
		SessionTTL:     s.cfg.SessionTTL,
		TrustedProxies: s.cfg.TrustedProxyPrefixes(),
		Logger:         s.log,
		Now:            s.now,
		MaxBodyBytes:   s.cfg.MaxBodyBytes,
		Instrument:     s.metrics.Wrap,
	})
	pages.Register(mux)
	deps := dialect.Deps{Engine: s.engine, API: api, Login: pages, Store: s.store, Limiter: s.limiter.limiter,
		EpicollectLimit: s.limiter.epicollect, TokenIPLimit: s.limiter.tokenIP, MaxBodyBytes: s.cfg.MaxBodyBytes,
		TrustedProxies: s.cfg.TrustedProxyPrefixes(), Logger: s.log, Metrics: s.metrics, Now: s.now}
	for _, name := range s.cfg.Dialects {
		register := dialectRegister(name)
		if register == nil {
			return nil, fmt.Errorf("unknown dialect %q", name)
		}
		register(mux, deps)
	}
	mountBenchAids(mux, os.Getenv)
	mux.Handle("/", notFound(mux))
	return recoverPanics(s.log, securityHeaders(canonicalPaths(mux))), nil
}

// dialectRegister returns the Register function of the dialect named in
// the configuration, nil for an unknown name.
func dialectRegister(name string) func(*http.ServeMux, dialect.Deps) {
	switch name {
	case config.DialectEPC:
		return epc.Register
	case config.DialectEpicollect:
		return epicollect.Register
	case config.DialectEptura:
		return eptura.Register
	case config.DialectEmpowerID:
		return empowerid.Register
	}
	return nil
}

// Benchmark aids, mounted only when their environment variable is "1"
// (the load benchmark, bench/, sets them on the server it starts): GET
// /bench/floor is the load benchmark's HTTP floor, a trivial handler on
// the same router and middleware; /debug/pprof/ serves runtime profiles.
// Neither belongs in production: pprof exposes the process's internals.
const (
	EnvBenchFloor = "TOKENMINT_BENCH_FLOOR"
	EnvPprof      = "TOKENMINT_PPROF"
)

// floorBody is the floor's fixed answer: 300 bytes of JSON shaped like a
// token response.
const floorBody = `{"access_token":"bench-floor-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrs","token_type":"Bearer","expires_in":3600,"scope":"api"}`

func mountBenchAids(mux *http.ServeMux, getenv func(string) string) {
	if getenv(EnvBenchFloor) == "1" {
		mux.HandleFunc("GET /bench/floor", func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "no-store")
			io.WriteString(w, floorBody)
		})
	}
	if getenv(EnvPprof) == "1" {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
}

// canonicalPaths answers in the JSON error shape the requests mux would
// answer by itself in text or with a redirect, before it sees them: a
// request target that is not a path (CONNECT host:port, OPTIONS *), and
// a path not in canonical form (//oauth2/token, /a/../b, /a/.), which
// it would redirect to the cleaned path. Refusing rather than
// redirecting also spares a client whose POST would follow a 307 from
// sending its credentials twice.
func canonicalPaths(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "" || p[0] != '/':
			httpapi.WriteJSON(w, http.StatusBadRequest, httpapi.ErrorBody{Error: oauth.InvalidRequest, Description: "the request target must be a path"})
		case !isCanonical(p):
			httpapi.WriteJSON(w, http.StatusNotFound, httpapi.ErrorBody{Error: "not_found", Description: "no such endpoint: the path is not in canonical form"})
		default:
			mux.ServeHTTP(w, r)
		}
	})
}

// isCanonical reports whether ServeMux would route p as it is: p is
// what path.Clean makes of it, but for a final slash (as in
// ServeMux's cleanPath). path.Clean allocates only when p changes.
func isCanonical(p string) bool {
	c := path.Clean(p)
	return c == p || (c != "/" && len(p) == len(c)+1 && p[len(p)-1] == '/' && strings.HasPrefix(p, c))
}

// notFound answers a path no route takes with a JSON 404, and a method
// the routes of a known path do not take with a JSON 405 listing those
// they do in Allow (RFC 9110 §15.5.6): the catch-all "/" pattern would
// otherwise take every such request.
func notFound(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); allow != "" {
			w.Header().Set("Allow", allow)
			httpapi.WriteJSON(w, http.StatusMethodNotAllowed, httpapi.ErrorBody{Error: oauth.InvalidRequest, Description: "use " + allow})
			return
		}
		httpapi.WriteJSON(w, http.StatusNotFound, httpapi.ErrorBody{Error: "not_found", Description: "no such endpoint"})
	})
}

// allowedMethods lists the methods, of those routes use, for which mux
// routes r's path to a handler other than the catch-all "/".
func allowedMethods(mux *http.ServeMux, r *http.Request) string {
	probe := r.WithContext(r.Context()) // a shallow copy
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into a logged 500, so a bug in
// one request never takes the server down.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "handler panic", "path", r.URL.Path, "panic", v)
				httpapi.WriteJSON(w, http.StatusInternalServerError, httpapi.ErrorBody{Error: "server_error", Description: "the server could not complete the request"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}
