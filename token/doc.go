// Package token holds tokenmint's secret material and the credentials made
// from it.
//
//   - MasterKey: the one 32-byte root secret of a deployment (from
//     TOKENMINT_MASTER_KEY or a 0600 key file). Every other key is derived
//     from it with HKDF-SHA256 (RFC 5869) under a fixed purpose string, so
//     a subkey leaked from one use says nothing about the others and the
//     operator has exactly one thing to back up.
//   - Hasher: HMAC-SHA256 of server-generated, high-entropy bearer secrets
//     (client secrets, API keys, opaque access and refresh tokens,
//     authorization codes, session cookies). Only these keyed hashes are
//     stored; the record ID of a token is base64url(HMAC(subkey, token)),
//     so a copy of the database yields nothing usable.
//   - Generate, NewID, Secret: opaque credentials with prefixes that secret
//     scanners recognise, random identifiers, and a string type that never
//     prints or logs its value.
//   - Keyset: the JWS signing keys (ES256, RS256, EdDSA). It generates keys
//     on first start (of instances starting together, the first to store
//     an alg's key wins and the others load it), keeps their private
//     parts in the store only sealed
//     with AES-256-GCM under a derived key, rotates them while the previous
//     key stays published until it retires, signs RFC 9068 access tokens
//     and OIDC ID tokens, verifies them, and serves the RFC 7517 JWKS.
//
// The package imports only the domain package tokenmint: no HTTP, no SQL.
// All cryptography comes from crypto/*, golang.org/x/crypto and go-jose;
// the access and ID tokens of fixed header are serialised around the
// crypto/* primitives by internal/fastpath, which a benchmark justifies.
package token
