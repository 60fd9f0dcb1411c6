package oauth

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Error codes of RFC 6749 §4.1.2.1, §5.2, RFC 7009 §2.2.1, RFC 6750 §3.1
// and RFC 8628-free extensions tokenmint uses.
const (
	InvalidRequest          = "invalid_request"
	InvalidClient           = "invalid_client"
	InvalidGrant            = "invalid_grant"
	UnauthorizedClient      = "unauthorized_client"
	UnsupportedGrantType    = "unsupported_grant_type"
	InvalidScope            = "invalid_scope"
	AccessDenied            = "access_denied"
	UnsupportedResponseType = "unsupported_response_type"
	ServerError             = "server_error"
	TemporarilyUnavailable  = "temporarily_unavailable"
	UnsupportedTokenType    = "unsupported_token_type"
	InvalidToken            = "invalid_token"
	InsufficientScope       = "insufficient_scope"
	LoginRequired           = "login_required"
	ConsentRequired         = "consent_required"
	// SlowDown belongs to the device authorization grant only (RFC 8628
	// §3.5: the device polls too often), a 400 like every §5.2 error. A
	// rate limit or sign-in throttle answers RateLimited instead.
	SlowDown = "slow_down"
	// AuthorizationPending and ExpiredToken are the device authorization
	// grant's other token endpoint errors (RFC 8628 §3.5): the user has
	// not answered yet; the device code has expired.
	AuthorizationPending = "authorization_pending"
	ExpiredToken         = "expired_token"
	// InvalidTarget refuses a resource indicator: not an absolute URI
	// without a fragment, or not one the client may ask for (RFC 8707
	// §2), at the token endpoint (a 400) and the authorization endpoint.
	InvalidTarget = "invalid_target"
	// InvalidRequestObject and InvalidRequestURI refuse a request object
	// (RFC 9101 §6) or a request_uri (RFC 9126 §4) at the authorization
	// endpoint and the PAR endpoint (OIDC Core §3.1.2.6; 400s).
	InvalidRequestObject = "invalid_request_object"
	InvalidRequestURI    = "invalid_request_uri"
)

// Error is an OAuth error response (RFC 6749 §5.2). Handlers return it;
// the HTTP edge writes it once. The zero value is not meaningful.
type Error struct {
	Code        string // one of the constants above
	Description string // human-readable, safe to show the client
	Status      int    // HTTP status; 0 means StatusFor(Code)
	// Basic records that the client tried HTTP Basic authentication, so
	// that a 401 carries WWW-Authenticate: Basic (RFC 6749 §5.2).
	Basic bool
	// RetryAfter, in seconds, for rate-limited (429) answers.
	RetryAfter int
	// Cause is the internal error behind the response, for logs only; it
	// is never written to the client.
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Description, e.Cause)
	}
	return e.Code + ": " + e.Description
}

func (e *Error) Unwrap() error { return e.Cause }

// HTTPStatus is the status to answer with.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	return StatusFor(e.Code)
}

// StatusFor maps an error code to its HTTP status: 400 for the §5.2 codes
// but invalid_client (401), 503 for temporarily_unavailable, 500 for
// server_error, 401/403 for the RFC 6750 resource errors.
func StatusFor(code string) int {
	switch code {
	case InvalidClient, InvalidToken:
		return 401
	case InsufficientScope, AccessDenied:
		return 403
	case ServerError:
		return 500
	case TemporarilyUnavailable:
		return 503
	default:
		return 400
	}
}

// RateLimited is the answer of a rate limit or sign-in throttle: 429
// (RFC 6585 §4) with a Retry-After of retryAfter rounded up to whole
// seconds, at least 1 (RFC 9110 §10.2.3), and the error code
// temporarily_unavailable. RFC 6749 has no code for it: §4.1.2.1 defines
// temporarily_unavailable ("unable to handle the request due to a
// temporary overloading") for the authorization endpoint, and tokenmint
// uses it at every endpoint, since §5.2's codes all say the request
// itself is wrong, which a retry would not mend.
func RateLimited(retryAfter time.Duration, description string) *Error {
	secs := max(1, int(math.Ceil(retryAfter.Seconds())))
	return &Error{Code: TemporarilyUnavailable, Status: 429, Description: description, RetryAfter: secs}
}

// NewError returns an *Error with the code and a formatted description.
func NewError(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var oe *Error
	ok := errors.As(err, &oe)
	return oe, ok
}
