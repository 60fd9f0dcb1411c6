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
// another record does not open. During a master key rotation it also
// opens what the previous master key sealed (Keys). Safe for concurrent
// use.
type Sealer struct {
	aead     cipher.AEAD   // seals, and opens first
	previous []cipher.AEAD // open what aead does not
}

// NewSealer returns a Sealer keyed with key, 32 bytes, that also opens
// what the previous keys sealed.
func NewSealer(key []byte, previous ...[]byte) (*Sealer, error) {
	aead, err := newKeyAEAD(key)
	if err != nil {
		return nil, err
	}
	s := &Sealer{aead: aead}
	for _, p := range previous {
		a, err := newKeyAEAD(p)
		if err != nil {
			return nil, err
		}
		s.previous = append(s.previous, a)
	}
	return s, nil
}

// MustSealer is NewSealer for a key known to be 32 bytes (a derived
// subkey); it panics otherwise, which can only be a wiring mistake.
func MustSealer(key []byte, previous ...[]byte) *Sealer {
	s, err := NewSealer(key, previous...)
	if err != nil {
		panic("token: " + err.Error())
	}
	return s
}

// Seal encrypts plain for context.
func (s *Sealer) Seal(plain []byte, context string) []byte {
	return s.aead.Seal(nil, nil, plain, []byte(context))
}

// Open decrypts what Seal returned for the same context, under the key
// or a previous one. The caller should clear the result once used.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	plain, err := s.aead.Open(nil, nil, sealed, []byte(context))
	for _, p := range s.previous {
		if err == nil {
			break
		}
		plain, err = p.Open(nil, nil, sealed, []byte(context))
	}
	if err != nil {
		return nil, fmt.Errorf("open sealed secret (wrong master key, another record's secret, or a corrupted one): %w", err)
	}
	return plain, nil
}
