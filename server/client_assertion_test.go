package server_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// assertionForm is a form authenticated by a client assertion.
func assertionForm(assertion string, kv ...string) url.Values {
	f := url.Values{"client_assertion_type": {servertest.AssertionType}, "client_assertion": {assertion}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// keyClient is a private_key_jwt or client_secret_jwt client of a test
// and what it signs with.
type keyClient struct {
	servertest.Client
	key any // *ecdsa.PrivateKey, or the secret as []byte
	alg string
	kid string
}

func (k keyClient) assertion(t *testing.T, in *servertest.Instance, edit func(map[string]any)) string {
	t.Helper()
	return in.ClientAssertion(t, k.ID, k.key, k.alg, k.kid, edit)
}

func jwksOf(t *testing.T, keys ...jose.JSONWebKey) []byte {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newPrivateKeyJWTClient registers a private_key_jwt client with an
// inline JWK Set of one P-256 key.
func newPrivateKeyJWTClient(t *testing.T, in *servertest.Instance, scopes ...string) keyClient {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c := in.CreateClient(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, Scopes: scopes,
		JWKS: jwksOf(t, jose.JSONWebKey{Key: &k.PublicKey, KeyID: "k1", Use: "sig"})})
	return keyClient{Client: c, key: k, alg: "ES256", kid: "k1"}
}

func newSecretJWTClient(t *testing.T, in *servertest.Instance, scopes ...string) keyClient {
	t.Helper()
	c := in.CreateClient(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodSecretJWT, Scopes: scopes})
	return keyClient{Client: c, key: []byte(c.Secret), alg: "HS256"}
}

// TestClientAssertionEndpoints: private_key_jwt and client_secret_jwt
// clients get tokens (client_credentials), introspect and revoke them,
// each request with a fresh assertion whose aud is the issuer, the URL of
// the endpoint or the token endpoint's URL (RFC 7523 §3), through the
// real server.
func TestClientAssertionEndpoints(t *testing.T) {
	in := servertest.Start(t)
	for name, c := range map[string]keyClient{
		"private_key_jwt":   newPrivateKeyJWTClient(t, in, "api"),
		"client_secret_jwt": newSecretJWTClient(t, in, "api"),
	} {
		t.Run(name, func(t *testing.T) {
			for _, aud := range []string{"issuer", "endpoint", "token endpoint"} {
				a := func(path string) string {
					return c.assertion(t, in, func(m map[string]any) {
						switch aud {
						case "endpoint":
							m["aud"] = in.Config.Issuer + path
						case "token endpoint":
							m["aud"] = []string{in.Config.Issuer + "/oauth2/token"}
						}
					})
				}
				status, _, body := post(t, in.URL+"/oauth2/token", assertionForm(a("/oauth2/token"), "grant_type", "client_credentials", "scope", "api"), "", "")
				if status != http.StatusOK || body["access_token"] == nil {
					t.Fatalf("aud %s: token: %d %v", aud, status, body)
				}
				tok := body["access_token"].(string)
				status, _, body = post(t, in.URL+"/oauth2/introspect", assertionForm(a("/oauth2/introspect"), "token", tok), "", "")
				if status != http.StatusOK || body["active"] != true || body["client_id"] != c.ID {
					t.Fatalf("aud %s: introspect: %d %v", aud, status, body)
				}
				status, _, _ = post(t, in.URL+"/oauth2/revoke", assertionForm(a("/oauth2/revoke"), "token", tok), "", "")
				if status != http.StatusOK {
					t.Fatalf("aud %s: revoke: %d", aud, status)
				}
				_, _, body = post(t, in.URL+"/oauth2/introspect", assertionForm(a("/oauth2/introspect"), "token", tok), "", "")
				if body["active"] != false {
					t.Fatalf("aud %s: the revoked token introspects %v", aud, body)
				}
			}
			// client_id in the body, naming the same client, is allowed
			// (RFC 7521 §4.2).
			status, _, body := post(t, in.URL+"/oauth2/token", assertionForm(c.assertion(t, in, nil), "grant_type", "client_credentials", "client_id", c.ID), "", "")
			if status != http.StatusOK {
				t.Fatalf("with client_id: %d %v", status, body)
			}
		})
	}
}

// TestClientAssertionHostile: every assertion that must not authenticate
// a client is refused with 401 invalid_client (no Basic challenge: the
// client did not try Basic), and a request mixing methods with 400
// invalid_request.
func TestClientAssertionHostile(t *testing.T) {
	in := servertest.Start(t)
	pk := newPrivateKeyJWTClient(t, in, "api")
	other := newPrivateKeyJWTClient(t, in)
	sj := newSecretJWTClient(t, in)
	basic := in.CreateClient(t, registry.ClientSpec{Scopes: []string{"api"}})
	now := in.Clock.Now()

	// A private_key_jwt client whose jwks_uri is on a loopback address:
	// refused without --allow-private-fetch, by IP and by name, and so is
	// a first hop that would redirect (the redirect itself is tested in
	// package jwksfetch, with a stand-in for a public first hop).
	var fetched atomic.Int64
	keys := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "https://10.0.0.1/jwks", http.StatusFound)
			return
		}
		w.Write(jwksOf(t, jose.JSONWebKey{Key: &pk.key.(*ecdsa.PrivateKey).PublicKey, KeyID: "k1"}))
	}))
	defer keys.Close()
	port := keys.URL[strings.LastIndex(keys.URL, ":")+1:]
	uriClient := func(uri string) keyClient {
		c := in.CreateClient(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKSURI: uri})
		return keyClient{Client: c, key: pk.key, alg: "ES256", kid: "k1"}
	}
	loopback := uriClient(keys.URL + "/jwks")
	byName := uriClient("https://localhost:" + port + "/jwks")
	redirecting := uriClient("https://localhost:" + port + "/redirect")
	metadata := uriClient("https://169.254.169.254/latest/jwks")
	plain := uriClient("http://partner.example/jwks")

	replayed := pk.assertion(t, in, nil)
	if s, _, b := post(t, in.URL+"/oauth2/token", assertionForm(replayed, "grant_type", "client_credentials"), "", ""); s != http.StatusOK {
		t.Fatalf("first use: %d %v", s, b)
	}
	ecPub, _ := json.Marshal(jose.JSONWebKey{Key: &pk.key.(*ecdsa.PrivateKey).PublicKey, KeyID: "k1"})
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	alg := func(key any, a string) string { return in.ClientAssertion(t, pk.ID, key, a, "k1", nil) }
	edit := func(f func(m map[string]any)) string { return pk.assertion(t, in, f) }
	none := func() string {
		h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
		p, _ := json.Marshal(map[string]any{"iss": pk.ID, "sub": pk.ID, "aud": in.Config.Issuer, "jti": "n1", "exp": now.Add(time.Minute).Unix()})
		return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "."
	}

	for _, tc := range []struct {
		name, assertion string
	}{
		{"a replayed jti", replayed},
		{"an assertion for another audience", edit(func(m map[string]any) { m["aud"] = "https://other-server.example" })},
		{"the URL of an endpoint that takes no assertion as aud", edit(func(m map[string]any) { m["aud"] = in.Config.Issuer + "/oauth2/authorize" })},
		{"the token endpoint of another server as aud", edit(func(m map[string]any) { m["aud"] = "https://other-server.example/oauth2/token" })},
		{"the issuer with a trailing slash", edit(func(m map[string]any) { m["aud"] = in.Config.Issuer + "/" })},
		{"alg none", none()},
		{"HS256 keyed with the public key (alg confusion)", alg(ecPub, "HS256")},
		{"HS256 with a guessed key", alg([]byte(strings.Repeat("x", 32)), "HS256")},
		{"an expired assertion", edit(func(m map[string]any) { m["exp"] = now.Add(-2 * time.Minute).Unix() })},
		{"no exp", edit(func(m map[string]any) { delete(m, "exp") })},
		{"exp too far ahead", edit(func(m map[string]any) { m["exp"] = now.Add(time.Hour).Unix() })},
		{"iat in the future", edit(func(m map[string]any) { m["iat"] = now.Add(10 * time.Minute).Unix() })},
		{"nbf in the future", edit(func(m map[string]any) { m["nbf"] = now.Add(10 * time.Minute).Unix() })},
		{"no jti", edit(func(m map[string]any) { delete(m, "jti") })},
		{"iss and sub differ", edit(func(m map[string]any) { m["sub"] = other.ID })},
		{"iss another client's", edit(func(m map[string]any) { m["iss"], m["sub"] = other.ID, other.ID })},
		{"an unknown kid", in.ClientAssertion(t, pk.ID, pk.key, "ES256", "k-unknown", nil)},
		{"a key of another client", in.ClientAssertion(t, pk.ID, other.key, "ES256", "k1", nil)},
		{"RS256, which the client did not register", alg(rsaKey, "RS256")},
		{"EdDSA with a key not registered", alg(edKey, "EdDSA")},
		{"an unknown client", in.ClientAssertion(t, "nobody", pk.key, "ES256", "k1", nil)},
		{"an assertion of a client_secret_basic client", in.ClientAssertion(t, basic.ID, []byte(basic.Secret+strings.Repeat("x", 16)), "HS256", "", nil)},
		{"client_secret_jwt with a wrong secret", in.ClientAssertion(t, sj.ID, []byte(strings.Repeat("w", 64)), "HS256", "", nil)},
		{"client_secret_jwt with another client's secret", in.ClientAssertion(t, sj.ID, []byte(basic.Secret), "HS256", "", nil)},
		{"jwks_uri on a loopback address", loopback.assertion(t, in, nil)},
		{"jwks_uri naming localhost", byName.assertion(t, in, nil)},
		{"jwks_uri redirecting to a private address", redirecting.assertion(t, in, nil)},
		{"jwks_uri on the cloud metadata address", metadata.assertion(t, in, nil)},
		{"jwks_uri over plain http", plain.assertion(t, in, nil)},
		{"not a JWT", "eyJhbGciOiJFUzI1NiJ9.not-json.sig"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, ep := range []struct{ path, extra string }{{"/oauth2/token", "grant_type"}, {"/oauth2/introspect", "token"}, {"/oauth2/revoke", "token"}} {
				form := assertionForm(tc.assertion, ep.extra, map[string]string{"grant_type": "client_credentials", "token": "tmat_x"}[ep.extra])
				status, h, body := post(t, in.URL+ep.path, form, "", "")
				if status != http.StatusUnauthorized || body["error"] != "invalid_client" || h.Get("WWW-Authenticate") != "" {
					t.Fatalf("%s: %d %v (WWW-Authenticate %q), want 401 invalid_client", ep.path, status, body, h.Get("WWW-Authenticate"))
				}
			}
		})
	}
	if n := fetched.Load(); n != 0 {
		t.Fatalf("the server fetched a private jwks_uri %d times", n)
	}

	t.Run("a secret for a private_key_jwt client", func(t *testing.T) {
		status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, pk.ID, "tmcs_guess")
		wantError(t, status, h, body, http.StatusUnauthorized, "invalid_client")
	})
	t.Run("the secret of a client_secret_jwt client sent as such", func(t *testing.T) {
		status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, sj.ID, sj.Secret)
		wantError(t, status, h, body, http.StatusUnauthorized, "invalid_client")
	})
	t.Run("an assertion and Basic at once", func(t *testing.T) {
		status, h, body := post(t, in.URL+"/oauth2/token", assertionForm(pk.assertion(t, in, nil), "grant_type", "client_credentials"), basic.ID, basic.Secret)
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_request")
	})
	t.Run("an assertion without its type", func(t *testing.T) {
		status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_assertion": {pk.assertion(t, in, nil)}}, "", "")
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_request")
	})
	t.Run("a SAML assertion type", func(t *testing.T) {
		form := assertionForm(pk.assertion(t, in, nil), "grant_type", "client_credentials")
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
		status, h, body := post(t, in.URL+"/oauth2/token", form, "", "")
		wantError(t, status, h, body, http.StatusUnauthorized, "invalid_client")
	})
}

