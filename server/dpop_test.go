package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/dpop/dpoptest"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// dpopRequest sends req with each proof as a DPoP header.
func dpopRequest(t *testing.T, method, u string, form url.Values, auth string, proofs ...string) (int, http.Header, map[string]any) {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for _, p := range proofs {
		req.Header.Add(dpop.Header, p)
	}
	return do(t, req)
}

// dpopToken asks in's token endpoint with proofs, the client
// authenticating in the form (client_secret_post, or client_id alone for
// a public client).
func dpopToken(t *testing.T, in *servertest.Instance, c servertest.Client, form url.Values, proofs ...string) (int, http.Header, map[string]any) {
	t.Helper()
	form.Set("client_id", c.ID)
	if c.Secret != "" {
		form.Set("client_secret", c.Secret)
	}
	return dpopRequest(t, http.MethodPost, in.URL+"/oauth2/token", form, "", proofs...)
}

// nonceOf fetches a DPoP nonce the way a client first learns one: a
// proof without a nonce is answered use_dpop_nonce with DPoP-Nonce.
func nonceOf(t *testing.T, in *servertest.Instance, c servertest.Client, k *dpoptest.Key) string {
	t.Helper()
	status, h, body := dpopToken(t, in, c, url.Values{"grant_type": {"client_credentials"}}, k.Proof("POST", in.Config.Issuer+"/oauth2/token", dpoptest.Options{IssuedAt: in.Clock.Now()}))
	wantError(t, status, h, body, 400, dpop.CodeUseNonce)
	n := h.Get(dpop.NonceHeader)
	if n == "" {
		t.Fatal("use_dpop_nonce without a DPoP-Nonce header")
	}
	return n
}

// proofFor makes a proof of k for the token endpoint of in, with nonce.
func proofFor(in *servertest.Instance, k *dpoptest.Key, nonce string) string {
	return k.Proof("POST", in.Config.Issuer+"/oauth2/token", dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce})
}

// jwtClaims decodes the payload of a JWT without verifying it.
func jwtClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %.40q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func cnfJKT(m map[string]any) string {
	cnf, _ := m["cnf"].(map[string]any)
	jkt, _ := cnf["jkt"].(string)
	return jkt
}

// TestDPoPClientCredentials: a proof binds the access token of either
// format (cnf.jkt in the JWT, the record's confirmation for an opaque
// one), token_type DPoP; introspection says cnf.jkt and token_type DPoP;
// a request without a proof still gets a bearer token; the first proof
// without a nonce learns one.
func TestDPoPClientCredentials(t *testing.T) {
	in := servertest.Start(t)
	k := dpoptest.NewKey()
	for _, format := range []string{tokenmint.FormatJWT, tokenmint.FormatOpaque} {
		t.Run(format, func(t *testing.T) {
			c := in.CreateClient(t, registry.ClientSpec{TokenFormat: format, GrantTypes: []string{"client_credentials"}, Scopes: []string{"api"}})
			nonce := nonceOf(t, in, c, k)
			status, h, body := dpopToken(t, in, c, url.Values{"grant_type": {"client_credentials"}}, proofFor(in, k, nonce))
			if status != 200 || body["token_type"] != "DPoP" {
				t.Fatalf("token with a proof: %d %v, want token_type DPoP", status, body)
			}
			if h.Get(dpop.NonceHeader) == "" || h.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v: want DPoP-Nonce and no-store", h)
			}
			tok := body["access_token"].(string)
			if format == tokenmint.FormatJWT && cnfJKT(jwtClaims(t, tok)) != k.JKT() {
				t.Errorf("JWT claims %v: want cnf.jkt %s", jwtClaims(t, tok), k.JKT())
			}
			status, _, info := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {tok}}, c.ID, c.Secret)
			if status != 200 || info["active"] != true || cnfJKT(info) != k.JKT() || info["token_type"] != "DPoP" {
				t.Errorf("introspection: %d %v, want cnf.jkt %s and token_type DPoP", status, info, k.JKT())
			}

			status, _, body = post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, c.Secret)
			if status != 200 || body["token_type"] != "Bearer" {
				t.Fatalf("token without a proof: %d %v, want Bearer", status, body)
			}
			_, _, info = post(t, in.URL+"/oauth2/introspect", url.Values{"token": {body["access_token"].(string)}}, c.ID, c.Secret)
			if info["cnf"] != nil || info["token_type"] != "Bearer" {
				t.Errorf("introspection of a bearer token: %v", info)
			}
		})
	}
}

