// Package rs protects an HTTP API with the access tokens tokenmint (or
// any OAuth 2.0 authorization server that publishes RFC 8414 metadata)
// issues: net/http middleware that lets a request through only with a
// valid token, and puts the token's claims in the request's context.
//
// It depends on the standard library, go-jose and tokenmint's dpop
// verifier only, so that an API imports it without the server.
//
// # What a request is checked for
//
// The token comes from the Authorization header, "Bearer <token>" (RFC
// 6750 §2.1) or "DPoP <token>" with a DPoP proof (RFC 9449 §7.1); tokens
// in a form body or the query string are not accepted (§2.2, §2.3 are
// optional and leak tokens to logs).
//
//   - A JWT access token (RFC 9068) is verified locally: a compact JWS
//     signed with an asymmetric algorithm of Config.Algs (never "none" or
//     an HMAC, so a token "signed" with the public key as an HMAC secret
//     is refused), by a key of the issuer's JWK Set; "typ" at+jwt or
//     application/at+jwt (§4); "iss" the configured issuer; "aud" naming
//     one of Config.Audience; "exp" and "iat" present; "exp", "nbf" and
//     "iat" within Config.Skew of the clock.
//   - Any other token is opaque and is introspected (RFC 7662) with the
//     API's own client credentials (client_secret_basic, or
//     private_key_jwt with Config.ClientKey); the answer must be active,
//     of the configured issuer and audience, and unexpired.
//   - A token bound to a DPoP key (cnf "jkt") needs the DPoP scheme and a
//     proof by that key for this request (RFC 9449 §7): htm the method,
//     htu Config.BaseURL plus the request's path, ath the token's hash, a
//     jti never seen before (Config.DPoPReplay) and, with
//     Config.DPoPNonces, a nonce this API issued ("use_dpop_nonce" and a
//     DPoP-Nonce header otherwise, §9). A bound token sent as a bearer
//     token is refused, and so is an unbound one sent with the DPoP
//     scheme.
//   - A token bound to a certificate (cnf "x5t#S256", RFC 8705 §3) needs
//     the request's TLS client certificate (or Config.ClientCertificate's,
//     for a TLS-terminating proxy) to have that SHA-256 thumbprint.
//   - Require(scopes...) adds scopes a route needs: a token without all
//     of them is answered 403 insufficient_scope (RFC 6750 §3.1).
//
// Refusals follow RFC 6750 §3 and RFC 9449 §7.1: 401 with a
// WWW-Authenticate challenge (Bearer, or DPoP with the accepted algs)
// carrying error and error_description, none when the request carried no
// token; 400 invalid_request for a malformed Authorization header; 403
// insufficient_scope with the scope needed. When the authorization server
// cannot be reached (JWKS, introspection) the answer is 503, never a 401
// that would make a client throw its valid token away.
//
// # Caching and the revocation window
//
// The JWK Set is fetched from the issuer's metadata (or Config.JWKSURL)
// and cached for what its Cache-Control or Expires says, between one
// minute and a day (five minutes if it says nothing). A token naming a
// kid the cached set lacks (the authorization server rotated its keys)
// makes one fetch, at most once every Config.JWKSRefreshInterval (30
// seconds by default); a failed fetch keeps the last good set.
//
// Introspection answers are cached by the SHA-256 of the token for
// Config.IntrospectionCacheTTL (30 seconds by default), never past the
// token's exp. So a revoked opaque token is refused at most
// IntrospectionCacheTTL after its revocation: that is the revocation
// window; a negative IntrospectionCacheTTL introspects every request. A
// JWT is valid until its exp unless Config.IntrospectJWT also introspects
// it, with the same cache and window. The cache holds at most
// Config.MaxCacheEntries answers.
//
// The DPoP replay cache defaults to dpop.NewMemoryReplayCache: right for
// one instance; several instances of an API need one shared ReplayCache,
// or a proof could be replayed once on each.
package rs