// TestClientAssertionJWKSURI: with --allow-private-fetch, a
// private_key_jwt client's keys come from its jwks_uri (plain http on a
// loopback address, allowed for tests), cached, and fetched again when
// the client signs with a kid the cached set lacks, at most once a
// minute.
func TestClientAssertionJWKSURI(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) { c.AllowPrivateFetch = true })
	old, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rotated, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var mu sync.Mutex
	current := jwksOf(t, jose.JSONWebKey{Key: &old.PublicKey, KeyID: "old"})
	var fetches atomic.Int64
	keys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Write(current)
	}))
	defer keys.Close()
	c := in.CreateClient(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKSURI: keys.URL + "/jwks"})
	token := func(key *ecdsa.PrivateKey, kid string) int {
		status, _, _ := post(t, in.URL+"/oauth2/token", assertionForm(in.ClientAssertion(t, c.ID, key, "ES256", kid, nil), "grant_type", "client_credentials"), "", "")
		return status
	}
	if s := token(old, "old"); s != http.StatusOK || fetches.Load() != 1 {
		t.Fatalf("first token: %d, %d fetches", s, fetches.Load())
	}
	if s := token(old, "old"); s != http.StatusOK || fetches.Load() != 1 {
		t.Fatalf("cached: %d, %d fetches", s, fetches.Load())
	}
	mu.Lock()
	current = jwksOf(t, jose.JSONWebKey{Key: &rotated.PublicKey, KeyID: "new"}, jose.JSONWebKey{Key: &old.PublicKey, KeyID: "old"})
	mu.Unlock()
	if s := token(rotated, "new"); s != http.StatusUnauthorized || fetches.Load() != 1 {
		t.Fatalf("a new kid within a minute of the fetch: %d, %d fetches", s, fetches.Load())
	}
	in.Clock.Advance(61 * time.Second)
	if s := token(rotated, "new"); s != http.StatusOK || fetches.Load() != 2 {
		t.Fatalf("a new kid a minute later: %d, %d fetches", s, fetches.Load())
	}
	if s := token(rotated, "unknown"); s != http.StatusUnauthorized || fetches.Load() != 2 {
		t.Fatalf("an unknown kid right after: %d, %d fetches", s, fetches.Load())
	}
}