// TestDPoPHostileProofs is every hostile proof of issue 16 at the real
// token endpoint, each refused with invalid_dpop_proof (or
// use_dpop_nonce for a nonce), and no token issued.
func TestDPoPHostileProofs(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{"client_credentials"}, Scopes: []string{"api"}})
	k, other := dpoptest.NewKey(), dpoptest.NewKey()
	nonce := nonceOf(t, in, c, k)
	tokenURL := in.Config.Issuer + "/oauth2/token"
	now := in.Clock.Now()
	opts := func(o dpoptest.Options) dpoptest.Options { o.Nonce, o.IssuedAt = nonce, now; return o }
	replayed := k.Proof("POST", tokenURL, opts(dpoptest.Options{}))
	if status, _, body := dpopToken(t, in, c, url.Values{"grant_type": {"client_credentials"}}, replayed); status != 200 {
		t.Fatalf("first use of a proof: %d %v", status, body)
	}
	priv := jose.JSONWebKey{Key: k.Signer}
	hs := func() string { // HS256 keyed with the public JWK's bytes
		pub, _ := json.Marshal(k.Public())
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: pub}, (&jose.SignerOptions{}).WithType(dpop.TypeProof).WithHeader("jwk", k.Public()))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := json.Marshal(map[string]any{"jti": "hs", "htm": "POST", "htu": tokenURL, "iat": now.Unix(), "nonce": nonce})
		jws, _ := s.Sign(p)
		out, _ := jws.CompactSerialize()
		return out
	}()
	b64 := base64.RawURLEncoding.EncodeToString
	none := b64([]byte(`{"typ":"dpop+jwt","alg":"none"}`)) + "." + b64([]byte(`{"jti":"n","htm":"POST","htu":"`+tokenURL+`","iat":`+jsonInt(now.Unix())+`}`)) + "."
	tests := []struct {
		name   string
		proofs []string
		code   string
	}{
		{"proof for another URL", []string{k.Proof("POST", in.Config.Issuer+"/oauth2/introspect", opts(dpoptest.Options{}))}, dpop.CodeInvalidProof},
		{"proof for another method", []string{k.Proof("GET", tokenURL, opts(dpoptest.Options{}))}, dpop.CodeInvalidProof},
		{"proof signed by another key than its jwk", []string{k.Proof("POST", tokenURL, opts(dpoptest.Options{JWK: ptrTo(other.Public())}))}, dpop.CodeInvalidProof},
		{"replayed proof", []string{replayed}, dpop.CodeInvalidProof},
		{"two DPoP headers", []string{k.Proof("POST", tokenURL, opts(dpoptest.Options{})), k.Proof("POST", tokenURL, opts(dpoptest.Options{}))}, dpop.CodeInvalidProof},
		{"alg none", []string{none}, dpop.CodeInvalidProof},
		{"HS256 with the public key", []string{hs}, dpop.CodeInvalidProof},
		{"private key in jwk", []string{k.Proof("POST", tokenURL, opts(dpoptest.Options{JWK: &priv}))}, dpop.CodeInvalidProof},
		{"typ JWT", []string{k.Proof("POST", tokenURL, opts(dpoptest.Options{Typ: "JWT"}))}, dpop.CodeInvalidProof},
		{"iat too old", []string{k.Proof("POST", tokenURL, dpoptest.Options{Nonce: nonce, IssuedAt: now.Add(-5 * time.Minute)})}, dpop.CodeInvalidProof},
		{"iat in the future", []string{k.Proof("POST", tokenURL, dpoptest.Options{Nonce: nonce, IssuedAt: now.Add(5 * time.Minute)})}, dpop.CodeInvalidProof},
		{"oversized", []string{k.Proof("POST", tokenURL, opts(dpoptest.Options{Claims: map[string]any{"pad": strings.Repeat("p", dpop.MaxProofBytes)}}))}, dpop.CodeInvalidProof},
		{"no jti", []string{k.Proof("POST", tokenURL, opts(dpoptest.Options{Claims: map[string]any{"jti": nil}}))}, dpop.CodeInvalidProof},
		{"empty header", []string{""}, dpop.CodeInvalidProof},
		{"unknown nonce", []string{k.Proof("POST", tokenURL, dpoptest.Options{IssuedAt: now, Nonce: "not-a-nonce"})}, dpop.CodeUseNonce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := dpopToken(t, in, c, url.Values{"grant_type": {"client_credentials"}}, tt.proofs...)
			wantError(t, status, h, body, 400, tt.code)
			if tt.code == dpop.CodeUseNonce && h.Get(dpop.NonceHeader) == "" {
				t.Error("use_dpop_nonce without DPoP-Nonce")
			}
		})
	}

	t.Run("stale nonce", func(t *testing.T) {
		in.Clock.Advance(2*dpop.DefaultNonceWindow + time.Second)
		status, h, body := dpopToken(t, in, c, url.Values{"grant_type": {"client_credentials"}}, proofFor(in, k, nonce))
		wantError(t, status, h, body, 400, dpop.CodeUseNonce)
		fresh := h.Get(dpop.NonceHeader)
		if fresh == "" || fresh == nonce {
			t.Fatalf("DPoP-Nonce %q after a stale nonce, want a new one", fresh)
		}
		if status, _, body := dpopToken(t, in, c, url.Values{"grant_type": {"client_credentials"}}, proofFor(in, k, fresh)); status != 200 {
			t.Fatalf("with the fresh nonce: %d %v", status, body)
		}
	})
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func ptrTo[T any](v T) *T { return &v }

