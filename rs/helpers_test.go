package rs_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/dpop/dpoptest"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/rs"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/token"
)

// apiAud is the resource identifier of the API under test.
const apiAud = "https://api.example.com"

// env is a real tokenmint server, the API's own client (for
// introspection) and a counter of the API's requests to the server.
type env struct {
	t     testing.TB
	in    *servertest.Instance
	api   servertest.Client
	calls *counter
}

// counter counts the requests an http.Client makes, by path.
type counter struct {
	jwks, introspect, metadata atomic.Int64
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/jwks"):
		c.jwks.Add(1)
	case strings.HasSuffix(r.URL.Path, "/introspect"):
		c.introspect.Add(1)
	case strings.Contains(r.URL.Path, "/.well-known/"):
		c.metadata.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// newEnv starts a server without DPoP nonces at its token endpoint (the
// API's own nonces are tested apart) and registers the API as a client
// allowed the resource apiAud, so that it may introspect tokens for it.
func newEnv(t *testing.T, opts ...servertest.Option) *env {
	t.Helper()
	opts = append([]servertest.Option{func(c *config.Config) { c.DPoPNonce = false }}, opts...)
	in := servertest.Start(t, opts...)
	api := in.CreateClient(t, registry.ClientSpec{Name: "api", Resources: []string{apiAud}, GrantTypes: []string{"client_credentials"}})
	return &env{t: t, in: in, api: api, calls: &counter{}}
}

// config is the API's configuration against the server, on its clock.
func (e *env) config() rs.Config {
	return rs.Config{
		Issuer:       e.in.Config.Issuer,
		Audience:     []string{apiAud},
		ClientID:     e.api.ID,
		ClientSecret: rs.Secret(e.api.Secret),
		HTTPClient:   &http.Client{Transport: e.calls, Timeout: 10 * time.Second},
		Now:          e.in.Clock.Now,
		Logger:       slog.New(slog.NewTextHandler(testLog{e.t}, nil)),
	}
}

// testLog sends the middleware's log to the test's.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// middleware builds the middleware of cfg.
func (e *env) middleware(cfg rs.Config) *rs.Middleware {
	e.t.Helper()
	m, err := rs.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// app registers a client of the API: client_credentials, the scopes read
// and write, tokens for apiAud.
func (e *env) app(edit func(*registry.ClientSpec)) servertest.Client {
	spec := registry.ClientSpec{Name: "app", GrantTypes: []string{"client_credentials"}, Scopes: []string{"read", "write"},
		Audience: []string{apiAud}, Claims: map[string]string{"tenant": "acme"}}
	if edit != nil {
		edit(&spec)
	}
	return e.in.CreateClient(e.t, spec)
}

// token gets an access token for c with scope, bound to k when k is set.
func (e *env) token(c servertest.Client, scope string, k *dpoptest.Key) string {
	e.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
	req, _ := http.NewRequest(http.MethodPost, e.in.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ID, c.Secret)
	if k != nil {
		req.Header.Set(dpop.Header, k.Proof("POST", e.in.Config.Issuer+"/oauth2/token", dpoptest.Options{IssuedAt: e.in.Clock.Now()}))
	}
	var body struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	e.post(req, &body)
	if body.AccessToken == "" || (k != nil) != (body.TokenType == "DPoP") {
		e.t.Fatalf("token response %+v", body)
	}
	return body.AccessToken
}

// revoke revokes tok as client c (RFC 7009).
func (e *env) revoke(c servertest.Client, tok string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.in.URL+"/oauth2/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ID, c.Secret)
	e.post(req, nil)
}

func (e *env) post(req *http.Request, into any) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s: %s %s", req.URL.Path, resp.Status, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			e.t.Fatal(err)
		}
	}
}