// TestClientAssertionReplayAcrossInstances: an assertion spent on one
// instance is refused on another sharing the database, on one SQLite file
// and on PostgreSQL; of concurrent uses of one assertion on both, one
// succeeds.
func TestClientAssertionReplayAcrossInstances(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			cfg := config.Default()
			cfg.Issuer = "https://auth.cluster.test"
			cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
			if backend == "postgres" {
				cfg.Database = storetest.PostgresDSN(t)
			}
			clock := servertest.NewClock()
			a := servertest.StartWithClock(t, clock, cfg)
			b := servertest.StartWithClock(t, clock, cfg)
			pk := newPrivateKeyJWTClient(t, a)
			token := func(in *servertest.Instance, assertion string) int {
				status, _, _ := post(t, in.URL+"/oauth2/token", assertionForm(assertion, "grant_type", "client_credentials"), "", "")
				return status
			}
			eventually(t, 2*time.Second, "the client reaching instance b", func() bool {
				return token(b, pk.assertion(t, b, nil)) == http.StatusOK
			})
			spent := pk.assertion(t, a, nil)
			if s := token(a, spent); s != http.StatusOK {
				t.Fatalf("on a: %d", s)
			}
			if s := token(b, spent); s != http.StatusUnauthorized {
				t.Fatalf("the replay on b: %d, want 401", s)
			}
			for range 3 {
				raced := pk.assertion(t, a, nil)
				var wg sync.WaitGroup
				statuses := make([]int, 8)
				for i := range statuses {
					wg.Add(1)
					go func() {
						defer wg.Done()
						statuses[i] = token([]*servertest.Instance{a, b}[i%2], raced)
					}()
				}
				wg.Wait()
				if n := len(slices.DeleteFunc(slices.Clone(statuses), func(s int) bool { return s != http.StatusOK })); n != 1 {
					t.Fatalf("%d of %d concurrent uses succeeded (%v), want 1", n, len(statuses), statuses)
				}
			}
		})
	}
}