// TestDPoPBoundClient: a client registered with dpop_bound_access_tokens
// gets no token without a proof (RFC 9449 §5.2), and none at a dialect's
// endpoint, which takes no proofs.
func TestDPoPBoundClient(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{"client_credentials"}, Scopes: []string{"api"}})
	if _, err := in.Server.Store().UpdateClient(context.Background(), c.ID, func(cl *tokenmint.Client) error {
		cl.DPoPBoundAccessTokens = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, c.Secret)
	wantError(t, status, h, body, 400, "invalid_request")
	k := dpoptest.NewKey()
	if status, _, body := dpopToken(t, in, c, url.Values{"grant_type": {"client_credentials"}}, proofFor(in, k, nonceOf(t, in, c, k))); status != 200 || body["token_type"] != "DPoP" {
		t.Fatalf("with a proof: %d %v", status, body)
	}
}

// TestDPoPUserInfoAndRefresh: a public client's tokens (password grant)
// are DPoP-bound, its refresh token too: a refresh without a proof, or
// with another key, is invalid_grant. UserInfo takes the bound token
// only with the DPoP scheme and a proof by its key with the token's ath
// and a nonce; the Bearer scheme is refused with a DPoP challenge.
func TestDPoPUserInfoAndRefresh(t *testing.T) {
	in := servertest.Start(t)
	in.CreateUser(t, "ada", "correct horse battery")
	c := in.CreateClient(t, registry.ClientSpec{Public: true, GrantTypes: []string{"password", "refresh_token"}, Scopes: []string{"openid", "profile"}})
	k, other := dpoptest.NewKey(), dpoptest.NewKey()
	nonce := h0(t, in, c, k)
	status, _, body := dpopToken(t, in, c, url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {"correct horse battery"}, "scope": {"openid profile"}}, proofFor(in, k, nonce))
	if status != 200 || body["token_type"] != "DPoP" || body["refresh_token"] == nil {
		t.Fatalf("password grant with a proof: %d %v", status, body)
	}
	access, refresh := body["access_token"].(string), body["refresh_token"].(string)

	userinfo := in.Config.Issuer + "/oauth2/userinfo"
	status, h, body := dpopRequest(t, "GET", userinfo, nil, "Bearer "+access)
	wantError(t, status, h, body, 401, "invalid_token")
	if ch := h.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "DPoP ") || !strings.Contains(ch, `algs="`) {
		t.Errorf("WWW-Authenticate %q, want a DPoP challenge with algs", ch)
	}
	status, h, body = dpopRequest(t, "GET", userinfo, nil, "DPoP "+access)
	wantError(t, status, h, body, 401, dpop.CodeInvalidProof)
	for name, proof := range map[string]string{
		"no ath":             k.Proof("GET", userinfo, dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce}),
		"ath of another":     k.Proof("GET", userinfo, dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce, AccessToken: access + "x"}),
		"another key":        other.Proof("GET", userinfo, dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce, AccessToken: access}),
		"another method":     k.Proof("POST", userinfo, dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce, AccessToken: access}),
		"no nonce":           k.Proof("GET", userinfo, dpoptest.Options{IssuedAt: in.Clock.Now(), AccessToken: access}),
		"token endpoint URL": k.Proof("GET", in.Config.Issuer+"/oauth2/token", dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce, AccessToken: access}),
	} {
		status, h, body := dpopRequest(t, "GET", userinfo, nil, "DPoP "+access, proof)
		want := dpop.CodeInvalidProof
		switch name {
		case "another key":
			want = "invalid_token"
		case "no nonce":
			want = dpop.CodeUseNonce
			if h.Get(dpop.NonceHeader) == "" {
				t.Errorf("%s: no DPoP-Nonce", name)
			}
		}
		if status != 401 || body["error"] != want || !strings.HasPrefix(h.Get("WWW-Authenticate"), "DPoP ") {
			t.Errorf("userinfo, %s: %d %v %q, want 401 %s with a DPoP challenge", name, status, body, h.Get("WWW-Authenticate"), want)
		}
	}
	status, h, body = dpopRequest(t, "GET", userinfo, nil, "DPoP "+access, k.Proof("GET", userinfo, dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce, AccessToken: access}))
	if status != 200 || body["sub"] == nil || body["preferred_username"] != "ada" {
		t.Fatalf("userinfo with the DPoP scheme and a proof: %d %v", status, body)
	}

	refreshForm := func() url.Values { return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}} }
	status, h, body = dpopToken(t, in, c, refreshForm())
	wantError(t, status, h, body, 400, "invalid_grant")
	status, h, body = dpopToken(t, in, c, refreshForm(), proofFor(in, other, nonce))
	wantError(t, status, h, body, 400, "invalid_grant")
	status, _, body = dpopToken(t, in, c, refreshForm(), proofFor(in, k, nonce))
	if status != 200 || body["token_type"] != "DPoP" {
		t.Fatalf("refresh with the family's key: %d %v", status, body)
	}
}

