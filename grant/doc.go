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
// can forget them. Engine.AuthenticateClient is the one door of every
// endpoint and dialect that authenticates clients: a secret
// (client_secret_basic, client_secret_post), or a JWT assertion
// (client_assertion.go: private_key_jwt and client_secret_jwt, RFC 7523,
// OIDC Core §9), as the client registered, its jti spent in the store
// every instance shares (Store.UseOnce). The JWK Sets behind jwks_uri
// come through a KeySource (package jwksfetch in the server). The package
// imports neither net/http nor database/sql.
//
// Audit: the engine tells Config.Audit (an Auditor: package audit's
// Recorder in the server) of every token issued, every token request
// refused (the OAuth error code is the check that refused it), every
// refresh token reuse and code replay, every revocation and every
// sign-in, with identifiers only (never a token, code, secret, password
// or username). Record must not block; the recorder queues and writes in
// the background.
//
// What ends a token early: revocation (RFC 7009, and a refresh token's
// reuse or a code's replay, which revoke the whole family); a password
// change or a disabled user (package registry revokes every family of the
// user and ends their login sessions; Engine.AuthenticateUser refuses a
// disabled user like a wrong password, and no code is issued to one); and
// the deletion of the token's client: introspection answers inactive for
// any token whose client no longer exists, including client_credentials
// JWTs, which have no server-side record.
package grant