// TestDiscoveryAdvertisesAssertions: both metadata documents list
// private_key_jwt and client_secret_jwt for the token, introspection and
// revocation endpoints, with the algorithms, never none.
func TestDiscoveryAdvertisesAssertions(t *testing.T) {
	in := servertest.Start(t)
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		status, _, m := get(t, in.URL+path)
		if status != http.StatusOK {
			t.Fatalf("%s: %d", path, status)
		}
		for _, ep := range []string{"token_endpoint", "introspection_endpoint", "revocation_endpoint"} {
			methods, _ := m[ep+"_auth_methods_supported"].([]any)
			for _, want := range []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt"} {
				if !slices.Contains(methods, any(want)) {
					t.Errorf("%s %s_auth_methods_supported = %v lacks %s", path, ep, methods, want)
				}
			}
			algs := toJSON(m[ep+"_auth_signing_alg_values_supported"])
			for _, want := range []string{`"ES256"`, `"PS256"`, `"EdDSA"`, `"RS256"`, `"HS256"`} {
				if !strings.Contains(algs, want) {
					t.Errorf("%s %s_auth_signing_alg_values_supported = %s lacks %s", path, ep, algs, want)
				}
			}
			if strings.Contains(strings.ToLower(algs), "none") {
				t.Errorf("%s advertises none: %s", path, algs)
			}
		}
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestRegisterAssertionClients: RFC 7591 registration of a
// private_key_jwt client (jwks inline, no secret in the answer) and of a
// client_secret_jwt one (a secret), each then getting a token with an
// assertion; a registration with a private key in its jwks is refused;
// an RFC 7592 update moves the first to a jwks_uri.
func TestRegisterAssertionClients(t *testing.T) {
	in := servertest.Start(t, withRegistration("open", "api"))
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	meta := func(method string, extra map[string]any) map[string]any {
		m := map[string]any{"client_name": "partner", "grant_types": []string{"client_credentials"}, "scope": "api",
			"token_endpoint_auth_method": method}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	pk := registerClient(t, in, "", meta("private_key_jwt", map[string]any{
		"jwks": json.RawMessage(jwksOf(t, jose.JSONWebKey{Key: &key.PublicKey, KeyID: "r1"})), "token_endpoint_auth_signing_alg": "ES256"}))
	if pk.Secret != "" || pk.Body["client_secret_expires_at"] != nil || pk.Body["token_endpoint_auth_method"] != "private_key_jwt" || pk.Body["jwks"] == nil {
		t.Fatalf("registered private_key_jwt client: %v", pk.Body)
	}
	sj := registerClient(t, in, "", meta("client_secret_jwt", nil))
	if !strings.HasPrefix(sj.Secret, "tmcs_") {
		t.Fatalf("registered client_secret_jwt client: %v", sj.Body)
	}
	token := func(assertion string) int {
		status, _, _ := post(t, in.URL+"/oauth2/token", assertionForm(assertion, "grant_type", "client_credentials"), "", "")
		return status
	}
	eventually(t, 2*time.Second, "the registered clients reaching the engine", func() bool {
		return token(in.ClientAssertion(t, pk.ID, key, "ES256", "r1", nil)) == http.StatusOK
	})
	if s := token(in.ClientAssertion(t, sj.ID, []byte(sj.Secret), "HS256", "", nil)); s != http.StatusOK {
		t.Fatalf("client_secret_jwt token: %d", s)
	}
	priv, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "r1"}}})
	status, _, body := jsonRequest(t, http.MethodPost, in.URL+"/oauth2/register", "", meta("private_key_jwt", map[string]any{"jwks": json.RawMessage(priv)}))
	if status != http.StatusBadRequest || body["error"] != "invalid_client_metadata" {
		t.Fatalf("a private key registered: %d %v", status, body)
	}
	update := meta("private_key_jwt", map[string]any{"client_id": pk.ID, "jwks_uri": "https://partner.example/jwks"})
	status, _, body = jsonRequest(t, http.MethodPut, pk.URI, pk.AccessToken, update)
	if status != http.StatusOK || body["jwks_uri"] != "https://partner.example/jwks" || body["jwks"] != nil {
		t.Fatalf("RFC 7592 update to a jwks_uri: %d %v", status, body)
	}
}

