package tokenmint

import "context"

// RequestInfo is what the access log says of one HTTP request beyond
// its method, route and status: filled in, on the request's goroutine,
// by whoever learns it while serving (the engine names the client once
// it is known to exist and the grant type once it is a supported one;
// the error writer the OAuth error code answered). It never holds a
// token, a secret, a code or a password, and no text a caller chose:
// an unknown client_id could be a secret pasted into the wrong field.
type RequestInfo struct {
	ID        string // the request ID (X-Request-Id)
	ClientID  string // the client, once known to exist
	GrantType string // a supported grant type of a token request
	Error     string // the OAuth error code answered, if any
}

type requestInfoKey struct{}

// WithRequestInfo returns ctx carrying info, which the code serving the
// request fills in through RequestInfoFrom; RequestIDFrom reads its ID.
func WithRequestInfo(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// RequestInfoFrom returns the RequestInfo WithRequestInfo put in ctx, or
// nil outside an HTTP request.
func RequestInfoFrom(ctx context.Context) *RequestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*RequestInfo)
	return info
}
