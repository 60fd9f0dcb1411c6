// Package epc serves the OAuth 2.0 endpoints of the Encompass Partner
// Connect platform (ICE Mortgage Technology, formerly Ellie Mae) as its
// documents describe them ("Authentication & Authorization" and "Your
// First API Call"), so that a partner product written against EPC works
// against tokenmint unchanged:
//
//	POST /oauth2/v1/token                client_credentials → 201 {access_token, token_type, expires_in}
//	POST /oauth2/v1/token/introspection  token= → {active, scope, client_id, token_type, exp, <custom claims>}
//	POST /oauth2/v1/token/revocation     token= → 204
//
// Every request is form-encoded, with the client's credentials in HTTP
// Basic ("-u '<api_client_id>:<api_client_secret>'") or, as the Python
// sample does, in the body. The translation is thin: the standard form
// decoding of package httpapi, the grant engine, and the platform's status
// codes and response members.
//
// The documented token life ("active for 15 minutes, up to a maximum of
// 120 minutes ... must be used at least once every 15 minutes", with
// expires_in 7200) is a client setting, not code here: create the client
// with
//
//	tokenmint client create --token-format opaque --access-ttl 2h --idle-ttl 15m \
//	  --claim environment=Test --claim identity_type=Partner --claim encompass_client_id=007001
//
// (and the scopes pc and pcapi), and the engine slides the idle expiry on every introspection (each one
// counts as a use of the token) and never past the absolute two hours.
package epc
