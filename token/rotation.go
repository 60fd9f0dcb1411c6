package token

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/tokenmint/tokenmint"
)

// PurposeHashKeysEncryption derives the key that seals the hash keys in
// the database once the master key has been rotated (Keys).
const PurposeHashKeysEncryption = "tokenmint hash keys encryption v1"

// hashKeysContext binds the sealed hash keys to their use.
const hashKeysContext = "tokenmint hash keys v1"

// hashKeyPurposes are the subkeys of keyed hashes, in their sealed order.
// What they hash (client secrets, tokens, session cookies) is stored
// only as the hash, so they cannot be re-keyed: a rotation carries them
// over instead.
var hashKeyPurposes = [...]string{PurposeSecretHash, PurposeTokenHash, PurposeCookie}

// Keys are the keys a server works with, resolved from its master key,
// the previous one during a rotation, and the hash keys stored in the
// database after a rotation (ResolveKeys).
//
// A master key rotation re-encrypts what is sealed (signing keys,
// client_secret_jwt secrets) under the new key. The keyed hashes that
// name client secrets, tokens and sessions cannot be recomputed without
// the secrets they hash, so their keys are carried over: derived from the
// first master key, then stored in the database sealed under the current
// one. A rotation therefore keeps every credential valid, and a leaked
// old master key no longer opens signing keys or sealed secrets of the
// database; the hash keys it derives stay in use (they let no one mint or
// read a credential, only recognise one already known).
type Keys struct {
	hash     [len(hashKeyPurposes)][]byte
	masters  []MasterKey // [0] seals, every one opens
	hashFrom string      // "master key", "previous master key" or "database", for errors
}

// ResolveKeys returns the keys of current, with previous master keys
// also opening what they sealed (during a rotation). The hash keys are
// the database's when a rotation stored them, else derived from the
// master key in use before any rotation: previous when given (the
// rotation is under way), else current.
func ResolveKeys(ctx context.Context, store tokenmint.MasterKeyStore, current MasterKey, previous ...MasterKey) (Keys, error) {
	k := Keys{masters: append([]MasterKey{current}, previous...)}
	sealed, err := store.SealedHashKeys(ctx)
	switch {
	case errors.Is(err, tokenmint.ErrNotFound):
		root := k.masters[len(k.masters)-1]
		k.hash, k.hashFrom = deriveHashKeys(root), "master key"
		if len(previous) > 0 {
			k.hashFrom = "previous master key"
		}
		return k, nil
	case err != nil:
		return Keys{}, fmt.Errorf("read hash keys: %w", err)
	}
	if k.hash, err = k.openHashKeys(sealed); err != nil {
		return Keys{}, err
	}
	k.hashFrom = "database"
	return k, nil
}

func deriveHashKeys(m MasterKey) (h [len(hashKeyPurposes)][]byte) {
	for i, p := range hashKeyPurposes {
		h[i] = m.Derive(p)
	}
	return h
}

// openHashKeys opens the sealed hash keys with any master key held.
func (k Keys) openHashKeys(sealed []byte) (h [len(hashKeyPurposes)][]byte, err error) {
	plain, err := k.sealer(PurposeHashKeysEncryption).Open(sealed, hashKeysContext)
	if err != nil {
		return h, fmt.Errorf("the database's hash keys do not open with the master key%s: "+
			"it was rotated to another key (use that key), or the record is corrupted: %w", k.previousNote(), err)
	}
	defer clear(plain)
	if len(plain) != len(h)*MasterKeySize {
		return h, fmt.Errorf("the database's hash keys are %d bytes, want %d", len(plain), len(h)*MasterKeySize)
	}
	for i := range h {
		h[i] = bytes.Clone(plain[i*MasterKeySize : (i+1)*MasterKeySize])
	}
	return h, nil
}

func (k Keys) previousNote() string {
	if len(k.masters) > 1 {
		return " or the previous one"
	}
	return ""
}

// sealer seals under the current master key's subkey for purpose and
// opens under any master key's.
func (k Keys) sealer(purpose string) *Sealer {
	prev := make([][]byte, 0, len(k.masters)-1)
	for _, m := range k.masters[1:] {
		prev = append(prev, m.Derive(purpose))
	}
	return MustSealer(k.masters[0].Derive(purpose), prev...)
}

// Secrets hashes client credentials (PurposeSecretHash).
func (k Keys) Secrets() *Hasher { return NewHasher(k.hash[0]) }

// Tokens hashes tokens, codes and session cookies (PurposeTokenHash).
func (k Keys) Tokens() *Hasher { return NewHasher(k.hash[1]) }

// CookieKey keys the login pages' CSRF tokens (PurposeCookie).
func (k Keys) CookieKey() []byte { return bytes.Clone(k.hash[2]) }

// Derive returns the current master key's subkey for purpose, for keys of
// short-lived values that may change with the master key (DPoP nonces:
// one refused after a rotation is answered with a fresh nonce, RFC 9449
// §8). Anything stored must use the keys above instead.
func (k Keys) Derive(purpose string) []byte { return k.masters[0].Derive(purpose) }

