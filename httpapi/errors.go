package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// ErrorBody is the RFC 6749 §5.2 error response.
type ErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// AsOAuthError classifies any error for a client: an *oauth.Error as is;
// tokenmint.ErrUnavailable as temporarily_unavailable (503); anything
// else as server_error (500), logged with its cause, which the client
// never sees.
func AsOAuthError(r *http.Request, log *slog.Logger, err error) *oauth.Error {
	oe := asOAuthError(r, log, err)
	if info := tokenmint.RequestInfoFrom(r.Context()); info != nil {
		info.Error = oe.Code // for the access log and the metrics
	}
	return oe
}

func asOAuthError(r *http.Request, log *slog.Logger, err error) *oauth.Error {
	if oe, ok := oauth.As(err); ok {
		if oe.Code == oauth.ServerError {
			log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
		}
		return oe
	}
	if errors.Is(err, tokenmint.ErrUnavailable) {
		log.WarnContext(r.Context(), "storage unavailable", "path", r.URL.Path, "err", err)
		return &oauth.Error{Code: oauth.TemporarilyUnavailable, Description: "the service is temporarily unavailable; retry shortly", RetryAfter: 1}
	}
	log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	return &oauth.Error{Code: oauth.ServerError, Description: "the server could not complete the request"}
}

// WriteError writes err as an RFC 6749 §5.2 JSON error, with
// WWW-Authenticate on a 401 of a Basic attempt and Retry-After when set.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	oe := AsOAuthError(r, log, err)
	status := oe.HTTPStatus()
	SetChallenge(w, oe)
	WriteJSON(w, status, ErrorBody{Error: oe.Code, Description: oe.Description})
}

// SetChallenge adds the WWW-Authenticate and Retry-After headers an error
// calls for (RFC 6749 §5.2, RFC 6750 §3, RFC 9110 §10.2.3).
func SetChallenge(w http.ResponseWriter, oe *oauth.Error) {
	switch {
	case oe.Code == oauth.InvalidClient && oe.Basic:
		w.Header().Set("WWW-Authenticate", `Basic realm="tokenmint", charset="UTF-8"`)
	case oe.Code == oauth.InvalidToken || oe.Code == oauth.InsufficientScope:
		w.Header().Set("WWW-Authenticate", bearerChallenge(oe))
	}
	if oe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(oe.RetryAfter))
	}
}

// bearerChallenge builds an RFC 6750 §3 challenge. A request that carried
// no token gets no error attribute (§3.1).
func bearerChallenge(oe *oauth.Error) string {
	if oe.Description == MissingBearerDescription {
		return `Bearer realm="tokenmint"`
	}
	return `Bearer realm="tokenmint", error="` + oe.Code + `", error_description="` + quoteSafe(oe.Description) + `"`
}

func quoteSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '"' || c == '\\' || c < 0x20 || c > 0x7e {
			b[i] = '\''
		}
	}
	return string(b)
}

// WriteJSON writes v as JSON with the given status and the no-store
// headers every token-bearing or error response needs (RFC 6749 §5.1).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	WriteJSONAs(w, status, "application/json", v)
}

// WriteJSONAs is WriteJSON with another JSON media type, for a platform
// whose clients expect one (Epicollect5 answers application/vnd.api+json).
func WriteJSONAs(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	writeJSONBody(w, status, contentType, body, err)
}

// WriteJSONBody is WriteJSON for a body the caller encoded; err is the
// encoder's, answered as WriteJSON answers a value it cannot encode.
func WriteJSONBody(w http.ResponseWriter, status int, body []byte, err error) {
	writeJSONBody(w, status, "application/json", body, err)
}

// writeJSONBody writes an encoded JSON body and a final newline, or, when
// encoding failed (err), a bare 500 server_error.
func writeJSONBody(w http.ResponseWriter, status int, contentType string, body []byte, err error) {
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
