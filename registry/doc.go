// Package registry creates OAuth clients and users with their credentials,
// rotates those credentials and the signing keys, and deletes clients and
// users. The CLI, tests and benchmarks all go
// through it, so every client is created the same way: defaults applied,
// the record validated, a secret generated from crypto/rand, and only its
// keyed hash stored.
//
// Generated secrets are returned once, as token.Secret (which never
// prints), and cannot be recovered afterwards; losing one means rotating
// it. User passwords are hashed with argon2id by package password.
//
// Audit. Every change it makes to a client, user or signing key
// (created, changed, rotated, deleted) is recorded as one
// tokenmint.AuditEvent, after the change succeeded, naming who made it:
// the caller puts the actor in the context with WithActor (the CLI:
// tokenmint.ActorOperator; the admin API: ActorClient or ActorUser and the
// ID its bearer token authenticated); without one the actor is
// ActorSystem. A method added to the registry that changes something
// records its event the same way (Registry.record). With Registry.Audit
// set (the server's recorder) events also reach the audit log; without
// it (the CLI) they go straight to the store.
package registry