// TestClientAssertionAtEPC: the EPC dialect reads the standard form, so a
// private_key_jwt client authenticates there too (through
// Engine.AuthenticateClient), aud the issuer or the dialect's own token
// URL. The dialects with their own wire formats (Epicollect5, Eptura,
// EmpowerID) carry a secret only, which such a client does not have.
func TestClientAssertionAtEPC(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) { c.Dialects = []string{"epc"} })
	pk := newPrivateKeyJWTClient(t, in, "pc")
	const epcToken = "/oauth2/v1/token" // epc.PathToken
	for _, aud := range []string{in.Config.Issuer, in.Config.Issuer + epcToken} {
		a := pk.assertion(t, in, func(m map[string]any) { m["aud"] = aud })
		status, _, body := post(t, in.URL+epcToken, assertionForm(a, "grant_type", "client_credentials"), "", "")
		if status != http.StatusCreated || body["access_token"] == nil {
			t.Fatalf("aud %s: EPC token: %d %v", aud, status, body)
		}
	}
	a := pk.assertion(t, in, func(m map[string]any) { m["aud"] = in.Config.Issuer + "/oauth2/introspect" })
	if status, _, body := post(t, in.URL+epcToken, assertionForm(a, "grant_type", "client_credentials"), "", ""); status != http.StatusUnauthorized {
		t.Fatalf("aud the introspection endpoint at EPC's token endpoint: %d %v", status, body)
	}
}
