package servertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/token"
)

// Issuer is an external OpenID issuer for workload identity tests: an
// httptest server (plain http on a loopback address, so the tokenmint
// under test needs --allow-private-fetch) answering its discovery
// document and its JWK Set, and signing JWTs as a CI system or a
// Kubernetes cluster does, with an ES256 key.
type Issuer struct {
	URL        string
	KeyFetches atomic.Int64 // fetches of the JWK Set

	clock *Clock
	mu    sync.Mutex
	key   *ecdsa.PrivateKey
	kid   string
	keys  []jose.JSONWebKey // published
}

// NewIssuer starts an issuer whose JWT times follow clock.
func NewIssuer(tb testing.TB, clock *Clock) *Issuer {
	tb.Helper()
	is := &Issuer{clock: clock}
	is.Rotate(tb, true)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"issuer": is.URL, "jwks_uri": is.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"ES256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		is.KeyFetches.Add(1)
		is.mu.Lock()
		set := jose.JSONWebKeySet{Keys: is.keys}
		is.mu.Unlock()
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Header().Set("Cache-Control", "max-age=3600")
		json.NewEncoder(w).Encode(set)
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	is.URL = srv.URL
	return is
}

// Rotate makes a new signing key; publish says whether the JWK Set
// shows it (else it is a key the issuer signs with that nobody trusts).
func (is *Issuer) Rotate(tb testing.TB, publish bool) {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.key, is.kid = k, token.NewID()[:12]
	if publish {
		is.keys = append([]jose.JSONWebKey{{Key: &k.PublicKey, KeyID: is.kid, Algorithm: "ES256", Use: "sig"}}, is.keys...)
	}
}

// Claims returns the claims of a typical workload JWT: iss, sub, aud, a
// fresh jti, iat and nbf now and exp ten minutes later by the clock.
func (is *Issuer) Claims(sub, aud string) map[string]any {
	now := is.clock.Now()
	return map[string]any{"iss": is.URL, "sub": sub, "aud": aud, "jti": token.NewID(),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
}

// Sign signs claims with the issuer's current key, as ES256 with its kid.
func (is *Issuer) Sign(tb testing.TB, claims map[string]any) string {
	tb.Helper()
	is.mu.Lock()
	key, kid := is.key, is.kid
	is.mu.Unlock()
	return SignJWT(tb, key, "ES256", kid, claims)
}

// SignJWT signs claims as a compact JWS of alg with key (an HMAC key is
// a []byte), with kid in the header when not "".
func SignJWT(tb testing.TB, key any, alg, kid string, claims map[string]any) string {
	tb.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		tb.Fatalf("signer: %v", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
