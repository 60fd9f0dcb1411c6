// Package empowerid serves the token endpoint of EmpowerID as its
// article "Getting an Access Token" describes it, so that code written
// against an EmpowerID web server obtains tokens from tokenmint
// unchanged:
//
//	POST /oauth/v2/token
//	X-EmpowerID-API-Key: <the application's API key>
//	Authorization: Basic base64(<person's username>:<person's password>)
//	{"client_id": ..., "client_secret": ..., "redirect_uri": ..., "grant_type": "password"}
//	→ 200 {"access_token", "token_type": "Bearer", "expires_in": 3600, "refresh_token",
//	       "id_token": "null", "error": "", "error_description": "null"}
//
// The article's claims, one by one, with what tokenmint does:
//
//   - The application's credentials "consist of the API Key, the Client
//     ID and the Client Secret": a client created with "tokenmint client
//     create --api-key" (the key shown once, stored only as a keyed hash,
//     like the secret). Each is required and checked by the engine.
//   - "The resources that can be manipulated vary, depending on the
//     Access Levels associated with the application user": tokenmint
//     serves no resource API; the token carries the scopes the client is
//     allowed (scope may narrow them).
//   - "Access tokens can be issued as OAuth 2.0 tokens or JWT tokens": the
//     client's token format, opaque or an RFC 9068 JWT.
//   - "The default expiration time for JWT and access tokens is 3600
//     seconds. You can change this value": expires_in is the client's
//     access TTL (--access-ttl) when it sets one, else 3600 s
//     (DefaultAccessTTL), through this endpoint whatever the server's
//     default.
//   - "POST https://{FQDN}/oauth/v2/token" with "X-EmpowerID-API-Key"
//     (HeaderAPIKey): missing or wrong is 401 invalid_client, each with its
//     own description; sent twice is 400.
//   - "Authorization: ... the Basic authentication scheme for the
//     EmpowerID Person requesting the access token": the person's username
//     and password, read as RFC 7617 has them (not form-encoded as a
//     client's would be), for the resource owner password grant (RFC 6749
//     §4.3), which only clients registered for it may use. Missing is 400
//     invalid_request; wrong, or an unknown person, is one invalid_grant
//     (no enumeration), and failures are throttled as sign-ins are.
//   - "Request data is sent to the API in JSON format", yet the curl
//     example posts the same fields form-encoded: both are accepted, by
//     Content-Type; another is 415.
//   - The request data client_id, client_secret, redirect_uri and
//     grant_type "password": each credential missing is named;
//     redirect_uri must be one the application registered.
//   - The response: every member always present, "id_token" and
//     "error_description" the string "null" and "error" "" on success, as
//     the sample shows. Failures are RFC 6749 §5.2 bodies, whose error and
//     error_description members are the sample's.
//   - The response carries a refresh_token, whose use the article does
//     not describe: grant_type "refresh_token" (RFC 6749 §6) at the same
//     endpoint, with the same conventions: the API key header, client_id
//     and client_secret in the JSON or form body, refresh_token beside
//     them, redirect_uri checked when sent; no person's credentials (an
//     Authorization header is ignored). The answer has the shape above,
//     with a new refresh token: every use rotates it, and a spent one
//     presented again revokes the whole authorization (RFC 9700 §4.14.2),
//     as at the standard endpoint, where these refresh tokens also work.
//   - Postman and the "double quotes" note are client-side advice;
//     "Creating a Person" is a resource API tokenmint does not serve.
package empowerid
