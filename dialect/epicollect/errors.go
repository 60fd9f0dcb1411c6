package epicollect

import (
	"net/http"
	"strconv"

	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// The Epicollect5 server answers errors as a JSON:API-style errors array
// (ApiResponse::errorResponse in epicollect5/epicollect5-server,
// app/Http/Controllers/Api/ApiResponse.php):
//
//	{"errors": [{"code": "ec5_253", "title": "Invalid client credentials.", "source": "token issue"}]}
//
// with Content-Type application/vnd.api+json; charset=utf-8. Its token
// endpoint (app/Http/Controllers/Api/OAuth/OAuthController.php,
// issueToken) answers every failure with status 400 and source "token
// issue": ec5_261 for unsupported_grant_type, ec5_253 for invalid_client,
// ec5_254 otherwise. Its rate limiter (the oauth-token limiter of
// app/Providers/RateLimiterServiceProvider.php, perHour by client IP,
// rendered by app/Exceptions/Handler.php) answers 429 with ec5_255 and
// source "rate-limiter". Titles are the server's English texts
// (public/json/ec5-status-codes/en.json).
//
// tokenmint adds "detail" (a JSON:API error member, "a human-readable
// explanation specific to this occurrence of the problem") with its own
// description, since ec5_254 alone does not say what was wrong. Failures
// that are not the client's (server_error, temporarily_unavailable) keep
// their 500 and 503, so that clients and proxies retry them correctly.
const (
	contentType = "application/vnd.api+json; charset=utf-8"

	sourceToken   = "token issue"
	sourceLimiter = "rate-limiter"
)

// Epicollect5 status codes used by the token endpoint, with their titles.
var (
	errInvalidClient      = apiError{Code: "ec5_253", Title: "Invalid client credentials.", Source: sourceToken}
	errTokenIssue         = apiError{Code: "ec5_254", Title: "Could not generate access token. Please contact support.", Source: sourceToken}
	errTooManyRequests    = apiError{Code: "ec5_255", Title: "Too many requests have been made. Please try again later.", Source: sourceLimiter}
	errUnauthorizedClient = apiError{Code: "ec5_257", Title: "Unauthorized client access.", Source: sourceToken}
	errUnsupportedGrant   = apiError{Code: "ec5_261", Title: "Unsupported grant type.", Source: sourceToken}
)

type errorBody struct {
	Errors []apiError `json:"errors"`
}

type apiError struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Source string `json:"source"`
	Detail string `json:"detail,omitempty"`
}

// writeError answers err in Epicollect5's format.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	oe := httpapi.AsOAuthError(r, h.d.Log(), err)
	e, status := translate(oe)
	e.Detail = oe.Description
	if oe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(oe.RetryAfter))
	}
	writeErrors(w, status, e)
}

// translate maps an OAuth error to the Epicollect5 error and status.
func translate(oe *oauth.Error) (apiError, int) {
	switch oe.Code {
	case oauth.InvalidClient:
		return errInvalidClient, http.StatusBadRequest
	case oauth.UnsupportedGrantType:
		return errUnsupportedGrant, http.StatusBadRequest
	case oauth.UnauthorizedClient:
		return errUnauthorizedClient, http.StatusBadRequest
	}
	switch status := oe.HTTPStatus(); {
	case status == http.StatusTooManyRequests:
		return errTooManyRequests, status
	case status >= 500, status == http.StatusRequestEntityTooLarge, status == http.StatusUnsupportedMediaType:
		return errTokenIssue, status
	}
	return errTokenIssue, http.StatusBadRequest
}

// tooMany is a 429 in the format of Epicollect5's rate limiter, with
// Retry-After (RFC 9110 §10.2.3): when the next request can succeed.
func (h *handler) tooMany(w http.ResponseWriter, retryAfter int, detail string) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	e := errTooManyRequests
	e.Detail = detail
	writeErrors(w, http.StatusTooManyRequests, e)
}

func (h *handler) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodPost)
	e := errTokenIssue
	e.Detail = "use POST"
	writeErrors(w, http.StatusMethodNotAllowed, e)
}

func writeErrors(w http.ResponseWriter, status int, errs ...apiError) {
	httpapi.WriteJSONAs(w, status, contentType, errorBody{Errors: errs})
}
