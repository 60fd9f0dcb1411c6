package server

import (
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// middleware is the chain every listener's routes run behind: each
// request gets an ID and a line in the access log (httpapi.AccessLog,
// outermost, so that it logs the 500 of a panic; a tracing middleware
// goes outside it, so that its span is in the context the line is
// logged with), panics become a logged 500, every answer carries the
// security headers, and a request the mux would redirect or answer in
// plain text gets a JSON error instead.
func middleware(log *slog.Logger, access httpapi.AccessLogConfig, mux *http.ServeMux) http.Handler {
	mux.Handle("/", notFound(mux))
	return httpapi.AccessLog(access, recoverPanics(log, securityHeaders(canonicalPaths(mux))))
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
		case !isCanonical(p) && strings.HasPrefix(p, adminapi.PathPrefix+"/"):
			adminapi.NotFound(w, "no such endpoint: the path is not in canonical form") // the admin API's errors are RFC 9457 problems
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
