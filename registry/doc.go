// Package registry creates OAuth clients and users with their credentials
// and rotates those credentials. The CLI, tests and benchmarks all go
// through it, so every client is created the same way: defaults applied,
// the record validated, a secret generated from crypto/rand, and only its
// keyed hash stored.
//
// Generated secrets are returned once, as token.Secret (which never
// prints), and cannot be recovered afterwards; losing one means rotating
// it. User passwords are hashed with argon2id by package password.
package registry
