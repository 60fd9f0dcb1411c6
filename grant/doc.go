// Package grant is tokenmint's protocol core: client authentication, the
// four grants of RFC 6749 (authorization code with PKCE, client
// credentials, refresh token with rotation, resource owner password),
// authorization requests, introspection (RFC 7662), revocation (RFC 7009)
// and OpenID Connect ID tokens and UserInfo.
//
// It speaks in plain Go values: adapters decode their wire format (the
// standard form-encoded endpoints in httpapi, each platform's format in
// dialect/...) into the request structs here, call the Engine, and encode
// the result. Errors come back as *oauth.Error, or as any other error for
// failures the client did not cause (the edge logs those and answers
// server_error, or temporarily_unavailable for tokenmint.ErrUnavailable).
//
// Client authentication and the "is this grant allowed for this client"
// check happen once, in Engine.Token, before a grant runs, so no grant
// can forget them. The package imports neither net/http nor database/sql.
package grant
