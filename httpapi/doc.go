// Package httpapi serves tokenmint's standard HTTP endpoints: the token
// endpoint (RFC 6749 §3.2), introspection (RFC 7662), revocation (RFC
// 7009), authorization server metadata (RFC 8414) and OpenID discovery,
// the JWKS, UserInfo, health and Prometheus metrics.
//
// It is a thin adapter: each handler decodes the request strictly, calls
// the protocol core in package grant, and encodes the answer. Every error
// goes through one writer (WriteError) that turns *oauth.Error into an
// RFC 6749 §5.2 body and anything else into a logged server_error, so no
// internal detail reaches a client. Dialects reuse the decoding, client-IP
// and error helpers exported here.
package httpapi
