// Package epc serves the OAuth 2.0 endpoints of the Encompass Partner
// Connect platform (ICE Mortgage Technology, formerly Ellie Mae) as its
// documents describe them ("Authentication & Authorization" and "Your
// First API Call"), so that a partner product written against EPC works
// against tokenmint unchanged:
//
//	POST /oauth2/v1/token                client_credentials → 201 {access_token, token_type, expires_in}
//	POST /oauth2/v1/token/introspection  token= → 200 {active, scope, client_id, token_type, exp, <custom claims>}
//	POST /oauth2/v1/token/revocation     token= → 204
//
// A partner is a client created with
//
//	tokenmint client create --name partner --profile epc --encompass-client-id 007001 [--environment Prod]
//
// (see Profile). The translation is thin: the standard form decoding of
// package httpapi, the grant engine, and the platform's status codes and
// response members. Below, every claim of the two documents, in their
// order, with what tokenmint does, and why where it departs.
//
// # Authentication & Authorization: Token Issuance
//
//   - "The Encompass Partner Connect Platform (EPC) uses OAuth 2.0 for
//     authentication and authorization. OAuth enables a client
//     application to gain delegated access to information without
//     disclosing the user's credentials": the three endpoints are RFC 6749,
//     RFC 7662 and RFC 7009 requests on EPC's paths, run by the same
//     engine as the standard endpoints; a partner only ever sends its own
//     credentials.
//   - "Partner products are 3rd-party applications that access resources
//     (loans, borrowers' data, company and user settings) owned by
//     Encompass lenders": tokenmint issues and checks tokens and serves
//     none of those resources. The API that holds them checks a partner's
//     token at PathIntrospection (or the standard introspection endpoint).
//   - "EPC uses the Client Credentials grant type to give Partner products
//     secure access": PathToken serves grant_type=client_credentials only;
//     another grant type is 400 unsupported_grant_type, even for a client
//     allowed it elsewhere. The profile allows its clients that grant
//     alone, at every endpoint.
//   - "a client application sends its own credentials (its Client ID and
//     Client Secret) to an ICE Mortgage Technology oAuth2 Identity Service
//     endpoint that generates an access token. If the credentials are
//     valid, ICE Mortgage Technology returns an access token": the engine
//     authenticates the client against the keyed hash of its secret; a
//     wrong secret and an unknown client ID are one answer, 401
//     invalid_client with WWW-Authenticate: Basic (RFC 6749 §5.2), and no
//     credentials at all 401 invalid_client.
//   - "All request attributes described below are required unless
//     specified otherwise": the client's credentials and grant_type are
//     (missing credentials 401 invalid_client, a missing grant_type 400
//     invalid_request); scope is not, see below.
//   - "curl -X POST ... https://api.elliemae.com/oauth2/v1/token": the
//     path is PathToken on tokenmint's own host. POST only: another method
//     is 405 with Allow: POST and a JSON error, at all three endpoints.
//   - The curl lines' -d: the body is application/x-www-form-urlencoded,
//     what curl -d sends and the Postman requests name; another type is
//     415 (no document sends JSON), a body over the server's limit 413.
//     -d 'scope=<pc pcapi>' puts a bare space in the body, read as the
//     scope separator it is.
//   - api_client_id and api_client_secret, "Replace <api_client_id> with
//     the API client ID portion of the API key": EPC's "API key" is the
//     pair; here they are the client ID and secret client create prints
//     (an EPC partner has no separate API key, unlike an EmpowerID
//     application). They come in HTTP Basic, as curl -u sends them, or in
//     the body, as the Python sample does (client_secret_basic and
//     client_secret_post, RFC 6749 §2.3.1); both at once is 400
//     invalid_request (§2.3). RFC 6749 has Basic credentials
//     form-encoded, curl -u does not encode them; tokenmint's generated
//     IDs and secrets (base64url) read the same either way.
//   - "grant_type: The grant type. This must be client_credentials": as
//     above.
//   - "scope: The scope of the request. This must be pc pcapi": the
//     profile allows exactly pc and pcapi, and "pc pcapi" is granted; a
//     scope beyond them is 400 invalid_scope (as the curl line's
//     placeholder "<pc pcapi>" would be if sent as written). Departure:
//     tokenmint is more lenient than "must". A request without scope gets
//     the client's scopes, pc pcapi (RFC 6749 §3.3 lets the server apply a
//     default), and one asking for part of them, "pc", gets that part;
//     refusing either would break clients without helping one that
//     follows the document.
//   - The response, "{"access_token": ..., "token_type": "Bearer",
//     "expires_in": 7200}": exactly these three members, with
//     Cache-Control: no-store (RFC 6749 §5.1); no scope and no
//     refresh_token, which the document does not show. expires_in is in
//     seconds: 7200 for a profile client, else its --access-ttl. The
//     profile's tokens are opaque, like the sample's
//     "5zs6RdBtEHRFFbhziXMxmsZKtWtn", though longer and prefixed tmat_ (the
//     documents promise no format); a partner created with --token-format
//     jwt gets an RFC 9068 JWT.
//   - "201 - an access token is created": 201 Created, where RFC 6749 §5.1
//     says 200 (the standard endpoint answers 200).
//   - "The access token is active for 15 minutes, up to a maximum of 120
//     minutes (2 hours)": the profile's tokens have an idle lifetime of 15
//     minutes (--idle-ttl) and an absolute one of 2 hours (--access-ttl),
//     the engine's, not this package's.
//   - "To avoid expiration, the access token must be used (by calling an
//     API) at least once every 15 minutes": tokenmint serves no EPC API;
//     what a use is here is the API checking the token, an introspection
//     at PathIntrospection or at the standard endpoint. Each slides the
//     idle expiry to 15 minutes later, never past the 2 hours. A JWT is
//     checked without asking tokenmint, so its uses cannot be seen: with
//     --token-format jwt the profile sets no idle lifetime and the 2 hours
//     alone apply.
//
// # Authentication & Authorization: Token Introspection
//
//   - "This endpoint checks the status of an access token (and retrieves
//     the associated metadata)", "curl -X POST -u '<api_client_id>:
//     <api_client_secret>' -d 'token=<access_token>'
//     .../oauth2/v1/token/introspection": PathIntrospection, a form body
//     with token (token_type_hint is read as a hint), the client's
//     credentials as at the token endpoint. A partner introspects its own
//     tokens, and a resource server the tokens whose audience names it;
//     any other token is answered as not valid, so that partners cannot
//     probe each other's tokens (RFC 7662 §4). A public client cannot
//     introspect: 401 invalid_client (RFC 7662 §2.1).
//   - "token: The access token. If the token is valid, a JSON string is
//     returned; otherwise, an error is raised": a valid token gets 200 and
//     the JSON object below. A token that is not (unknown, expired,
//     unused for 15 minutes, revoked, another partner's, or of a deleted
//     client) gets an error, 400, whose body is {"active": false, "error":
//     "invalid_token", "error_description": ...}: see "Where the documents
//     disagree".
//   - The response, "active, scope, client_id, token_type, exp,
//     environment, identity_type, encompass_client_id" (and
//     encompass_instance_id in "Your First API Call"): exactly the five
//     standard members and the client's custom claims at the top level,
//     none of the other members RFC 7662 allows (sub, aud, iat ...); a
//     custom claim named like a standard member never replaces it.
//   - "active: An indicator of whether the access token is valid": true in
//     every 200; false only in the error answer.
//   - "scope: The OAuth scope": the granted scopes, space-separated, "pc
//     pcapi".
//   - "client_id: The OAuth client ID": the partner's client ID
//     ("7tep2yp6" in the sample).
//   - "token_type: The token type, always Bearer": "Bearer".
//   - "exp: The seconds until the token expires (from January 1, 1970
//     UTC)": an instant in seconds since the epoch, as the sample's
//     1575928099 and RFC 7662 §2.2 have it, not a countdown. It is the
//     token's current expiry: 15 minutes after its last use, at most 2
//     hours after issuance. The introspection that answers is itself a
//     use, so exp moves on with each.
//   - "environment: An indicator of whether the subject is operating in a
//     test/sandbox vs. production environment, which may govern parameters
//     such as rate-limiting and billing": a custom claim of the client,
//     --environment (default "Test"). tokenmint reports it and lets it
//     govern nothing: its rate limits are server settings, the same for
//     every environment, and it bills nothing.
//   - "identity_type: The identity type of the subject, which will always
//     be Partner for Encompass Partner Connect": the profile's claim,
//     "Partner". An operator may still set another with --claim; the
//     profile never does.
//   - "encompass_client_id: A unique identifier for the subject in the
//     Encompass Partner Connect system. Also referred to as the Partner
//     ID": the profile's claim, --encompass-client-id, by default the
//     client ID, which is unique. Not met in one respect: a value given
//     explicitly is not checked against other clients' (the operator
//     assigns Partner IDs; two partners given the same one would share
//     it).
//
// # Authentication & Authorization: Token Revocation
//
//   - "This endpoint revokes an access token", "curl -X POST -u ... -d
//     'token=<access_token>' .../oauth2/v1/token/revocation":
//     PathRevocation, a form body with token, the client's credentials.
//     The token is inactive at once at every endpoint of the instance that
//     revoked it, and of the others within one poll of the store's
//     revocation feed (package store/cache).
//   - "If the token is successfully revoked, the API returns a 204 status":
//     204 with no body (RFC 7009 §2.2 says 200). A token already revoked,
//     expired or unknown also gets 204: nothing is left to revoke, which
//     RFC 7009 §2.2 counts as success, and an error would tell a caller
//     which strings are tokens.
//   - "Otherwise, an error is returned": RFC 6749 §5.2 bodies. Wrong or
//     missing credentials 401 invalid_client; no token 400
//     invalid_request; another partner's token 400 unauthorized_client
//     (RFC 7009 §2.1), the token left alone; another Content-Type 415.
//
// # Your First API Call
//
//   - "The first step in making an API call to the EPC platform is getting
//     authorized for access by obtaining a Partner OAuth Token": PathToken,
//     as above.
//   - "OAuth enables a client application to gain delegated access to
//     information on behalf of the user without disclosing their
//     credentials": with client_credentials no user is involved; the
//     token's subject is the partner itself.
//   - The Postman request "Create Partner Authentication Token", "POST
//     /oauth2/v1/token HTTP/1.1, Content-Type:
//     application/x-www-form-urlencoded", its parameters from the
//     collection's environment variables: served as the curl line is,
//     the credentials in the body or in Basic. ("If your environment
//     variables are configured correctly, you will not need to manually
//     input parameters" is about Postman.)
//   - The response "access_token", "token_type": "Bearer", "expires_in":
//     7200: as above. "The attribute access_token holds the value of the
//     OAuth token": the token itself, sent as it is; the collection's
//     copying it to partner_token is Postman's.
//   - "After you get a valid token, you can immediately make other EPC
//     calls": the token is stored before the answer is written, so it
//     introspects at once, on every instance that shares the store.
//   - "This token will expire in two hours. The value of expires_in, 7200,
//     is in seconds": expires_in is in seconds, 7200 for a profile client.
//   - "Making calls using this token will not extend its life": no use
//     extends it past the 2 hours from issuance; within them, each use
//     extends the 15-minute idle window (see below).
//   - The Python snippet, payload "grant_type=client_credentials&
//     client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&scope=pc%20pcapi"
//     with Content-Type application/x-www-form-urlencoded: the credentials
//     in the body (client_secret_post), answered as above. Its url is
//     empty in the document; it is PathToken.
//   - The Postman introspection request, "Content-Type:
//     application/x-www-form-urlencoded, Authorization: Basic
//     YTVkcXJoYzpr...": served as the curl line; the sample header itself
//     works for a client registered with the ID and secret it encodes
//     (a5dqrhc, and a secret whose "!@^$#" form-decoding leaves alone).
//   - Its response adds "encompass_instance_id": "Test": the profile sets
//     it to the environment, as in the sample; --claim
//     encompass_instance_id=... sets another.
//   - "client_id": "{{API_CLIENT_ID}}" and "encompass_client_id":
//     "{{PARTNER_ID}}": the client's ID and its --encompass-client-id.
//   - "Keep a copy of the returned encompass_client_id attribute on hand.
//     This is your unique Partner ID with Ellie Mae. You will need it in
//     subsequent API calls made in this exercise": it is an attribute of
//     the client, the same in every introspection of every one of its
//     tokens; the subsequent calls are not tokenmint's.
//
// # Where the documents disagree
//
// The lifetime. "Authentication & Authorization" says "The access token is
// active for 15 minutes, up to a maximum of 120 minutes (2 hours). To
// avoid expiration, the access token must be used ... at least once every
// 15 minutes"; "Your First API Call" says "This token will expire in two
// hours ... Making calls using this token will not extend its life"; both
// show "expires_in": 7200. tokenmint keeps both limits: a token unused for
// 15 minutes expires, a used one lives no more than the 2 hours, so that
// no use extends its life past them, which is how the two sentences agree.
// expires_in is 7200, the most a token can live, as both samples show; a
// partner must still use the token every 15 minutes.
//
// Introspection of a token that is not valid. "If the token is valid, a
// JSON string is returned; otherwise, an error is raised", yet the
// response has "active: An indicator of whether the access token is
// valid". Both are honoured: the answer is an error status (400) whose body
// also says "active": false. A plain RFC 7662 200 {"active": false} would
// be read as success by a partner that, trusting the document, only
// catches errors, and would let an expired token through; with this
// answer both a partner that checks the status and one that checks
// "active" reject the token.
//
// exp, "The seconds until the token expires (from January 1, 1970 UTC)",
// is a countdown by its first words and an instant by its last; the
// sample value is an instant, and so is tokenmint's.
package epc
