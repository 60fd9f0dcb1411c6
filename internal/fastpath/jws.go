package fastpath

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// JWSSigner signs compact JWS (RFC 7515 §7.1) with a fixed protected
// header {"alg","kid","typ"}, calling the standard library's signature
// primitives directly. go-jose produces the same bytes (TestJWSSigner)
// but spends JSON and buffers around the primitive on every token. This
// type only serialises: the signatures are crypto/ecdsa, crypto/ed25519
// and crypto/rsa, the encodings those of RFC 7518 §3.3 (RS256), §3.4
// (ES256: R and S as two 32-byte big-endian integers) and RFC 8037 §3.1
// (EdDSA). It is safe for concurrent use.
type JWSSigner struct {
	prefix string // base64url(protected header) + "."
	sigLen int    // length of a signature
	sign   func(signingInput []byte) ([]byte, error)
}

// NewJWSSigner returns a signer for alg ("ES256", "RS256" or "EdDSA")
// with priv, writing kid and typ into the protected header.
func NewJWSSigner(alg, kid, typ string, priv crypto.Signer) (*JWSSigner, error) {
	hdr, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{alg, kid, typ})
	if err != nil {
		return nil, fmt.Errorf("marshal header: %w", err)
	}
	s := &JWSSigner{prefix: base64.RawURLEncoding.EncodeToString(hdr) + "."}
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		s.sigLen, s.sign = 64, func(in []byte) ([]byte, error) { return signES256(k, in) }
	case ed25519.PrivateKey:
		s.sigLen, s.sign = ed25519.SignatureSize, func(in []byte) ([]byte, error) { return ed25519.Sign(k, in), nil }
	case *rsa.PrivateKey:
		s.sigLen, s.sign = k.Size(), func(in []byte) ([]byte, error) {
			d := sha256.Sum256(in)
			return rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
		}
	default:
		return nil, fmt.Errorf("no JWS signer for key type %T", priv)
	}
	return s, nil
}

// signES256 signs per RFC 7518 §3.4: SHA-256, then R||S, each left-padded
// to 32 bytes.
func signES256(k *ecdsa.PrivateKey, in []byte) ([]byte, error) {
	d := sha256.Sum256(in)
	r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

// Sign returns header.payload.signature for payload.
func (s *JWSSigner) Sign(payload []byte) (string, error) {
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(s.prefix)+enc.EncodedLen(len(payload))+1+enc.EncodedLen(s.sigLen))
	buf = append(buf, s.prefix...)
	buf = enc.AppendEncode(buf, payload)
	sig, err := s.sign(buf)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return string(buf), nil
}
