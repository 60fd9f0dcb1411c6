package adminapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/oauth"
)

// Problem is an RFC 9457 problem details object, the body of every error
// of the admin API (application/problem+json).
type Problem struct {
	// Type is "about:blank": the status says what kind of problem it is
	// (RFC 9457 §4.2.1), and Error says it more precisely.
	Type   string `json:"type"`
	Title  string `json:"title"`  // the status's reason phrase
	Status int    `json:"status"` // the HTTP status code
	Detail string `json:"detail,omitempty"`
	// Code is a machine-readable code: an RFC 6750 §3.1 code for
	// authentication (invalid_token, insufficient_scope, invalid_request),
	// an RFC 7591 §3.2.2 code for rejected client metadata
	// (invalid_client_metadata, invalid_redirect_uri), else
	// unauthorized (no token), invalid_request, not_found,
	// method_not_allowed, conflict,
	// payload_too_large, unsupported_media_type, not_implemented,
	// temporarily_unavailable or server_error.
	Code string `json:"error"`
	// Scope is the scope a 403 insufficient_scope needed.
	Scope string `json:"scope,omitempty"`
	// Errors names each member of the request at fault.
	Errors []FieldError `json:"errors,omitempty"`

	retryAfter string // Retry-After, for a 503
	challenge  bool   // a 401 or 403 carries WWW-Authenticate
	bare       bool   // ... without an error attribute: no token was presented
}

// FieldError is one member of a request at fault.
type FieldError struct {
	Field   string `json:"field"`   // the member's name, e.g. "grant_types"
	Pointer string `json:"pointer"` // a JSON Pointer to it (RFC 6901), e.g. "#/grant_types"
	Detail  string `json:"detail"`
}

func (p *Problem) Error() string { return p.Detail }

// Problem codes beyond the RFCs'.
const (
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeConflict         = "conflict"
	codeTooLarge         = "payload_too_large"
	codeMediaType        = "unsupported_media_type"
	codeNotImplemented   = "not_implemented"
	codeUnauthorized     = "unauthorized" // a request without a token
)

func problem(status int, code, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code, Detail: detail}
}

// invalid is a 400 about one member of the request.
func invalid(code, field, detail string) *Problem {
	p := problem(http.StatusBadRequest, code, detail)
	if field != "" {
		p.Errors = []FieldError{{Field: field, Pointer: "#/" + field, Detail: detail}}
	}
	return p
}

// invalidParam is a 400 about a query parameter or a path value.
func invalidParam(name, detail string) *Problem {
	p := problem(http.StatusBadRequest, oauth.InvalidRequest, detail)
	p.Errors = []FieldError{{Field: name, Pointer: "", Detail: detail}}
	return p
}

// writeProblem writes p, with the challenge of an authentication failure
// (RFC 6750 §3) and Retry-After when set.
func writeProblem(w http.ResponseWriter, p *Problem) {
	h := w.Header()
	if p.challenge {
		h.Set("WWW-Authenticate", challenge(p))
	}
	if p.retryAfter != "" {
		h.Set("Retry-After", p.retryAfter)
	}
	writeJSON(w, p.Status, "application/problem+json", p)
}

// challenge builds the RFC 6750 §3 WWW-Authenticate value of p: no
// error attribute when the request carried no token (§3.1).
func challenge(p *Problem) string {
	v := `Bearer realm="tokenmint"`
	if p.bare {
		return v
	}
	v += `, error="` + p.Code + `", error_description="` + quoteSafe(p.Detail) + `"`
	if p.Scope != "" {
		v += `, scope="` + p.Scope + `"`
	}
	return v
}

func quoteSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 || r > 0x7e {
			return '\''
		}
		return r
	}, s)
}

// writeJSON writes v as JSON with the no-store headers (the answers carry
// secrets, and admin data has no business in a cache).
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, contentType = http.StatusInternalServerError, "application/problem+json"
		body, _ = json.Marshal(problem(status, oauth.ServerError, "the server could not encode its answer"))
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// ok writes a successful JSON answer.
func ok(w http.ResponseWriter, status int, v any) { writeJSON(w, status, "application/json", v) }

// fail answers err as a problem: a *Problem as it is, a rejected client
// document as 400 with its RFC 7591 code, a missing record 404, a taken
// key 409, a storage outage 503; anything else is logged and answered as
// a 500 that says nothing of the cause.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *Problem
	if errors.As(err, &p) {
		writeProblem(w, p)
		return
	}
	if e := clientmeta.Validation(err); e != nil {
		writeProblem(w, invalid(e.Code, e.Field, e.Description))
		return
	}
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		writeProblem(w, problem(http.StatusNotFound, codeNotFound, "no such "+resource(r)))
	case errors.Is(err, tokenmint.ErrConflict):
		writeProblem(w, problem(http.StatusConflict, codeConflict, "a "+resource(r)+" with that identifier or name already exists"))
	case errors.Is(err, tokenmint.ErrUnavailable):
		a.log.WarnContext(r.Context(), "storage unavailable", "path", r.URL.Path, "err", err)
		p := problem(http.StatusServiceUnavailable, oauth.TemporarilyUnavailable, "the service is temporarily unavailable; retry shortly")
		p.retryAfter = "1"
		writeProblem(w, p)
	default:
		a.log.ErrorContext(r.Context(), "admin request failed", "path", r.URL.Path, "err", err)
		writeProblem(w, problem(http.StatusInternalServerError, oauth.ServerError, "the server could not complete the request"))
	}
}

// resource names what the request's path is about, for messages.
func resource(r *http.Request) string {
	switch {
	case strings.HasPrefix(r.URL.Path, PathClients):
		return "client"
	case strings.HasPrefix(r.URL.Path, PathUsers):
		return "user"
	case strings.HasPrefix(r.URL.Path, PathKeys):
		return "key"
	}
	return "resource"
}

// Fallback answers every request under /admin/v1/ that no route takes: a
// 405 with Allow when the path has routes for other methods (RFC 9110
// §15.5.6), else a 404, both as problems.
func (a *API) Fallback(w http.ResponseWriter, r *http.Request) {
	probe := r.WithContext(r.Context())
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		probe.Method = m
		if _, pattern := a.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, problem(http.StatusMethodNotAllowed, codeMethodNotAllowed, "use "+strings.Join(allow, ", ")))
		return
	}
	writeProblem(w, problem(http.StatusNotFound, codeNotFound, "no such endpoint"))
}

// NotFound writes a 404 problem, for a request under /admin/v1/ stopped
// before it reaches the API (a path not in canonical form).
func NotFound(w http.ResponseWriter, detail string) {
	writeProblem(w, problem(http.StatusNotFound, codeNotFound, detail))
}
