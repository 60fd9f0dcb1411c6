// Package jwksfetch fetches the JWK Sets that private_key_jwt clients
// publish at their jwks_uri (RFC 7591 §2), for the protocol core
// (grant.KeySource), which may not touch the network itself; and those
// of the external issuers clients trust for workload identity
// (grant.IssuerKeySource, issuer.go): the jwks_uri of the issuer's OpenID
// discovery document, which must name that issuer (OIDC Discovery §4.3),
// the document cached and fetched under the same rules.
//
// A client chooses its jwks_uri, so every fetch is a request the server
// makes on a stranger's behalf, and is bounded accordingly:
//
//   - https only, and never to a loopback, private, link-local or
//     otherwise reserved address (addrpolicy.go), redirects included.
//     The check is made on the address actually dialed, in the dialer's
//     Control hook, after name resolution, so that a name resolving to
//     a public address for a check and to a private one for the
//     connection (DNS rebinding) gains nothing; no proxy is used.
//     Options.AllowPrivate lifts both rules (serve --allow-private-fetch,
//     for tests and local work).
//   - 5 seconds and 64 KiB per fetch, at most 3 redirects.
//   - The set is cached per URI for what the answer's Cache-Control
//     (max-age, no-cache, no-store) or Expires says, bounded to between
//     1 minute and 24 hours (5 minutes when it says nothing), and fetched
//     again before then only on a kid the cached set lacks (a client
//     rotating its keys), at most once a minute per URI. A failed fetch
//     keeps serving the last good set until it is a day old.
//   - A fetched set goes through token.ParseClientJWKS: a set holding
//     private key material is refused whole; keys that cannot verify an
//     assertion are left out.
package jwksfetch
