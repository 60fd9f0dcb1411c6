// Package cache is what each instance keeps in memory in front of the
// store, so that issuance and introspection of either token format read
// no row per request in the steady state. Wrap builds the whole layer; it
// has three parts, each in its own file, correct only stacked as Wrap
// stacks them (the token cache asks the revocation list before serving a
// copy):
//
//	engine ──► Clients ─────────────────────────────► store  (clients.go)
//	server ──► token cache ──► revocation list ─────► store  (tokens.go, revoked.go)
//
// # Clients (clients.go)
//
// Client records, so that a token request costs no database read.
// Freshness comes from tokenmint.Store.Revision, a counter the store bumps
// whenever a client or signing key changes, in this process or any other
// sharing the database (the CLI writing the SQLite file, another instance
// on PostgreSQL). Run polls it; when it moves, the cache is emptied and
// refills on demand. With the default one-second poll, a client created,
// changed or deleted anywhere takes effect everywhere within two seconds.
//
// # Revoked access tokens (revoked.go)
//
// Every revoked access token ID, so that introspection and UserInfo learn
// whether a token is revoked without a store round trip on each request.
// A JWT is verified by its signature; what the server must still look up
// is whether it was revoked (RFC 7009). An opaque token's record may be
// cached (below); what must then be looked up is whether it was revoked
// since. Revocations are rare and the set is small (revoked tokens that
// have not expired yet), so each process keeps all of them and follows
// the store's revocation feed (Store.RevocationsSince):
//
//   - revocations made through this Store are in memory when the call
//     returns: the same instance never reports a token it revoked as
//     active;
//   - revocations made by other processes sharing the database (other
//     instances, the CLI) arrive with the next poll of Run, so another
//     instance may answer "active" for up to one poll interval after the
//     revocation committed.
//
// When the store is unreachable the set stays as it was: nobody can
// revoke anything meanwhile, since revocations go through the store.
//
// # Opaque token records (tokens.go)
//
// Recently read opaque access token records, so that introspecting (and
// revoking, and calling UserInfo with) an opaque token does not read the
// database each time. A cached record can go stale in three ways, and
// each is handled:
//
//   - The token is revoked (RFC 7009, a refresh token's family, its client
//     or user deleted). Every revocation enters the store's revocation
//     feed, which the revocation list below the token cache follows. A
//     hit is served only after the list says the token is not revoked, so
//     a token revoked through this process is inactive at once, and one
//     revoked by another process sharing the database once the feed has
//     been read (one poll interval at most): the same bound as for JWTs.
//   - Another process slides its idle expiry (TouchAccessToken). A copy
//     can only be older than the stored record, so it can only make the
//     token look closer to its idle expiry. A hit is served only while
//     the copy says no write of the token's use is due
//     (AccessToken.TouchDue), which implies it is active by its idle
//     expiry; otherwise the record is read again, and the caller's
//     write brings the copy up to date.
//   - The token expires: a copy is served only while it is active, so an
//     expired token is read again, and is gone once the janitor has been.
//
// Only opaque records are cached; unknown IDs are not, so guessing tokens
// costs the guesser a read each time. The cache is bounded: a full shard
// evicts a sampled entry, an expired one when it finds one.
package cache