// Sealer seals client_secret_jwt secrets under the current master key
// and opens those of the previous one too.
func (k Keys) Sealer() *Sealer { return k.sealer(PurposeSecretEncryption) }

// NewKeyset returns the signing keyset over store: new keys sealed under
// the current master key, stored ones opened under either.
func (k Keys) NewKeyset(store tokenmint.KeyStore, opts KeysetOptions) *Keyset {
	for _, m := range k.masters[1:] {
		opts.PreviousEncKeys = append(opts.PreviousEncKeys, m.Derive(PurposeKeyEncryption))
	}
	return NewKeyset(store, k.masters[0].Derive(PurposeKeyEncryption), opts)
}

// Rotate re-encrypts everything store keeps sealed under the master keys
// of k under next, in one transaction, and stores the hash keys sealed
// under next: afterwards ResolveKeys(next) finds the same hash keys, and
// every signing key and sealed secret opens under next. Servers that
// hold both keys (the previous one as --previous-master-key-file) keep
// working throughout. Running it again with the same keys is harmless.
// It returns how many values of each kind it rewrote.
func (k Keys) Rotate(ctx context.Context, store tokenmint.MasterKeyStore, next MasterKey) (map[tokenmint.SealedKind]int, error) {
	to := Keys{masters: []MasterKey{next}}
	keyEnc := to.masters[0].Derive(PurposeKeyEncryption)
	old := k.NewKeyset(nil, KeysetOptions{})
	secrets, toSecrets := k.Sealer(), to.Sealer()
	hashKeys, toHashKeys := k.sealer(PurposeHashKeysEncryption), to.sealer(PurposeHashKeysEncryption)
	counts, err := store.Reseal(ctx, func(v tokenmint.SealedValue) ([]byte, error) {
		switch v.Kind {
		case tokenmint.SealedSigningKey:
			plain, err := old.openAny(v.ID, v.Value)
			if err != nil {
				return nil, fmt.Errorf("signing key %s: %w", v.ID, err)
			}
			defer clear(plain)
			return sealKey(keyEnc, v.ID, plain)
		case tokenmint.SealedClientSecret, tokenmint.SealedPreviousClientSecret:
			plain, err := secrets.Open(v.Value, v.ID)
			if err != nil {
				return nil, fmt.Errorf("%s of client %s: %w", v.Kind, v.ID, err)
			}
			defer clear(plain)
			return toSecrets.Seal(plain, v.ID), nil
		case tokenmint.SealedHashKeys:
			return k.resealHashKeys(v.Value, hashKeys, toHashKeys)
		}
		return nil, fmt.Errorf("unknown sealed value %q", v.Kind)
	})
	if err != nil {
		return nil, fmt.Errorf("rotate master key: %w", err)
	}
	return counts, nil
}

// resealHashKeys seals the hash keys under to: the stored ones when there
// are (read in the rotation's transaction), else k's own.
func (k Keys) resealHashKeys(stored []byte, from, to *Sealer) ([]byte, error) {
	h := k.hash
	if stored != nil {
		plain, err := from.Open(stored, hashKeysContext)
		if err != nil {
			return nil, fmt.Errorf("hash keys: %w", err)
		}
		defer clear(plain)
		return to.Seal(plain, hashKeysContext), nil
	}
	plain := make([]byte, 0, len(h)*MasterKeySize)
	for _, b := range h {
		plain = append(plain, b...)
	}
	defer clear(plain)
	return to.Seal(plain, hashKeysContext), nil
}

// openAny opens a sealed private key under the keyset's key or a
// previous one.
func (k *Keyset) openAny(kid string, sealed []byte) ([]byte, error) {
	plain, err := openKey(k.encKey, kid, sealed)
	for _, prev := range k.prevEnc {
		if err == nil {
			break
		}
		plain, err = openKey(prev, kid, sealed)
	}
	return plain, err
}

// Purposes of the Stable subkeys.
const (
	// PurposePairwiseSubject keys the pairwise subject identifiers of OIDC
	// Core §8.1 (the salt of its construction).
	PurposePairwiseSubject = "tokenmint pairwise subject v1"
	// PurposeSessionID keys the sid claim that names a login session to
	// relying parties (OIDC Back-Channel Logout 1.0 §2.1).
	PurposeSessionID = "tokenmint session id v1"
)

// Stable returns the subkey for purpose of values that relying parties
// keep and that must therefore outlive a master key rotation: pairwise
// subject identifiers and session IDs. It is derived (HKDF-SHA256) from
// the token hash key, which rotations carry over, never from the current
// master key.
func (k Keys) Stable(purpose string) []byte {
	out, err := hkdf.Key(sha256.New, k.hash[1], nil, purpose, MasterKeySize)
	if err != nil {
		// HKDF-SHA256 can expand to 255*32 bytes; 32 cannot fail.
		panic("token: hkdf: " + err.Error())
	}
	return out
}
