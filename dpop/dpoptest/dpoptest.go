// Package dpoptest makes DPoP proofs (RFC 9449 §4.2) for tests: of the
// server, of package rs, and of anything that verifies proofs. It signs
// with go-jose; every claim and header can be overridden, so that tests
// can build the hostile proofs a verifier must refuse.
package dpoptest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/dpop"
)

// Key is a client's DPoP key pair.
type Key struct {
	Signer crypto.Signer
	Alg    jose.SignatureAlgorithm
}

// NewKey returns a fresh P-256 key for ES256.
func NewKey() *Key {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return &Key{Signer: k, Alg: jose.ES256}
}

// Public is the key's public JWK.
func (k *Key) Public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.Signer.Public(), Algorithm: string(k.Alg)}
}

// JKT is the key's RFC 7638 thumbprint, as a token's cnf carries it.
func (k *Key) JKT() string {
	pub := k.Public()
	jkt, err := dpop.Thumbprint(&pub)
	if err != nil {
		panic(err)
	}
	return jkt
}

// Options adjust a proof. Zero values take the defaults: a random jti,
// iat now, typ dpop+jwt, the key's public JWK in the header.
type Options struct {
	AccessToken string // sets ath
	Nonce       string
	IssuedAt    time.Time
	JTI         string
	Typ         string
	// Claims are merged over the standard claims (a nil value deletes
	// one).
	Claims map[string]any
	// JWK replaces the header's jwk (a private key, for a hostile test).
	JWK *jose.JSONWebKey
}

// Proof signs a proof for method and url.
func (k *Key) Proof(method, url string, o Options) string {
	claims := map[string]any{"jti": o.JTI, "htm": method, "htu": url, "iat": o.IssuedAt.Unix()}
	if o.JTI == "" {
		claims["jti"] = randomID()
	}
	if o.IssuedAt.IsZero() {
		claims["iat"] = time.Now().Unix()
	}
	if o.AccessToken != "" {
		claims["ath"] = dpop.AccessTokenHash(o.AccessToken)
	}
	if o.Nonce != "" {
		claims["nonce"] = o.Nonce
	}
	for name, v := range o.Claims {
		if v == nil {
			delete(claims, name)
		} else {
			claims[name] = v
		}
	}
	return k.Sign(claims, o)
}

// Sign signs any payload as a proof would be signed (typ and jwk headers
// per o).
func (k *Key) Sign(payload any, o Options) string {
	jwk := k.Public()
	if o.JWK != nil {
		jwk = *o.JWK
	}
	typ := o.Typ
	if typ == "" {
		typ = dpop.TypeProof
	}
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("jwk", jwk)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.Alg, Key: k.Signer}, opts)
	if err != nil {
		panic(err)
	}
	b, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	obj, err := s.Sign(b)
	if err != nil {
		panic(err)
	}
	raw, err := obj.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return raw
}

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
