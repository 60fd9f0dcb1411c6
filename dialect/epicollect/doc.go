// Package epicollect serves the token endpoint of the Epicollect5 API as
// its "Retrieve Token" guide describes it, so that scripts written for
// five.epicollect.net (its jQuery sample, PyEpicollect, R) obtain tokens
// from tokenmint unchanged:
//
//	POST /api/oauth/token   {"grant_type": "client_credentials", "client_id": 153, "client_secret": "..."}
//	→ 200 {"token_type": "Bearer", "expires_in": 7200, "access_token": "<RS256 JWT>"}
//
// A project App is a client created with
//
//	tokenmint client create --name "EC5 API Private" --profile epicollect [--id 153]
//
// (see Profile). The guide's claims, one by one, in its order, with what
// tokenmint does:
//
//   - The guide's navigation puts "Create Client App" before "Retrieve
//     Token": the profile's client is a confidential client with a
//     numeric client ID (nine digits unless --id gives one), the
//     client_credentials grant and RS256 JWTs living 2 hours.
//   - "Once you have set up a project App, you can then request an access
//     token using your Client ID and Client Secret": the project App is
//     authenticated by client_id and client_secret in the body (RFC 6749
//     §2.3.1) through the grant engine, as at every other endpoint.
//   - "Access tokens are valid for 2 hours from the time they are
//     issued": expires_in and the token's exp are the client's access TTL
//     when it sets one (the profile's is 2 hours), else two hours
//     (DefaultAccessTTL) through this endpoint; the same client keeps the
//     server's default (one hour) at the standard token endpoint. "From
//     the time they are issued": a fixed life, which no use extends (the
//     token is a JWT; no idle lifetime applies).
//   - "POST /api/oauth/token", with the base domain five.epicollect.net:
//     the path is PathToken on tokenmint's own host; another method is
//     405 with Allow: POST.
//   - POST parameters grant_type ("Must have value 'client_credentials'"),
//     client_id and client_secret, all required: another grant_type is
//     ec5_261, a missing or wrong credential ec5_253. scope is optional
//     (RFC 6749 §4.4.2); the guide sends none and the sample token's
//     scopes are [].
//   - The jQuery sample posts JSON.stringify(params) with contentType
//     application/vnd.api+json and client_id: 153, a number: JSON is read
//     under application/vnd.api+json, application/json or any other +json
//     type, client_id as a number or a string. The guide's other examples
//     send the same parameters otherwise: PyEpicollect's
//     requests.post(data=...) form-encoded, the R sample's
//     httr::POST(body=list(...)) multipart/form-data; both are read too,
//     within the server's body limit (multipart fields within
//     dialect.MultipartMemory, never spooled to disk, file parts refused).
//     Any other Content-Type is 415.
//   - "We currently enforce a rate limit of 10 tokens per hour per IP
//     address": the epicollect_rate_limit setting (--epicollect-rate-limit, 10/1h by default)
//     counts tokens issued per client IP over a rolling hour, in
//     Deps.Window (shared by every instance through Redis when it is
//     configured): 10 tokens in any hour, the 11th refused with 429,
//     ec5_255 and a Retry-After saying when the next token can be had
//     (when the oldest of the hour's tokens is an hour old). A request
//     that issues no token costs none: the token is reserved before the
//     engine runs, so that concurrent requests cannot exceed the limit,
//     and released when it fails. Failed client authentications are
//     limited instead by the server's sign-in failure limit
//     (login_max_failures per login_failure_window, per client IP,
//     Deps.FailedAuth), answered the same way. Answers carry Laravel's
//     X-RateLimit-Limit and X-RateLimit-Remaining headers. The client IP
//     is the peer's unless it is a trusted proxy (httpapi.ClientIP).
//   - "This restriction helps protect the system from automated misuse":
//     beside the two limits above, the server's general per-IP request
//     limit (token_rate_limit) applies here when it is set.
//   - "Here is an example based on our EC5 API Private project, using
//     jQuery": the sample's request is served byte for byte (a client
//     registered with ID 153 and the sample's secret gets a token).
//   - "Please note you cannot access the data using a browser!": the
//     endpoint sends no CORS headers and answers no preflight (405), so a
//     page on another origin cannot read its answers. The guide
//     contradicts itself here: its jQuery sample is an $.ajax call with a
//     jsFiddle link, which a browser could only complete with CORS. The
//     sentence is kept: a page would have to carry the client secret,
//     which any visitor could read, and the sample's request works from
//     any program that is not a browser (or from a page on tokenmint's
//     own origin).
//   - The HTTP Response: token_type "Bearer", expires_in in seconds and
//     access_token, in that order. The access token reproduces the layout
//     of the sample token (Laravel Passport's): RS256, "jti" in the JOSE
//     header as well as in the claims, "aud" the client's ID, "sub"
//     empty, "scopes" an array. It also keeps the RFC 9068 members
//     tokenmint relies on ("iss", "client_id", "scope" and "typ":
//     "at+jwt"), so the token introspects and revokes through the
//     standard endpoints like any other.
//   - "more on jQuery Ajax requests", "(jsFiddle here": links; the
//     guide's other pages (entries, projects, media) are resource APIs
//     tokenmint does not serve.
//
// The guide shows no failure. Every error uses the Epicollect5 server's
// own format, the JSON:API-style errors array (see errors.go).
package epicollect
