package token

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
)

// MaxClientKeys bounds the keys of a client's JWK Set.
const MaxClientKeys = 100

// ErrClientJWKS is wrapped by every error about a client's JWK Set.
var ErrClientJWKS = errors.New("invalid JWK Set")

// privateMembers are the JWK members (RFC 7518 §6.2.2, §6.3.2, §6.4;
// RFC 8037 §2) that carry private or symmetric key material.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// ParseClientJWKS reads a client's JWK Set (RFC 7517 §5): at most
// tokenmint.MaxJWKSBytes and MaxClientKeys keys, public keys only. A
// member of private or symmetric key material (d, p, q, dp, dq, qi, oth,
// k) is refused, never ignored: such a set leaks the client's key and
// must not be stored. Every key must be one an assertion can be verified
// with: RSA of at least 2048 bits, EC on P-256, P-384 or P-521, or
// Ed25519.
//
// strict (a set given at registration) refuses a key it cannot use and
// two keys with one kid; otherwise (a set fetched from a jwks_uri, which
// may also hold keys for other uses) those keys are left out, as RFC
// 7517 §5 asks of "kty" values not understood. A private member is
// refused either way.
func ParseClientJWKS(data []byte, strict bool) (*jose.JSONWebKeySet, error) {
	if len(data) > tokenmint.MaxJWKSBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrClientJWKS, tokenmint.MaxJWKSBytes)
	}
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil || raw.Keys == nil || dec.More() {
		return nil, fmt.Errorf("%w: want a JSON object with a \"keys\" array (RFC 7517 §5)", ErrClientJWKS)
	}
	if len(raw.Keys) > MaxClientKeys {
		return nil, fmt.Errorf("%w: more than %d keys", ErrClientJWKS, MaxClientKeys)
	}
	set := &jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(raw.Keys))}
	kids := map[string]bool{}
	for i, r := range raw.Keys {
		k, err := parseClientJWK(r)
		if errors.Is(err, errPrivateMember) {
			return nil, fmt.Errorf("%w: key %d: %w", ErrClientJWKS, i, err)
		}
		if err == nil && k.KeyID != "" && kids[k.KeyID] {
			err = fmt.Errorf("kid %q is given twice", truncate(k.KeyID))
		}
		if err != nil {
			if strict {
				return nil, fmt.Errorf("%w: key %d: %w", ErrClientJWKS, i, err)
			}
			continue
		}
		kids[k.KeyID] = true
		set.Keys = append(set.Keys, k)
	}
	if strict && len(set.Keys) == 0 {
		return nil, fmt.Errorf("%w: no key", ErrClientJWKS)
	}
	return set, nil
}

var errPrivateMember = errors.New("a JWK Set for a client's authentication holds public keys only")

func parseClientJWK(raw json.RawMessage) (jose.JSONWebKey, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return jose.JSONWebKey{}, errors.New("not a JSON object")
	}
	for _, m := range privateMembers {
		if _, ok := members[m]; ok {
			return jose.JSONWebKey{}, fmt.Errorf("%w: it has the private or symmetric member %q", errPrivateMember, m)
		}
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(raw); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("not a JWK tokenmint can read: %w", err)
	}
	if !k.IsPublic() || !k.Valid() {
		return jose.JSONWebKey{}, errPrivateMember
	}
	if k.Use != "" && k.Use != "sig" {
		return jose.JSONWebKey{}, fmt.Errorf("use %q: an assertion key has use sig, or none", truncate(k.Use))
	}
	return k, checkVerificationKey(k)
}

// checkVerificationKey refuses a key no assertion algorithm tokenmint
// accepts can be verified with, and a key whose alg says otherwise.
func checkVerificationKey(k jose.JSONWebKey) error {
	algs := KeyAlgs(k.Key)
	if len(algs) == 0 {
		return fmt.Errorf("a %T cannot verify assertions (RSA of 2048 bits or more, EC P-256, P-384 or P-521, or Ed25519)", k.Key)
	}
	if k.Algorithm != "" && !contains(algs, k.Algorithm) {
		return fmt.Errorf("alg %q does not fit the key", truncate(k.Algorithm))
	}
	return nil
}

// KeyAlgs returns the JWS algorithms (RFC 7518 §3.1, RFC 8037 §3.1) a
// public key verifies for a client's assertion: none for a key too weak
// or of another kind.
func KeyAlgs(pub any) []string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() >= minRSABits {
			return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
		}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return []string{"ES256"}
		case elliptic.P384():
			return []string{"ES384"}
		case elliptic.P521():
			return []string{"ES512"}
		}
	case ed25519.PublicKey:
		return []string{"EdDSA"}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