// keyset opens the server's signing keys on its database, to rotate them
// or to sign a token the server's token endpoint does not issue yet.
func (e *env) keyset() *token.Keyset {
	e.t.Helper()
	ks := token.NewKeyset(e.in.Registry.Store, servertest.TestMasterKey.Derive(token.PurposeKeyEncryption), token.KeysetOptions{Now: e.in.Clock.Now})
	if err := ks.Load(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return ks
}

// sign signs claims as the server's access tokens are signed (ES256, at+jwt).
func (e *env) sign(c *token.Claims) string {
	e.t.Helper()
	raw, err := e.keyset().Sign(tokenmint.AlgES256, c, token.SignOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}

// claims are the claims of a valid token for the API, to edit.
func (e *env) claims() *token.Claims {
	now := e.in.Clock.Now()
	return &token.Claims{Issuer: e.in.Config.Issuer, Subject: "app", Audience: []string{apiAud}, ClientID: "app",
		Scope: "read", IssuedAt: now, NotBefore: now, ExpiresAt: now.Add(time.Hour), ID: token.NewID()}
}

// result is what the protected handler saw and answered.
type result struct {
	status int
	header http.Header
	body   string
	claims *rs.Claims
}

// call sends a request to handler h (the middleware around a handler
// that records the claims) through a real HTTP server.
func call(t *testing.T, h func(http.Handler) http.Handler, method, path, auth string, proofs ...string) result {
	t.Helper()
	var got *rs.Claims
	srv := httptest.NewServer(h(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = rs.ClaimsFrom(r.Context())
		io.WriteString(w, "ok")
	})))
	defer srv.Close()
	return send(t, srv.Client(), srv.URL+path, method, auth, proofs, &got)
}

func send(t *testing.T, c *http.Client, u, method, auth string, proofs []string, got **rs.Claims) result {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for _, p := range proofs {
		req.Header.Add(dpop.Header, p)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if got != nil {
		r.claims = *got
	}
	return r
}

// wantRefused checks a refusal: status, error code in the body and in a
// challenge of scheme.
func (r result) wantRefused(t *testing.T, status int, code, scheme string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d (%s), want %d %s", r.status, r.body, status, code)
	}
	if r.claims != nil {
		t.Fatal("the handler ran")
	}
	if code != "" && !strings.Contains(r.body, `"error":"`+code+`"`) {
		t.Errorf("body %s, want error %s", r.body, code)
	}
	if scheme == "" {
		return
	}
	ch := strings.Join(r.header.Values("WWW-Authenticate"), " | ")
	if !strings.HasPrefix(ch, scheme+" ") || (code != "" && !strings.Contains(ch, `error="`+code+`"`)) {
		t.Errorf("WWW-Authenticate %q, want a %s challenge with error %q", ch, scheme, code)
	}
}

func (r result) wantOK(t *testing.T) *rs.Claims {
	t.Helper()
	if r.status != http.StatusOK || r.claims == nil {
		t.Fatalf("status %d %s %v, want 200 with claims", r.status, r.body, r.header)
	}
	return r.claims
}

// api is an API behind the middleware, recording the claims it saw.
type api struct {
	*httptest.Server
	claims atomic.Pointer[rs.Claims]
}

func newAPI(t *testing.T, mw func(http.Handler) http.Handler) *api {
	a := &api{}
	a.Server = httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := rs.ClaimsFrom(r.Context())
		a.claims.Store(c)
		io.WriteString(w, "ok")
	})))
	t.Cleanup(a.Close)
	return a
}

func (a *api) last() *rs.Claims { return a.claims.Load() }

// newJWK makes an ES256 key pair as JWKs with kid.
func newJWK(t *testing.T, kid string) (priv, pub jose.JSONWebKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv = jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: "ES256", Use: "sig"}
	return priv, priv.Public()
}

// do sends a request to the API and reports what its handler saw.
func (a *api) do(t *testing.T, method, path, auth string, proofs ...string) result {
	t.Helper()
	a.claims.Store(nil)
	var got *rs.Claims
	r := send(t, a.Client(), a.URL+path, method, auth, proofs, nil)
	got = a.claims.Load()
	r.claims = got
	return r
}