// h0 learns a nonce at the token endpoint with a refresh request, which
// any client with the refresh_token grant may send (a public one with
// no secret).
func h0(t *testing.T, in *servertest.Instance, c servertest.Client, k *dpoptest.Key) string {
	t.Helper()
	status, h, body := dpopToken(t, in, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, k.Proof("POST", in.Config.Issuer+"/oauth2/token", dpoptest.Options{IssuedAt: in.Clock.Now()}))
	wantError(t, status, h, body, 400, dpop.CodeUseNonce)
	return h.Get(dpop.NonceHeader)
}

// TestDPoPAuthorizationCodeJKT: dpop_jkt at the authorization endpoint
// (RFC 9449 §10) binds the code: its exchange with a proof by another
// key, or without one, is invalid_grant; with the key, the tokens are
// bound. A malformed dpop_jkt is invalid_request.
func TestDPoPAuthorizationCodeJKT(t *testing.T) {
	in := servertest.Start(t)
	in.CreateUser(t, "nina", "correct horse battery")
	c := in.CreateClient(t, registry.ClientSpec{Public: true, GrantTypes: []string{"authorization_code", "refresh_token"},
		Scopes: []string{"api"}, RedirectURIs: []string{"http://127.0.0.1:41999/cb"}})
	conf := oauth2.Config{ClientID: c.ID, Scopes: []string{"api"}, RedirectURL: "http://127.0.0.1:41999/cb",
		Endpoint: oauth2.Endpoint{AuthURL: in.URL + "/oauth2/authorize", TokenURL: in.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	k, other := dpoptest.NewKey(), dpoptest.NewKey()
	nonce := h0(t, in, c, k)
	code := func() (string, string) {
		verifier := oauth2.GenerateVerifier()
		cb := signIn(t, nativeBrowser(t, in.URL), conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("dpop_jkt", k.JKT())), "nina", "correct horse battery")
		if cb.Get("code") == "" {
			t.Fatalf("callback %v, want a code", cb)
		}
		return cb.Get("code"), verifier
	}
	exchange := func(proofs ...string) (int, http.Header, map[string]any) {
		cd, verifier := code()
		return dpopToken(t, in, c, url.Values{"grant_type": {"authorization_code"}, "code": {cd}, "code_verifier": {verifier}, "redirect_uri": {conf.RedirectURL}}, proofs...)
	}
	status, h, body := exchange()
	wantError(t, status, h, body, 400, "invalid_grant")
	status, h, body = exchange(proofFor(in, other, nonce))
	wantError(t, status, h, body, 400, "invalid_grant")
	status, _, body = exchange(proofFor(in, k, nonce))
	if status != 200 || body["token_type"] != "DPoP" || cnfJKT(jwtClaims(t, body["access_token"].(string))) != k.JKT() {
		t.Fatalf("exchange with the dpop_jkt key: %d %v", status, body)
	}

	resp, err := nativeBrowser(t, in.URL).Get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("dpop_jkt", "not-a-thumbprint")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("error") != "invalid_request" {
		t.Errorf("malformed dpop_jkt: %d %q, want a redirect with invalid_request", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestDPoPAuthorizationCodeJKTConfidential: dpop_jkt binds the code of
// a confidential client too (RFC 9449 §10): its exchange, authenticated
// by client_secret_post, needs a proof by that key. Its refresh token is
// not bound (the client authenticates at every refresh, §5): a refresh
// without a proof gets a bearer token, one with another key's proof a
// token bound to that key. Introspected by the client, the access token
// reports cnf.jkt and token_type DPoP, the refresh token no cnf.
func TestDPoPAuthorizationCodeJKTConfidential(t *testing.T) {
	in := servertest.Start(t)
	in.CreateUser(t, "nina", "correct horse battery")
	c := in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{"authorization_code", "refresh_token"},
		Scopes: []string{"api"}, RedirectURIs: []string{"http://127.0.0.1:41999/cb"}})
	if c.Secret == "" {
		t.Fatal("want a confidential client")
	}
	conf := oauth2.Config{ClientID: c.ID, ClientSecret: c.Secret, Scopes: []string{"api"}, RedirectURL: "http://127.0.0.1:41999/cb",
		Endpoint: oauth2.Endpoint{AuthURL: in.URL + "/oauth2/authorize", TokenURL: in.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	k, other := dpoptest.NewKey(), dpoptest.NewKey()
	nonce := h0(t, in, c, k)
	exchange := func(proofs ...string) (int, http.Header, map[string]any) {
		verifier := oauth2.GenerateVerifier()
		cb := signIn(t, nativeBrowser(t, in.URL), conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("dpop_jkt", k.JKT())), "nina", "correct horse battery")
		if cb.Get("code") == "" {
			t.Fatalf("callback %v, want a code", cb)
		}
		return dpopToken(t, in, c, url.Values{"grant_type": {"authorization_code"}, "code": {cb.Get("code")}, "code_verifier": {verifier}, "redirect_uri": {conf.RedirectURL}}, proofs...)
	}
	status, h, body := exchange()
	wantError(t, status, h, body, 400, "invalid_grant")
	status, h, body = exchange(proofFor(in, other, nonce))
	wantError(t, status, h, body, 400, "invalid_grant")
	status, _, body = exchange(proofFor(in, k, nonce))
	if status != 200 || body["token_type"] != "DPoP" || cnfJKT(jwtClaims(t, body["access_token"].(string))) != k.JKT() {
		t.Fatalf("exchange with the dpop_jkt key: %d %v", status, body)
	}
	access, refresh := body["access_token"].(string), body["refresh_token"].(string)

	_, _, info := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {access}}, c.ID, c.Secret)
	if info["active"] != true || cnfJKT(info) != k.JKT() || info["token_type"] != "DPoP" {
		t.Errorf("introspection of the access token: %v, want cnf.jkt %s and token_type DPoP", info, k.JKT())
	}
	_, _, info = post(t, in.URL+"/oauth2/introspect", url.Values{"token": {refresh}, "token_type_hint": {"refresh_token"}}, c.ID, c.Secret)
	if info["active"] != true || info["cnf"] != nil || info["token_type"] != "refresh_token" {
		t.Errorf("introspection of the unbound refresh token: %v, want active, no cnf", info)
	}

	status, _, body = dpopToken(t, in, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	if status != 200 || body["token_type"] != "Bearer" {
		t.Fatalf("refresh without a proof: %d %v, want a bearer token", status, body)
	}
	status, _, body = dpopToken(t, in, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}}, proofFor(in, other, nonce))
	if status != 200 || body["token_type"] != "DPoP" || cnfJKT(jwtClaims(t, body["access_token"].(string))) != other.JKT() {
		t.Fatalf("refresh with another key's proof: %d %v, want a token bound to that key", status, body)
	}
}

