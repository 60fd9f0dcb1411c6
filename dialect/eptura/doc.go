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
// the article shows; there is no body to read. A Workplace app is a client
// created with
//
//	tokenmint client create --name app --profile eptura --redirect-uri https://app.example.com/callback
//
// (see Profile). The article's flows are weaker than RFC 9700 asks: a
// public client's browser flow has no PKCE, and a code can be had for a
// username and password. They serve only clients of that profile (Name),
// never every client of a server that enables the dialect: /login.html
// requires PKCE of a public client unless it was also created with
// --allow-no-pkce, and /external/api/oauth2/auth serves only clients
// allowed the password grant that do not require consent
// (grant.AuthorizeRequest.Dialect and Headless). A client of another
// profile gets unauthorized_client. Below, every claim of the article, in
// its order, with what tokenmint does, and why where it departs.
//
// # Credentials
//
//   - "The Eptura Workplace REST API uses the OAuth 2.0 protocol for
//     authentication and authorization": the endpoints translate onto the
//     engine of the standard endpoints (RFC 6749 with PKCE, RFC 7009); a
//     token of either door works at the other.
//   - "you will need to contact Eptura to provide you with the OAuth 2.0
//     credentials, such as a client ID and a client secret, that are known
//     to both Eptura Workplace and your application": the operator creates
//     the client, as above, and hands over its ID (and secret).
//   - "The client secret may not be required unless you are building a
//     web server application": the profile's clients are public, with no
//     secret. A web server application is created with --public=false and
//     sends its secret as x-client-secret, a header the article never
//     names (it shows no secret being sent): missing or wrong is 401
//     invalid_client.
//
// # Client-side (JavaScript) applications
//
//   - "the first thing they will need to obtain is an authorization code
//     that will later be exchanged for a token and a refresh token": the
//     authorization code flow; the profile allows refresh_token, so the
//     exchange answers a refresh token.
//   - "Redirect the user to a URL that includes five specific query
//     parameters. Refer to the following URL as an example": the example
//     was lost from the copy in ../shared/reference. The article's original
//     on support.iofficecorp.com gives
//     https://<siteAdress>/login.html?response_type=code&client_id=<id>&redirect_uri=...&scope=...&state=...
//     so the page is PathLogin at the site's root.
//   - "The login.html site will not work correctly if you do not provide
//     the 5 query parameters specified in the example URL": a request
//     missing or repeating any of them gets a 400 error page naming them,
//     shown to the person and never redirected.
//   - "response_type: This must be set to code": another is sent back to
//     the app as unsupported_response_type in the fragment, with the state
//     (RFC 6749 §4.1.2.1).
//   - "client_id: This is the ID provided by Eptura. This is how our
//     servers recognize the application your users are signing in to": an
//     unknown one is a 400 error page, never a redirect; the sign-in page
//     names the application.
//   - "redirect_uri: This is one of the requirements in order for Eptura
//     Workplace to generate the client ID and its secret. This is the page
//     in your application that will handle the authorization code": it is
//     registered at client create (--redirect-uri) and must match one of
//     the client's exactly (a loopback one on any port, RFC 8252 §7.3); an
//     unregistered one is a 400 error page, never a redirect.
//   - "scope: In the future, we should be able to restrict access of each
//     token by using this parameter. For now, you can set it to email or
//     any other string": the profile's clients accept any scope string and
//     are granted the part of it they are allowed, their default scopes
//     (email) when no part is (IntersectScopes, RFC 6749 §3.3). tokenmint
//     already restricts: a token never carries a scope the client was not
//     allowed. A client without the profile's --intersect-scopes gets
//     invalid_scope for a scope it is not allowed.
//   - "state: This parameter is intended to preserve some state object
//     set by the client": sent back byte for byte, with the code or the
//     error.
//   - "Entering the URL with correct parameters should open the login
//     screen for the site": the sign-in page of package login (200); a
//     browser already signed in gets its code at once.
//   - "After the user successfully identifies with the site, the browser
//     will redirect to the URL provided in redirect_uri with the code
//     provided in the hash parameter": a redirect to redirect_uri with
//     code, state and iss in the fragment (response_mode=fragment, OAuth
//     2.0 Multiple Response Type Encoding Practices §2.1), nothing in the
//     query.
//   - "Your JavaScript application needs to read the authorization code
//     and exchange it for an access token and a refresh token": the token
//     request below. An app that sent code_challenge sends x-code-verifier
//     (a header the article does not have). The page calls from its own
//     origin, so its x- headers need a CORS preflight (Fetch Standard
//     §4.8): the token, revoke and users/me endpoints answer it, and let
//     the page read an answer only when its origin is that of one of the
//     client's registered redirect URIs (cors.go; revoke's empty answer
//     to any page that holds a token). The password flow, /auth, answers
//     no preflight, so no other site's page can post a password to it.
//     TestBrowserAuthorization exchanges the code from the app's page in
//     Chromium.
//
// # Without a browser
//
//   - "If you want to access our API without using a browser, you can also
//     generate an authorization code by requesting it directly ... POST:
//     <ioffice_site>/external/api/oauth2/auth": PathAuth, for the
//     profile's clients allowed the password grant that do not require
//     consent (it is the password grant by another road, RFC 9700 §2.4);
//     any other client gets 400 unauthorized_client. POST only (405).
//   - Its headers "'Content-Type': 'application/json'", "x-auth-username",
//     "x-auth-password", "x-client-id", "x-redirect-uri", "x-scope":
//     Content-Type is accepted and no body is read. x-auth-username,
//     x-auth-password, x-client-id and x-redirect-uri are required (400
//     invalid_request naming every missing one); x-scope may be left out,
//     for the client's default scopes; a header sent twice is 400. The
//     redirect URI must be registered and the scope is read as at
//     /login.html. Wrong credentials are 401 access_denied with a
//     WWW-Authenticate challenge, an unknown user the same; after five
//     failures the sign-in throttle answers 429 temporarily_unavailable
//     with Retry-After.
//   - "If successful, the response will be a JSON object with the
//     following information: "code": string;": {"code": "..."}, nothing
//     else: the same single-use code /login.html issues, bound to the
//     client, the redirect URI and the scopes.
//   - "To request a token, make a REST call to: POST:
//     <ioffice_site>/external/api/oauth2/token": PathToken. POST only.
//   - Its headers "'Content-Type': 'application/json'", "'x-grant-type':
//     'authorization_code'", "'x-redirect-uri': '<the redirect_uri>'",
//     "'x-client-id'", "'x-scope': '<the same scope used to get the
//     auth-code>'", "'x-auth-code'": x-grant-type and x-client-id are
//     required, and x-auth-code for this grant (400 invalid_request naming
//     it); another grant type is 400 unsupported_grant_type.
//     x-redirect-uri must be the code's (RFC 6749 §4.1.3): missing or
//     another is 400 invalid_grant. x-scope changes nothing at the
//     exchange: the code's scopes are granted, whatever it says (RFC 6749
//     §4.1.3 has no scope). A code is good once; a second use is
//     invalid_grant.
//   - "If successful, the response will be a JSON object with the
//     following information: token_type: string; access_token: string;
//     expires_in: number; // in milliseconds refresh_token: string;":
//     exactly these four members; token_type "Bearer"; expires_in in
//     milliseconds, where RFC 6749 §5.1 has seconds (3600000 for the
//     server's default hour). Errors are RFC 6749 §5.2 bodies with the
//     description also under "errorDescription", the member iOFFICE's
//     client reads.
//   - "Make sure to store this information somewhere (localStorage, for
//     instance) since you will need it to make the requests to the API and
//     to obtain new tokens": the app's to do. Each refresh returns a new
//     refresh token (below), so the stored one must be replaced each time.
//   - "Note: The authorization code expires after 5 minutes": the engine's
//     code lifetime is five minutes, for codes of both flows; an expired
//     code is invalid_grant.
//
// # Using and renewing the token
//
//   - "Rest calls use the token through the header parameter
//     Authorization. For example: curl -X GET -H "Authorization: Bearer
//     [ACCESS_TOKEN]" [site]/external/api/rest/v2/users/me": PathMe
//     answers the signed-in user (id, name, userName, email, and
//     dateCreated and dateUpdated in milliseconds, as iOFFICE's User
//     resource has them); the token is also read from x-access-token,
//     which iOFFICE's own client sends. A missing, unknown, expired or
//     revoked token, or one of no user (client_credentials), is 401 with a
//     Bearer challenge (RFC 6750 §3). Each call counts as a use of the
//     token. The rest of the REST API is not tokenmint's.
//   - "Each access token has a predefined expiration time": the client's
//     access token lifetime (--access-ttl, else the server's default), in
//     expires_in; the token is refused from then on.
//   - "To have continuous access, use the refresh token to obtain a new
//     token. To obtain a brand new token before or after the token
//     expiration, make another REST call to: POST:
//     <ioffice_site>/external/api/oauth2/token": the refresh grant at
//     PathToken works before and after the access token expires, for as
//     long as the refresh token lives (--refresh-ttl) and its
//     authorization is not revoked.
//   - Its headers "'Content-type': 'application/json'", "'x-grant-type':
//     'refresh_token'", "'x-redirect-uri': <the redirect_uri>",
//     "'x-client-id'", "'x-scope': <the same scope used to get the
//     auth-code>", "'x-refresh-token'": x-refresh-token is required for
//     this grant (400 naming it). x-redirect-uri is accepted and not
//     checked: RFC 6749 §6 has no redirect URI, and the refresh token is
//     bound to its client. x-scope, the same scope, keeps the granted
//     scopes; a narrower one narrows them (RFC 6749 §6), and for the
//     profile's clients a wider one is cut to what was granted.
//   - "This will return a brand new token and another refresh token":
//     both are new, in the response above; the refresh token rotates, the
//     old one is spent, and a spent one presented again revokes the whole
//     authorization (RFC 9700 §4.14.2), the newest tokens included.
//   - "To invalidate a token, use the endpoint
//     /external/api/oauth2/revoke. The only header needed is:": the
//     header's name was lost from the article. iOFFICE's own AngularJS
//     OAuth client (oauthIOffice, "Copyright (c) 2015 iOffice") revokes
//     with x-token, by GET. PathRevoke takes the token from x-token,
//     x-access-token, x-refresh-token or Authorization: Bearer (two
//     different tokens are 400), by POST or GET, with no client
//     authentication: whoever holds a token may end it. A refresh token
//     revokes its whole authorization, access tokens included (RFC 7009
//     §2.1). The answer is 200 with no body, also for a token unknown or
//     already revoked (RFC 7009 §2.2); no token at all is 400
//     invalid_request.
//   - "This can log out and prevent users from trying to access the API
//     with the token": the token is refused from then on (users/me 401),
//     and when its authorization was given through /login.html the browser
//     login session it was given in ends too, so the next /login.html asks
//     the person to sign in again. Other apps' tokens authorized in that
//     session stay valid, and an access token revoked alone leaves its
//     refresh token usable, as RFC 7009 §2.1 allows. The standard
//     /oauth2/revoke ends no session.
//
// Everything else (codes valid five minutes and good once, refresh token
// rotation with reuse detection, revocation) is the protocol core's.
package eptura
