package server

import (
	"log/slog"
	"net/http"

	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/token"
)

// routes builds the whole HTTP surface: the standard API, then the login
// pages and each enabled dialect on the same mux, behind one middleware
// chain.
func (s *Server) routes(mk token.MasterKey) (http.Handler, error) {
	mux := http.NewServeMux()
	api := httpapi.New(httpapi.Config{
		Engine:         s.engine,
		Ready:          s.store,
		Metrics:        s.metrics,
		Logger:         s.log,
		MaxBodyBytes:   s.cfg.MaxBodyBytes,
		TrustedProxies: s.cfg.TrustedProxyPrefixes(),
		Limiter:        s.limiter.limiter,
		TokenIPLimit:   s.limiter.tokenIP,
	})
	api.Register(mux)
	mux.Handle("/", http.HandlerFunc(notFound))
	_ = mk
	return recoverPanics(s.log, securityHeaders(mux)), nil
}

// notFound answers unknown paths with a JSON 404 instead of text.
func notFound(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteJSON(w, http.StatusNotFound, httpapi.ErrorBody{Error: "not_found", Description: "no such endpoint"})
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
