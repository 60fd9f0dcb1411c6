package tokenmint

import "context"

// SealedKind names what a value sealed under the master key protects.
type SealedKind string

// What a master key rotation re-encrypts.
const (
	// SealedSigningKey is a signing key's private part
	// (SigningKey.PrivateEnc); ID is the key ID.
	SealedSigningKey SealedKind = "signing_key"
	// SealedClientSecret and SealedPreviousClientSecret are the secrets
	// of a client_secret_jwt client (Client.SecretEnc and the one still
	// accepted after a secret rotation); ID is the client ID.
	SealedClientSecret         SealedKind = "client_secret"
	SealedPreviousClientSecret SealedKind = "previous_client_secret"
	// SealedHashKeys are the keys of the keyed hashes that name client
	// secrets, tokens and sessions, kept across master key rotations
	// (token.Keys); ID is empty, and Value nil before the first rotation.
	SealedHashKeys SealedKind = "hash_keys"
)

// SealedValue is one value sealed under the master key.
type SealedValue struct {
	Kind  SealedKind
	ID    string
	Value []byte
}

// MasterKeyStore is the part of a store that a master key rotation
// rewrites (token.Keys.Rotate).
type MasterKeyStore interface {
	// SealedHashKeys returns the sealed hash keys; ErrNotFound before the
	// first master key rotation.
	SealedHashKeys(ctx context.Context) ([]byte, error)
	// Reseal passes every value sealed under the master key to reseal
	// and stores what it returns in their place, all in one transaction:
	// an error from reseal leaves the store as it was. The hash keys
	// come last, with a nil Value when the store has none yet; reseal
	// must return a value for them. It returns how many values of each
	// kind it rewrote.
	Reseal(ctx context.Context, reseal func(SealedValue) ([]byte, error)) (map[SealedKind]int, error)
}
