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
// An OAuth application is a client created with
//
//	tokenmint client create --name app --profile empowerid --redirect-uri https://sso.example.com/webidpforms/oauth/v2
//
// (see Profile), the person a user (tokenmint user create). The article's
// claims, one by one, in its order, with what tokenmint does:
//
//   - "After registering an application in EmpowerID, the next step ... is
//     to use the credentials generated for that application—which consists
//     of the API Key, the Client ID and the Client Secret—to get an access
//     token": client create --profile empowerid generates all three
//     (--api-key), shows them once and keeps only keyed hashes of the
//     secret and the key. Each is required and checked by the engine.
//   - "The access token is what authorizes resource API calls. The
//     resources that can be manipulated vary, depending on the Access
//     Levels associated with the application user": tokenmint serves no
//     resource API (the article's next topic, "Creating a Person", is not
//     tokenmint's); the token carries the person as its subject and the
//     scopes the client is allowed (scope may narrow them), which a
//     resource server reads by introspection.
//   - "Access tokens can be issued as OAuth 2.0 tokens or JWT tokens. In
//     this topic, we demonstrate getting an OAuth 2.0 token": the client's
//     token format, --token-format opaque (the article's kind, like its
//     sample "WER1RFdjUVF1OE52ekdWZjJIQjMzSHVqcERQT0p5c...aZW") or jwt (RFC
//     9068). The profile leaves the server's default, JWT: the article
//     names both and makes neither the default.
//   - "The default expiration time for JWT and access tokens is 3600
//     seconds": expires_in is the client's access TTL when it sets one
//     (the profile's is 3600 s), else 3600 s (DefaultAccessTTL) through
//     this endpoint, whatever the server's default.
//   - "You can change this value in the Token Expiration (in seconds)
//     field on the application", through the admin pages (Admin, SSO
//     Connections, OAuth, the application's General tab): set with
//     --access-ttl at client create. Not met: tokenmint has no admin pages
//     and no command that changes an existing client's lifetime; a new
//     lifetime needs a new client.
//   - "make a POST request to https://{FQDN_Of_Your_EmpowerID_Web_Server}
//     /oauth/v2/token with the following header and data value pairs":
//     PathToken on tokenmint's own host; another method is 405 with Allow:
//     POST and a JSON error.
//   - "X-EmpowerID-API-Key: The API key for the OAuth application you
//     created" (HeaderAPIKey): missing or wrong is 401 invalid_client,
//     each with its own description; sent twice is 400.
//   - "Authorization: This is the Basic authentication scheme for the
//     EmpowerID Person requesting the access token ... the base-64 encoded
//     value of the person's username and password": the person's username
//     and password, read as RFC 7617 has them (not form-encoded as a
//     client's would be), for the resource owner password grant (RFC 6749
//     §4.3), which only clients registered for it may use. Missing, or not
//     Basic, is 400 invalid_request; a wrong password or an unknown person
//     is one invalid_grant (no enumeration), and failures are throttled as
//     sign-ins are. ("To get this value, you can visit one of many
//     websites that provide this service" is advice tokenmint cannot
//     follow for anyone: a password pasted into a website is disclosed.)
//   - "Request data is sent to the API in JSON format": JSON
//     (application/json or any +json type); also form-encoded, as the
//     curl example sends the same fields, and text/plain holding JSON, as
//     the Postman steps send it (below). Another Content-Type is 415.
//   - The request data, client_id, client_secret, redirect_uri ("The
//     Redirect URI of the OAuth app you created above") and grant_type
//     "password": each credential missing is named in the description;
//     redirect_uri must be one the application registered (400
//     invalid_request otherwise, or when missing); another grant_type is
//     400 unsupported_grant_type. client_id may be a JSON number. scope
//     may be added.
//   - The response, "access_token", "token_type": "Bearer", "expires_in":
//     3600, "refresh_token", "id_token": "null", "error": "",
//     "error_description": "null": every member always present, in that
//     order, "id_token" and "error_description" the string "null" and
//     "error" "" on success, as the sample shows (id_token is a real ID
//     token when scope openid was granted). Failures are RFC 6749 §5.2
//     bodies, whose error and error_description are the sample's members.
//   - The response carries a refresh_token, whose use the article does
//     not describe: grant_type "refresh_token" (RFC 6749 §6) at the same
//     endpoint, with the same conventions: the API key header, client_id
//     and client_secret in the JSON or form body, refresh_token beside
//     them, redirect_uri checked when sent; no person's credentials (an
//     Authorization header is ignored). The answer has the shape above,
//     with a new refresh token: every use rotates it, and a spent one
//     presented again revokes the whole authorization (RFC 9700 §4.14.2),
//     as at the standard endpoint, where these refresh tokens also work.
//   - The curl example, -H "X-EmpowerID-API-Key: ..." -H "Authorization:
//     Basic ..." -H "Content-Type: application/x-www-form-urlencoded" -d
//     "grant_type=password&client_id=...&client_secret=...&redirect_uri=":
//     served, with the application's redirect URI after redirect_uri=
//     (as printed, the line ends with it empty, which is 400: the request
//     data names the redirect URI). "Be sure to use double quotes unless
//     you are making the request from a non-Windows OS" is shell advice.
//   - The jQuery example, btoa("EmpowerID_Person_Username:
//     EmpowerID_Person_Password"), headers "X-EmpowerID-API-Key":
//     "1a9e18d5-7ec8-4214-b4e7-23b550c9c6ba", "Content-Type":
//     "application/json", "Authorization": "Basic " + auth, data
//     JSON.stringify({client_id, client_secret, redirect_uri:
//     "https://{FQDN}/webidpforms/oauth/v2", grant_type: "password"}):
//     served byte for byte for an application registered with that API
//     key and redirect URI (the redirect URI is whatever the application
//     registered; EmpowerID's own page is not tokenmint's).
//   - The Postman example: "select POST as the HTTP method and enter
//     https://{FQDN}/oauth/v2/token", "Click the Headers tab add the above
//     mentioned key/value pairs" (X-EmpowerID-API-Key and Authorization),
//     "Click the Body tab, select raw and then add the below JSON", "Click
//     Send": Postman labels a raw body text/plain unless JSON is chosen
//     too, so a text/plain body is read as JSON. This opens no door to
//     other origins: a browser sends X-EmpowerID-API-Key from another
//     origin only after a CORS preflight, which tokenmint refuses. "If the
//     request is successful, you should receive a JSON response that looks
//     similar to the following": the response above.
//   - Postman "for Chrome" and "RESTClient for Firefox" are client-side
//     tools; "Now that you have the access token for your application,
//     you can start working with the API" is the resource API's.
package empowerid
