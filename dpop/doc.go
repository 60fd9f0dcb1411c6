// Package dpop verifies DPoP proofs (RFC 9449, OAuth 2.0 Demonstrating
// Proof of Possession) for the authorization server and for resource
// servers alike: the token endpoint binds access tokens to the key a
// proof demonstrates, and UserInfo (or an API using package rs) checks
// that a DPoP-bound token comes with a proof by that key.
//
// Verifier.Verify runs the checks of RFC 9449 §4.3 on the one DPoP header
// of a request: a compact JWS (go-jose) of typ "dpop+jwt", signed with an
// asymmetric algorithm of Verifier.Algs by the public key of its "jwk"
// header (a key with private members is refused); "htm" the request's
// method; "htu" its URL without query and fragment, both normalised (RFC
// 3986 §6.2.2, §6.2.3: scheme and host case, default port,
// percent-encoding, dot segments); "iat" within MaxAge in the past and
// Skew in the future; "jti" present, bounded, and never seen before for
// the key (a ReplayCache the caller supplies: the server's store, shared
// by every instance, or NewMemoryReplayCache); "ath", the base64url
// SHA-256 of the access token, when one is presented (§4.3, §7.1);
// "nonce", a value Nonces issued, when Verifier.Nonces is set (§8, §9).
// It returns the proof's JWK SHA-256 thumbprint (RFC 7638), the "jkt" a
// token is bound to (§6).
//
// Nonces are minted without shared state: an HMAC of the current time
// window under a key every instance derives from the same secret, so a
// nonce issued by one instance is accepted by all; the current and the
// previous window are accepted, so a nonce lives between one and two
// windows.
//
// Errors are *Error values with the RFC 9449 §12.2 codes
// invalid_dpop_proof and use_dpop_nonce; callers map them to their
// endpoint's answer (400 at a token endpoint, §5; 401 with a DPoP
// WWW-Authenticate challenge at a resource, §7.1, §9). The package does
// no I/O beyond the ReplayCache it is given and imports no net/http, so
// that the protocol core can use it.
package dpop
