// Package epicollect serves the token endpoint of the Epicollect5 API as
// its "Retrieve Token" guide describes it, so that scripts written for
// five.epicollect.net (its jQuery sample, PyEpicollect, R) obtain tokens
// from tokenmint unchanged:
//
//	POST /api/oauth/token   {"grant_type": "client_credentials", "client_id": 153, "client_secret": "..."}
//	→ 200 {"token_type": "Bearer", "expires_in": 7200, "access_token": "<RS256 JWT>"}
//
// The body is JSON (application/vnd.api+json in the sample, or
// application/json); client_id may be a JSON number, as in the sample, or
// a string. "Access tokens are valid for 2 hours": expires_in is the
// client's access TTL, so create the client with --access-ttl 2h.
//
// The access token reproduces the layout of the sample token (Laravel
// Passport's): RS256, "jti" in the JOSE header as well as in the claims,
// "aud" the client's ID, "sub" empty, "scopes" an array. It also keeps the
// RFC 9068 members tokenmint relies on ("iss", "client_id", "scope" and
// "typ": "at+jwt"), so the token introspects and revokes through the
// standard endpoints like any other.
//
// "We currently enforce a rate limit of 10 tokens per hour per IP
// address": the endpoint is limited per client IP by Deps.EpicollectLimit
// (configurable, 10/1h by default), and a refusal is a 429 with
// Retry-After in Epicollect5's own error format. Every error uses that
// format, the JSON:API-style errors array of the Epicollect5 server.
package epicollect
