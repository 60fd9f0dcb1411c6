// Package adminapi is tokenmint's admin API, /admin/v1 on the admin
// listener (--admin-addr): clients, users, signing keys and audit events
// as JSON, described by the OpenAPI 3.1 document it serves at
// /admin/v1/openapi.json (openapi.json beside this file, embedded).
//
// Authentication is with tokenmint's own tokens (RFC 6750 §2.1: the
// Authorization header only): an access token this server issued to a
// confidential client, active, whose scope holds tokenmint:admin
// (everything) or the narrower scope a route names. Which scope each route
// needs is in its line of the admin route table (server/routes.go) and in
// the document; a write scope also allows reading what it writes
// (tokenmint:clients:write lets a client list clients), and listing keys
// needs tokenmint:keys:write, the only keys scope. The scopes a token
// carries count only while its client is still allowed them, so that
// taking a scope from an admin client takes effect at once. Failures are
// 401 with an RFC 6750 §3 WWW-Authenticate challenge (error="invalid_token"
// when a token was presented) or 403 insufficient_scope naming the scope
// needed.
//
// Every error is an RFC 9457 problem (application/problem+json) with the
// HTTP status, an "error" code and, for a rejected request, "errors"
// naming each member at fault. Request bodies are bounded (the server's
// max_body_bytes) and unknown members are refused. Client documents use
// the RFC 7591 metadata names (package clientmeta).
//
// Changes are made through package registry, as the CLI makes them, and
// take effect on every instance within two seconds: this instance drops
// its client cache at once, the others when they see the store's revision
// move (package store/cache).
package adminapi
