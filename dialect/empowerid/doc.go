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
// "Request data is sent to the API in JSON format", yet the article's
// curl example posts the same fields form-encoded: both are accepted,
// by Content-Type.
//
// Three credentials meet here, and the engine checks each: the
// application's client_id and client_secret, its API key (created with
// "tokenmint client create --api-key", shown once, stored only as a keyed
// hash), and the person's username and password (the resource owner
// password grant, RFC 6749 §4.3, which only clients registered for it may
// use). redirect_uri must be one the application registered. Each missing
// or wrong credential is answered with its own error description.
//
// expires_in is the client's access TTL, whose default (one hour) is
// EmpowerID's "default expiration time for JWT and access tokens is 3600
// seconds"; the access token is opaque or a JWT per the client's token
// format ("Access tokens can be issued as OAuth 2.0 tokens or JWT
// tokens").
package empowerid
