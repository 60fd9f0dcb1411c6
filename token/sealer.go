package token

import (
	"crypto/cipher"
	"fmt"
)

// PurposeSecretEncryption derives the key that seals the client secrets
// the server must read back (Sealer).
const PurposeSecretEncryption = "tokenmint client secret encryption v1"

// Sealer encrypts the few secrets the server must be able to read back,
// unlike those it keeps only as keyed hashes (Hasher): the secret of a
// client_secret_jwt client, whose HMAC the server verifies (OIDC Core
// §9). It is AES-256-GCM under a subkey of the master key
// (MasterKey.Derive(PurposeSecretEncryption)) with a random 96-bit nonce,
// the same construction that seals signing keys, and binds a context
// (the client ID) as additional data, so that a sealed secret moved to
// another record does not open. Safe for concurrent use.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer keyed with key, 32 bytes.
func NewSealer(key []byte) (*Sealer, error) {
	aead, err := newKeyAEAD(key)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// MustSealer is NewSealer for a key known to be 32 bytes (a derived
// subkey); it panics otherwise, which can only be a wiring mistake.
func MustSealer(key []byte) *Sealer {
	s, err := NewSealer(key)
	if err != nil {
		panic("token: " + err.Error())
	}
	return s
}

// Seal encrypts plain for context.
func (s *Sealer) Seal(plain []byte, context string) []byte {
	return s.aead.Seal(nil, nil, plain, []byte(context))
}

// Open decrypts what Seal returned for the same context. The caller
// should clear the result once used.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	plain, err := s.aead.Open(nil, nil, sealed, []byte(context))
	if err != nil {
		return nil, fmt.Errorf("open sealed secret (wrong master key, another record's secret, or a corrupted one): %w", err)
	}
	return plain, nil
}
