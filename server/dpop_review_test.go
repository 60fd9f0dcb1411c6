package server_test

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	_ "modernc.org/sqlite" // to count used_ids rows in the instance's file

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/dpop/dpoptest"
	"github.com/tokenmint/tokenmint/internal/testpki"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// sendDPoP sends a request with client and each proof as a DPoP header,
// returning status, headers and JSON body.
func sendDPoP(t *testing.T, client *http.Client, method, u string, form url.Values, auth string, proofs ...string) (int, http.Header, map[string]any) {
	t.Helper()
	body := ""
	if form != nil {
		body = form.Encode()
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
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
	req.Close = true
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, resp.Header, m
}

// TestDPoPMTLSAlias: with --mtls-base-url, discovery sends clients to the
// token and userinfo endpoints at the alias, so a proof naming the alias
// URL is accepted (RFC 8705 §5 with RFC 9449 §4.3), as is one naming the
// issuer's URL; a proof naming a third URL, such as the Host header the
// request came with, is refused.
func TestDPoPMTLSAlias(t *testing.T) {
	const alias = "https://mtls.auth.example"
	ca := testpki.NewCA(t, "tokenmint test CA")
	in := servertest.Start(t, servertest.ServeTLS(t, ca), func(c *config.Config) { c.MTLSBaseURL = alias })
	client := in.HTTPClient(t)
	c := in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{"client_credentials"}, Scopes: []string{"api"}})
	k := dpoptest.NewKey()
	token := func(htu string, nonce string) (int, http.Header, map[string]any) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {c.Secret}}
		return sendDPoP(t, client, http.MethodPost, in.URL+"/oauth2/token", form, "", k.Proof("POST", htu, dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce}))
	}
	_, h, _ := token(alias+"/oauth2/token", "")
	nonce := h.Get(dpop.NonceHeader)

	for _, htu := range []string{alias + "/oauth2/token", in.Config.Issuer + "/oauth2/token"} {
		if status, _, body := token(htu, nonce); status != 200 || body["token_type"] != "DPoP" {
			t.Errorf("htu %s: %d %v, want a DPoP token", htu, status, body)
		}
	}
	for _, htu := range []string{"https://elsewhere.example/oauth2/token", alias + "/oauth2/introspect", alias + "/oauth2/token/x"} {
		status, h, body := token(htu, nonce)
		wantError(t, status, h, body, 400, dpop.CodeInvalidProof)
	}
}

// usedIDs counts the rows of used_ids (spent jtis) in the SQLite file of
// in, read-only beside the running server.
func usedIDs(t *testing.T, in *servertest.Instance) int {
	t.Helper()
	path, ok := strings.CutPrefix(in.Config.Database, "sqlite:")
	if !ok {
		t.Fatalf("database %q is not SQLite", in.Config.Database)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM used_ids").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDPoPUserInfoSpendsNothingForBadTokens: at UserInfo, a proof comes
// with a token the server checks first: a random token, or a real one
// with a proof by another key, is invalid_token and writes no spent jti
// (no write amplification by unauthenticated requests); the token with
// its key's proof is served and spends one.
func TestDPoPUserInfoSpendsNothingForBadTokens(t *testing.T) {
	in := servertest.Start(t)
	in.CreateUser(t, "ada", "correct horse battery")
	c := in.CreateClient(t, registry.ClientSpec{Public: true, GrantTypes: []string{"password", "refresh_token"}, Scopes: []string{"openid", "profile"}})
	k, other := dpoptest.NewKey(), dpoptest.NewKey()
	nonce := h0(t, in, c, k)
	status, _, body := dpopToken(t, in, c, url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {"correct horse battery"}, "scope": {"openid profile"}}, proofFor(in, k, nonce))
	if status != 200 || body["token_type"] != "DPoP" {
		t.Fatalf("password grant with a proof: %d %v", status, body)
	}
	access := body["access_token"].(string)
	userinfo := in.Config.Issuer + "/oauth2/userinfo"
	proof := func(k *dpoptest.Key, tok string) string {
		return k.Proof("GET", userinfo, dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce, AccessToken: tok})
	}

	before := usedIDs(t, in)
	for name, tok := range map[string]string{"random token": "tm_at_" + strings.Repeat("x", 40), "another key's proof": access} {
		for i := range 3 {
			status, h, body := dpopRequest(t, "GET", userinfo, nil, "DPoP "+tok, proof(other, tok))
			if status != 401 || body["error"] != "invalid_token" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "DPoP ") {
				t.Errorf("%s #%d: %d %v, want 401 invalid_token with a DPoP challenge", name, i, status, body)
			}
		}
	}
	if after := usedIDs(t, in); after != before {
		t.Errorf("refused presentations spent %d jtis, want none", after-before)
	}

	good := proof(k, access)
	if status, _, body := dpopRequest(t, "GET", userinfo, nil, "DPoP "+access, good); status != 200 || body["sub"] == nil {
		t.Fatalf("userinfo with the token's key: %d %v", status, body)
	}
	if after := usedIDs(t, in); after != before+1 {
		t.Errorf("a served presentation spent %d jtis, want 1", after-before)
	}
	status, h, body := dpopRequest(t, "GET", userinfo, nil, "DPoP "+access, good)
	wantError(t, status, h, body, 401, dpop.CodeInvalidProof)
}

