// Package eptura serves the OAuth 2.0 endpoints of Eptura Workplace
// (formerly iOFFICE) as its knowledge-center article "Using OAuth 2.0 to
// Access the API" describes them, so that Workplace apps work against
// tokenmint unchanged:
//
//	GET  /login.html?response_type=code&client_id=&redirect_uri=&scope=&state=
//	     the browser flow: sign in, then redirect_uri#code=...&state=...
//	POST /external/api/oauth2/auth     x-auth-username, x-auth-password, x-client-id,
//	                                   x-redirect-uri, x-scope → {"code": "..."}
//	POST /external/api/oauth2/token    x-grant-type (authorization_code | refresh_token),
//	                                   x-redirect-uri, x-client-id, x-scope,
//	                                   x-auth-code | x-refresh-token [, x-client-secret]
//	                                   → {token_type, access_token, expires_in (ms), refresh_token}
//	POST /external/api/oauth2/revoke   the token in a header → 200 (GET too, as iOFFICE's client sends)
//	GET  /external/api/rest/v2/users/me  Authorization: Bearer → the signed-in user
//
// Every parameter of the three API calls travels in a request header, as
// the article shows; there is no body to read. The article leaves public
// clients (no secret, "The client secret may not be required unless you
// are building a web server application") and a flow without PKCE. Both
// flows that are weaker than RFC 9700 asks serve only clients created
// with `tokenmint client create --profile eptura` (Name), never every
// client of a server that enables the dialect: /login.html requires PKCE
// of a public client unless it was also created with --allow-no-pkce, and
// /external/api/oauth2/auth, a code for a username and password, serves
// only clients allowed the password grant that do not require consent
// (grant.AuthorizeRequest.Dialect and Headless). An app that does send
// code_challenge gets PKCE, and x-code-verifier is accepted at the token
// endpoint. "scope ... you can set it to email or any other string": the
// profile's clients grant the allowed part of any requested scope, their
// default scopes when no part is allowed (tokenmint.Client.IntersectScopes,
// RFC 6749 §3.3). Everything else (codes valid five minutes and good
// once, refresh token rotation with reuse detection, revocation) is the
// protocol core's.
//
// "To invalidate a token, use the endpoint /external/api/oauth2/revoke …
// This can log out and prevent users from trying to access the API with
// the token." tokenmint revokes the token (a refresh token: its whole
// authorization, access tokens included) and, when that authorization
// was given through /login.html, also ends the browser login session it
// was given in: the next /login.html shows the sign-in form instead of
// issuing a code. Other apps' tokens authorized in the same session stay
// valid, and an access token revoked alone leaves its refresh token
// usable, as RFC 7009 §2.1 allows. The standard /oauth2/revoke ends no
// session.
//
// Two paths of the article were lost from the copy in docs/reference:
//
//   - The authorization page. The article's original on
//     support.iofficecorp.com gives the example URL
//     https://<siteAdress>/login.html?response_type=code&client_id=<id>&redirect_uri=...&scope=...&state=...
//     and "The login.html site will not work correctly if you do not
//     provide the 5 query parameters": the page is /login.html at the
//     site's root, and a request missing any of the five gets an error
//     page naming what is missing.
//   - The revocation header ("The only header needed is:"). iOFFICE's
//     own AngularJS OAuth client (oauthIOffice, "Copyright (c) 2015
//     iOffice") revokes with the header x-token, and sends x-access-token
//     with API calls. The revoke endpoint takes the token from x-token,
//     x-access-token, x-refresh-token or Authorization: Bearer, and
//     users/me from Authorization: Bearer (as the article's curl line
//     does) or x-access-token.
//
// Errors are RFC 6749 §5.2 bodies with the description also under
// "errorDescription", the member iOFFICE's client reads.
package eptura
