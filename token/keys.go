package token

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
)

// minRSABits is the smallest RSA modulus tokenmint generates or accepts
// (RFC 7518 §3.3 requires 2048).
const minRSABits = 2048

// knownAlg reports whether tokenmint signs with alg.
func knownAlg(alg string) bool {
	switch alg {
	case tokenmint.AlgES256, tokenmint.AlgRS256, tokenmint.AlgEdDSA:
		return true
	}
	return false
}

// generatePrivateKey returns a fresh key for alg: P-256 for ES256 (RFC 7518
// §3.4), RSA of rsaBits for RS256 (§3.3), Ed25519 for EdDSA (RFC 8037).
func generatePrivateKey(alg string, rsaBits int) (crypto.Signer, error) {
	switch alg {
	case tokenmint.AlgES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case tokenmint.AlgRS256:
		return rsa.GenerateKey(rand.Reader, rsaBits)
	case tokenmint.AlgEdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("unsupported signing algorithm %q", alg)
}

// checkKeyType reports whether key is the right kind of private key for
// alg, so that a record cannot make an RS256 entry hold an EC key.
func checkKeyType(alg string, key any) error {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		if alg == tokenmint.AlgES256 && k.Curve == elliptic.P256() {
			return nil
		}
	case *rsa.PrivateKey:
		if alg == tokenmint.AlgRS256 && k.N.BitLen() >= minRSABits {
			return nil
		}
	case ed25519.PrivateKey:
		if alg == tokenmint.AlgEdDSA && len(k) == ed25519.PrivateKeySize {
			return nil
		}
	}
	return fmt.Errorf("key of type %T does not fit alg %s", key, alg)
}

// newSigningKey generates a key for alg and returns its record: the public
// JWK in clear, the private JWK sealed under encKey with the kid bound as
// additional data.
func newSigningKey(alg string, rsaBits int, encKey []byte, now time.Time) (tokenmint.SigningKey, error) {
	priv, err := generatePrivateKey(alg, rsaBits)
	if err != nil {
		return tokenmint.SigningKey{}, fmt.Errorf("generate %s key: %w", alg, err)
	}
	kid := NewID()
	pub, err := publicJWK(kid, alg, priv.Public()).MarshalJSON()
	if err != nil {
		return tokenmint.SigningKey{}, fmt.Errorf("marshal public key: %w", err)
	}
	privJSON, err := jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: alg, Use: "sig"}.MarshalJSON()
	if err != nil {
		return tokenmint.SigningKey{}, fmt.Errorf("marshal private key: %w", err)
	}
	defer clear(privJSON)
	sealed, err := sealKey(encKey, kid, privJSON)
	if err != nil {
		return tokenmint.SigningKey{}, err
	}
	return tokenmint.SigningKey{ID: kid, Alg: alg, PublicJWK: pub, PrivateEnc: sealed, CreatedAt: now}, nil
}

// publicJWK is the JWK published for a key (RFC 7517 §4).
func publicJWK(kid, alg string, pub crypto.PublicKey) jose.JSONWebKey {
	return jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"}
}

// openSigningKey decrypts and checks the private key of a record.
func openSigningKey(encKey []byte, rec tokenmint.SigningKey) (crypto.Signer, error) {
	plain, err := openKey(encKey, rec.ID, rec.PrivateEnc)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(plain); err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	if jwk.KeyID != rec.ID || jwk.IsPublic() {
		return nil, errors.New("sealed key does not belong to this record")
	}
	if err := checkKeyType(rec.Alg, jwk.Key); err != nil {
		return nil, err
	}
	return jwk.Key.(crypto.Signer), nil
}

// sealKey encrypts a private JWK with AES-256-GCM under a random 96-bit
// nonce (prefixed to the output), binding kid as additional data so that
// a sealed key cannot be moved to another record.
func sealKey(encKey []byte, kid string, plain []byte) ([]byte, error) {
	aead, err := newKeyAEAD(encKey)
	if err != nil {
		return nil, err
	}
	return aead.Seal(nil, nil, plain, []byte(kid)), nil
}

func openKey(encKey []byte, kid string, sealed []byte) ([]byte, error) {
	aead, err := newKeyAEAD(encKey)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, nil, sealed, []byte(kid))
	if err != nil {
		return nil, fmt.Errorf("decrypt private key (wrong master key, or a corrupted record): %w", err)
	}
	return plain, nil
}

func newKeyAEAD(encKey []byte) (cipher.AEAD, error) {
	if len(encKey) != 32 {
		return nil, fmt.Errorf("key encryption key is %d bytes, want 32", len(encKey))
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("key encryption cipher: %w", err)
	}
	return cipher.NewGCMWithRandomNonce(block)
}
