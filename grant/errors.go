package grant

import (
	"fmt"

	"github.com/tokenmint/tokenmint/oauth"
)

// serverError wraps an internal failure as a server_error whose cause is
// logged at the edge and never shown to the client.
func serverError(op string, err error) error {
	return &oauth.Error{Code: oauth.ServerError, Description: "the server could not complete the request", Cause: fmt.Errorf("%s: %w", op, err)}
}

// invalidGrant is the RFC 6749 §5.2 answer for a code, refresh token or
// password that is invalid, expired, revoked, or issued to another client.
func invalidGrant(format string, args ...any) error {
	return oauth.NewError(oauth.InvalidGrant, format, args...)
}
