package token

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
)

// jwkJSON is the JSON of a JWK of key (public or private) with kid and alg.
func jwkJSON(t *testing.T, key any, kid, alg string) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func setOf(keys ...string) []byte { return []byte(`{"keys":[` + strings.Join(keys, ",") + `]}`) }

func TestParseClientJWKS(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	ecPub := jwkJSON(t, &ec.PublicKey, "ec", "")
	cases := []struct {
		name    string
		data    []byte
		strict  bool
		keys    int    // keys kept when ok
		wantErr string // "" for ok
	}{
		{"EC, Ed25519 and RSA", setOf(ecPub, jwkJSON(t, edPub, "ed", "EdDSA"), jwkJSON(t, &rsaKey.PublicKey, "rsa", "PS256"), jwkJSON(t, &ec384.PublicKey, "ec384", "ES384")), true, 4, ""},
		{"no kid", setOf(jwkJSON(t, &ec.PublicKey, "", "")), true, 1, ""},
		{"use sig", []byte(`{"keys":[` + strings.Replace(ecPub, `{`, `{"use":"sig",`, 1) + `]}`), true, 1, ""},
		{"private EC key", setOf(jwkJSON(t, ec, "ec", "")), true, 0, `private or symmetric member "d"`},
		{"private EC key, lenient", setOf(ecPub, jwkJSON(t, ec, "ec2", "")), false, 0, `member "d"`},
		{"private Ed25519 key", setOf(jwkJSON(t, edPriv, "ed", "")), true, 0, `member "d"`},
		{"private RSA key", setOf(jwkJSON(t, rsaKey, "rsa", "")), false, 0, `member "d"`},
		{"symmetric key", setOf(`{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI","kid":"h"}`), false, 0, `member "k"`},
		{"weak RSA", setOf(jwkJSON(t, &weak.PublicKey, "w", "")), true, 0, "cannot verify assertions"},
		{"weak RSA, lenient", setOf(ecPub, jwkJSON(t, &weak.PublicKey, "w", "")), false, 1, ""},
		{"unknown kty", setOf(`{"kty":"XYZ","kid":"x"}`), true, 0, "not a JWK"},
		{"unknown kty, lenient", setOf(ecPub, `{"kty":"XYZ","kid":"x"}`), false, 1, ""},
		{"alg of another key type", setOf(jwkJSON(t, &ec.PublicKey, "ec", "RS256")), true, 0, "does not fit"},
		{"HS256 alg on a public key", setOf(strings.Replace(ecPub, `{`, `{"alg":"HS256",`, 1)), true, 0, "does not fit"},
		{"use enc", setOf(strings.Replace(ecPub, `{`, `{"use":"enc",`, 1)), true, 0, "use"},
		{"duplicate kid", setOf(ecPub, ecPub), true, 0, "given twice"},
		{"duplicate kid, lenient", setOf(ecPub, ecPub), false, 1, ""},
		{"empty set", []byte(`{"keys":[]}`), true, 0, "no key"},
		{"empty set, lenient", []byte(`{"keys":[]}`), false, 0, ""},
		{"no keys member", []byte(`{}`), true, 0, "keys"},
		{"an array", []byte(`[` + ecPub + `]`), true, 0, "keys"},
		{"a single JWK", []byte(ecPub), true, 0, "keys"},
		{"trailing data", append(setOf(ecPub), []byte(` {}`)...), true, 0, "keys"},
		{"too large", append(setOf(ecPub), bytes.Repeat([]byte(" "), tokenmint.MaxJWKSBytes)...), true, 0, "larger than"},
		{"too many keys", setOf(strings.Split(strings.Repeat(ecPub+"\x00", MaxClientKeys+1), "\x00")[:MaxClientKeys+1]...), false, 0, "more than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set, err := ParseClientJWKS(tc.data, tc.strict)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrClientJWKS) {
					t.Fatalf("error = %v, want one wrapping ErrClientJWKS and containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v", err)
			}
			if len(set.Keys) != tc.keys {
				t.Fatalf("%d keys kept, want %d", len(set.Keys), tc.keys)
			}
			for _, k := range set.Keys {
				if !k.IsPublic() {
					t.Fatalf("a private key was kept: %s", k.KeyID)
				}
			}
		})
	}
}

func TestSealer(t *testing.T) {
	mk := GenerateMasterKey()
	s := MustSealer(mk.Derive(PurposeSecretEncryption))
	sealed := s.Seal([]byte("tmcs_secret"), "client-a")
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("the sealed secret holds the plain text")
	}
	if again := s.Seal([]byte("tmcs_secret"), "client-a"); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one secret are equal: the nonce is not random")
	}
	plain, err := s.Open(sealed, "client-a")
	if err != nil || string(plain) != "tmcs_secret" {
		t.Fatalf("Open = %q, %v", plain, err)
	}
	if _, err := s.Open(sealed, "client-b"); err == nil {
		t.Fatal("a secret sealed for one client opened for another")
	}
	other := MustSealer(GenerateMasterKey().Derive(PurposeSecretEncryption))
	if _, err := other.Open(sealed, "client-a"); err == nil {
		t.Fatal("a secret opened under another master key")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s.Open(sealed, "client-a"); err == nil {
		t.Fatal("a corrupted secret opened")
	}
	if _, err := NewSealer(make([]byte, 16)); err == nil {
		t.Fatal("NewSealer took a 16-byte key")
	}
}

func TestGenerateLong(t *testing.T) {
	a, b := GenerateLong(PrefixClientSecret), GenerateLong(PrefixClientSecret)
	if a == b || !strings.HasPrefix(a, PrefixClientSecret) || len(a) != len(PrefixClientSecret)+64 {
		t.Fatalf("GenerateLong = %q, %q", a, b)
	}
}

// FuzzParseClientJWKS: whatever the input, the parser returns an error
// or a set of public keys, and never panics.
func FuzzParseClientJWKS(f *testing.F) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := json.Marshal(jose.JSONWebKey{Key: &ec.PublicKey, KeyID: "k"})
	priv, _ := json.Marshal(jose.JSONWebKey{Key: ec, KeyID: "k"})
	f.Add([]byte(`{"keys":[` + string(pub) + `]}`))
	f.Add([]byte(`{"keys":[` + string(priv) + `]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":""}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, strict := range []bool{true, false} {
			set, err := ParseClientJWKS(data, strict)
			if err != nil {
				continue
			}
			for _, k := range set.Keys {
				if !k.IsPublic() || len(KeyAlgs(k.Key)) == 0 {
					t.Fatalf("kept a key that is private or cannot verify: %+v", k)
				}
			}
		}
	})
}