// TestDPoPBoundRefreshTokenIntrospection: only a public client's refresh
// tokens are DPoP-bound (RFC 9449 §5), and no caller can introspect them:
// the public client cannot authenticate (RFC 7662 §2.1) and a refresh
// token has no audience that would let another client see it (§4). So
// introspection never reports a bound refresh token active, and there is
// no cnf to report for one; RFC 9449 §6.2 defines cnf in introspection
// for access tokens. This test fails if that changes, so that cnf can be
// added to refresh-token answers then.
func TestDPoPBoundRefreshTokenIntrospection(t *testing.T) {
	in := servertest.Start(t)
	in.CreateUser(t, "ada", "correct horse battery")
	pub := in.CreateClient(t, registry.ClientSpec{Public: true, GrantTypes: []string{"password", "refresh_token"}, Scopes: []string{"api"}})
	rs := in.CreateClient(t, registry.ClientSpec{Audience: []string{pub.ID}, Scopes: []string{"api"}})
	k := dpoptest.NewKey()
	status, _, body := dpopToken(t, in, pub, url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {"correct horse battery"}, "scope": {"api"}}, proofFor(in, k, h0(t, in, pub, k)))
	if status != 200 || body["token_type"] != "DPoP" || body["refresh_token"] == nil {
		t.Fatalf("password grant with a proof: %d %v", status, body)
	}
	refresh := body["refresh_token"].(string)
	status, h, body := post(t, in.URL+"/oauth2/introspect", url.Values{"client_id": {pub.ID}, "token": {refresh}}, "", "")
	wantError(t, status, h, body, 401, "invalid_client")
	status, _, info := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {refresh}, "token_type_hint": {"refresh_token"}}, rs.ID, rs.Secret)
	if status != 200 || info["active"] != false || len(info) != 1 {
		t.Errorf("introspection of a public client's bound refresh token by another client: %d %v, want only active false", status, info)
	}
}

