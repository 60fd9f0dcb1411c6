package rs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/rs"
)

// An API whose routes need scopes. In production Issuer is tokenmint's
// issuer URL; here a stand-in publishes metadata and a JWK Set and signs
// a token, so that the example runs on its own.
func Example() {
	issuer := startIssuer()
	defer issuer.Close()

	m, err := rs.New(rs.Config{
		Issuer:   issuer.URL,
		Audience: []string{"https://api.example.com"},
		// To accept opaque tokens too, the API's own client credentials:
		// ClientID: "api", ClientSecret: rs.Secret(os.Getenv("API_SECRET")),
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /things", m.Require("things:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := rs.ClaimsFrom(r.Context())
		fmt.Fprintf(w, "things of %s for %s", c.Subject, c.ClientID)
	})))
	mux.Handle("POST /things", m.Require("things:write")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})))
	api := httptest.NewServer(mux)
	defer api.Close()

	tok := issuer.token("alice", "things:read")
	for _, method := range []string{"GET", "POST"} {
		req, _ := http.NewRequest(method, api.URL+"/things", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"), strings.TrimSpace(string(body)))
	}
	// Output:
	// 200  things of alice for app
	// 403 Bearer realm="https://api.example.com", error="insufficient_scope", error_description="the access token lacks the scope things:write", scope="things:write" {"error":"insufficient_scope","error_description":"the access token lacks the scope things:write"}
}

// A handler that checks the token itself, to answer in its own way.
func ExampleMiddleware_Authenticate() {
	issuer := startIssuer()
	defer issuer.Close()
	m, err := rs.New(rs.Config{Issuer: issuer.URL, Audience: []string{"https://api.example.com"}})
	if err != nil {
		panic(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := m.Authenticate(w, r, "things:read")
		if err != nil {
			m.WriteError(w, err) // RFC 6750 §3: status, WWW-Authenticate
			return
		}
		fmt.Fprintf(w, "hello %s, scopes %v", c.Subject, c.Scopes)
	})
	for _, auth := range []string{"", "Bearer " + issuer.token("bob", "things:read profile")} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "https://api.example.com/things", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		h.ServeHTTP(w, r)
		fmt.Printf("%d %v %q\n", w.Code, w.Header().Values("WWW-Authenticate"), w.Body.String())
	}
	// Output:
	// 401 [Bearer realm="https://api.example.com" DPoP realm="https://api.example.com", algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA"] ""
	// 200 [] "hello bob, scopes [things:read profile]"
}

// exampleIssuer stands in for tokenmint in the examples: RFC 8414
// metadata, a JWK Set, and RFC 9068 access tokens signed with ES256.
type exampleIssuer struct {
	*httptest.Server
	key *ecdsa.PrivateKey
}

func startIssuer() *exampleIssuer {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	is := &exampleIssuer{key: k}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": is.URL, "jwks_uri": is.URL + "/jwks"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	is.Server = httptest.NewServer(mux)
	return is
}

func (is *exampleIssuer) token(sub, scope string) string {
	s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: is.key}, (&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", "k1"))
	now := time.Now()
	payload, _ := json.Marshal(map[string]any{"iss": is.URL, "sub": sub, "aud": "https://api.example.com", "client_id": "app",
		"scope": scope, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "example"})
	obj, _ := s.Sign(payload)
	raw, _ := obj.CompactSerialize()
	return raw
}
