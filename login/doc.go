// Package login serves the browser side of the authorization code flow
// (RFC 6749 §4.1, RFC 7636, OpenID Connect Core §3.1.2): the
// authorization endpoint, the login and consent pages, browser sessions
// and logout.
//
// It exists apart from package httpapi because its audience is a person
// in a browser, not a client program: errors that cannot safely go back
// to the client are HTML pages, state lives in cookies, and every page is
// hardened against framing, script injection and cross-site request
// forgery (RFC 9700 §4.7, §4.16). The protocol decisions themselves
// (which client, which redirect URI, which scopes, PKCE, the code) stay in
// package grant, so a platform dialect with its own authorize path runs
// exactly the same flow through Pages.Authorize.
//
// The flow:
//
//   - GET /oauth2/authorize decodes and validates the request. A bad
//     client or redirect URI is shown as an error page and never
//     redirected (RFC 6749 §4.1.2.1); any other error goes back to the
//     client with state and iss (RFC 9207).
//   - With a live session cookie that answers the request the code is
//     issued at once, bound to the session (grant.Engine.IssueSessionCode),
//     unless the user was disabled meanwhile (access_denied); otherwise the
//     login page is rendered. A session does not answer (OIDC Core
//     §3.1.2.1) under prompt=login, when the sign-in is older than max_age
//     seconds (max_age=0: always), or when id_token_hint names another
//     user; with prompt=none each of these is login_required instead of a
//     page. A password change or disabling the user deletes their
//     sessions. The page carries the authorization request in a hidden
//     field, signed (HMAC under the cookie key) so that nothing a dialect
//     set, such as the dialect that decides the PKCE rule, can be forged,
//     and every POST validates that request again from scratch, so a
//     client changed meanwhile is noticed.
//   - POST /oauth2/login checks the CSRF token, the credentials (through
//     grant.Engine.AuthenticateUser, throttled and without user
//     enumeration), starts a session, then shows the consent page when the
//     client requires it (or prompt has consent) or redirects with the
//     code. The ID token of that code carries the sign-in's auth_time.
//
// prompt is a space-separated list: login, consent and select_account
// combine ("login consent" shows both pages); none alone; anything else,
// and none with another value, is invalid_request. select_account is
// satisfied by the browser's session, as a browser holds one session and
// so one account; a client that wants the user free to switch sends
// prompt=login. max_age must be a non-negative integer, else
// invalid_request. id_token_hint must be an ID token this server signed
// for the requesting client (it may have expired: it only names the user),
// else invalid_request. When it names a user other than the session's,
// the login page asks for that user's username, and signing in as anyone
// else answers login_required without starting a session.
//   - POST /oauth2/consent records the user's answer: deny is
//     access_denied; allow is remembered for that session, client and set
//     of scopes.
//   - /device is the verification page of the Device Authorization Grant
//     (RFC 8628 §3.3, device.go): sign in (the same throttled
//     AuthenticateUser), enter the user code (prefilled from
//     verification_uri_complete, to be confirmed), see the client and its
//     scopes, allow or deny. Wrong codes count against a per-address and
//     a global limit (DeviceThrottle), after which every code is refused
//     with 429 until the window passes.
//   - /oauth2/logout ends the session and returns to a registered
//     post_logout_redirect_uri or shows a signed-out page.
//
// Cookies: the session cookie holds a random value whose keyed hash is the
// LoginSession record ID, so a database leak yields no usable session. The
// CSRF token is an HMAC of a separate random cookie (the double-submit
// pattern with a keyed token); the login and consent forms also pass
// net/http's CrossOriginProtection (Sec-Fetch-Site, else Origin), which
// refuses cross-site posts before the token is even read. Over https every cookie is Secure and
// carries the __Host- name prefix; all are HttpOnly and SameSite=Lax.
package login