// TestDPoPAcrossInstances: on a shared database, a nonce minted by one
// instance is accepted by the other (no shared state: the key comes from
// the master key), and a proof used at one instance is refused at the
// other (its jti is spent in the store they share).
func TestDPoPAcrossInstances(t *testing.T) {
	onSharedDatabase(t, func(t *testing.T, a, b *servertest.Instance) {
		c := a.CreateClient(t, registry.ClientSpec{GrantTypes: []string{"client_credentials"}, Scopes: []string{"api"}})
		k := dpoptest.NewKey()
		nonce := nonceOf(t, a, c, k)
		proof := proofFor(b, k, nonce)
		if status, _, body := dpopToken(t, b, c, url.Values{"grant_type": {"client_credentials"}}, proof); status != 200 || body["token_type"] != "DPoP" {
			t.Fatalf("instance b with a's nonce: %d %v", status, body)
		}
		status, h, body := dpopToken(t, a, c, url.Values{"grant_type": {"client_credentials"}}, proof)
		wantError(t, status, h, body, 400, dpop.CodeInvalidProof)
	})
}

// TestDPoPDiscovery: both metadata documents advertise the proof
// algorithms.
func TestDPoPDiscovery(t *testing.T) {
	in := servertest.Start(t)
	for _, p := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		_, _, m := get(t, in.URL+p)
		algs, _ := m["dpop_signing_alg_values_supported"].([]any)
		if len(algs) != len(dpop.Algs) || algs[0] != "ES256" {
			t.Errorf("%s: dpop_signing_alg_values_supported = %v, want %v", p, algs, dpop.Algs)
		}
	}
}
