package dpop_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/dpop/dpoptest"
)

func ptr[T any](v T) *T { return &v }

func jwkJSON(k *dpoptest.Key) string {
	pub := k.Public()
	b, err := pub.MarshalJSON()
	if err != nil {
		panic(err)
	}
	return string(b)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func payload(now time.Time) string {
	return fmt.Sprintf(`{"jti":"j1","htm":"POST","htu":%q,"iat":%d}`, tokenURL, now.Unix())
}

// unsigned is a JWS with header h and an empty signature (alg none).
func unsigned(h string, now time.Time) string {
	return b64(h) + "." + b64(payload(now)) + "."
}

// hs256 MACs a proof with the bytes of k's public JWK as the HMAC key:
// the key confusion attack, which alg HS256 must never allow.
func hs256(k *dpoptest.Key, now time.Time) string {
	jwk := jwkJSON(k)
	input := b64(`{"typ":"dpop+jwt","alg":"HS256","jwk":`+jwk+`}`) + "." + b64(payload(now))
	m := hmac.New(sha256.New, []byte(jwk))
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func jtiOf(t *testing.T, proof string) string {
	t.Helper()
	p, err := base64.RawURLEncoding.DecodeString(strings.Split(proof, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ JTI string }
	if err := json.Unmarshal(p, &c); err != nil {
		t.Fatal(err)
	}
	return c.JTI
}

var errDown = errors.New("replay store down")

type failing struct{}

func (failing) UseOnce(context.Context, string, time.Time, time.Time) error { return errDown }