// basic is the Authorization value of client_secret_basic for c.
func basic(c servertest.Client) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(c.Secret)))
}

// TestDPoPPAR: a DPoP proof at the PAR endpoint (RFC 9449 §10.1) is
// verified (nonce, htu, htm), binds the code to its key when the request
// names no dpop_jkt, and must be by the key a dpop_jkt names.
func TestDPoPPAR(t *testing.T) {
	k := newPARKit(t)
	in := k.in
	key, other := dpoptest.NewKey(), dpoptest.NewKey()
	parURL := in.Config.Issuer + "/oauth2/par"
	push := func(form url.Values, proofs ...string) (int, http.Header, map[string]any) {
		return sendDPoP(t, http.DefaultClient, http.MethodPost, in.URL+"/oauth2/par", form, basic(k.conf), proofs...)
	}
	proof := func(k *dpoptest.Key, htu, nonce string) string {
		return k.Proof("POST", htu, dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce})
	}
	verifier := oauth2.GenerateVerifier()
	status, h, body := push(authParams(k.conf.ID, verifier), proof(key, parURL, ""))
	wantError(t, status, h, body, 400, dpop.CodeUseNonce)
	nonce := h.Get(dpop.NonceHeader)
	if nonce == "" {
		t.Fatal("use_dpop_nonce at PAR without a DPoP-Nonce header")
	}

	withJKT := func(jkt string) url.Values {
		f := authParams(k.conf.ID, verifier)
		f.Set("dpop_jkt", jkt)
		return f
	}
	for name, c := range map[string]struct {
		form  url.Values
		proof string
	}{
		"dpop_jkt of another key":   {withJKT(other.JKT()), proof(key, parURL, nonce)},
		"htu of the token endpoint": {authParams(k.conf.ID, verifier), proof(key, in.Config.Issuer+"/oauth2/token", nonce)},
		"htm GET":                   {authParams(k.conf.ID, verifier), key.Proof("GET", parURL, dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce})},
		"not a JWS":                 {authParams(k.conf.ID, verifier), "not-a-proof"},
	} {
		status, _, body := push(c.form, c.proof)
		if status != 400 || body["error"] != dpop.CodeInvalidProof {
			t.Errorf("%s: %d %v, want 400 %s", name, status, body, dpop.CodeInvalidProof)
		}
	}
	replayed := proof(key, parURL, nonce)
	if status, _, body := push(withJKT(key.JKT()), replayed); status != http.StatusCreated {
		t.Fatalf("dpop_jkt of the proof's key: %d %v, want 201", status, body)
	}
	status, h, body = push(withJKT(key.JKT()), replayed)
	wantError(t, status, h, body, 400, dpop.CodeInvalidProof)

	// No dpop_jkt: the proof's key binds the code (each code is spent by
	// its first exchange, so each case pushes its own).
	exchange := func(proofs ...string) (int, http.Header, map[string]any) {
		status, _, body := push(authParams(k.conf.ID, verifier), proof(key, parURL, nonce))
		uri, _ := body["request_uri"].(string)
		if status != http.StatusCreated || uri == "" {
			t.Fatalf("PAR with a proof: %d %v", status, body)
		}
		q := signIn(t, browserClient(t), k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request_uri": {uri}}), "grace", "correct horse battery")
		if q.Get("code") == "" {
			t.Fatalf("callback %v, want a code", q)
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {parCallback}, "code_verifier": {verifier}}
		return sendDPoP(t, http.DefaultClient, http.MethodPost, in.URL+"/oauth2/token", form, basic(k.conf), proofs...)
	}
	status, h, body = exchange()
	wantError(t, status, h, body, 400, "invalid_grant")
	status, h, body = exchange(proofFor(in, other, nonce))
	wantError(t, status, h, body, 400, "invalid_grant")
	status, _, body = exchange(proofFor(in, key, nonce))
	if status != 200 || body["token_type"] != "DPoP" {
		t.Fatalf("exchange with the PAR proof's key: %d %v", status, body)
	}
	if at, _ := body["access_token"].(string); strings.Count(at, ".") == 2 && cnfJKT(jwtClaims(t, at)) != key.JKT() {
		t.Errorf("access token cnf.jkt %q, want %q", cnfJKT(jwtClaims(t, at)), key.JKT())
	}
}
