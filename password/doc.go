// Package password hashes and verifies user passwords with argon2id
// (RFC 9106), the memory-hard function recommended for passwords because
// it makes every guess cost an attacker real memory as well as time.
//
// Hashes are PHC strings ("$argon2id$v=19$m=65536,t=3,p=2$salt$hash")
// that carry their own parameters, so raising the cost later keeps old
// hashes verifiable; NeedsRehash tells the caller when to upgrade one
// after a successful login.
//
// The package exists apart from token because user passwords are
// low-entropy and need a slow, salted function, whereas the client
// secrets and tokens of package token are high-entropy and only need a
// fast keyed hash.
//
// Two denial-of-service guards are built in: passwords longer than
// MaxLength are refused before hashing, and a Hasher runs at most
// GOMAXPROCS derivations at a time, so a burst of logins queues for the
// CPU instead of allocating Memory KiB per request without bound.
// VerifyDummy spends the same effort for unknown users so response times
// do not reveal which usernames exist.
package password
