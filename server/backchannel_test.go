package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// logoutReceiver is a relying party's backchannel_logout_uri: it
// validates every logout token it receives per OIDC Back-Channel Logout
// 1.0 §2.6 and answers 503 to the first fail requests, then 200.
type logoutReceiver struct {
	t        *testing.T
	issuer   string
	clientID string
	now      func() time.Time
	fail     int

	mu       sync.Mutex
	attempts int
	tokens   []map[string]any // the valid tokens received
	jtis     map[string]bool
	got      chan struct{}
}

func newLogoutReceiver(t *testing.T, issuer, clientID string, now func() time.Time, fail int) (*logoutReceiver, *httptest.Server) {
	r := &logoutReceiver{t: t, issuer: issuer, clientID: clientID, now: now, fail: fail, jtis: map[string]bool{}, got: make(chan struct{}, 16)}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *logoutReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.attempts++
	n := r.attempts
	r.mu.Unlock()
	if ct := req.Header.Get("Content-Type"); req.Method != http.MethodPost || ct != "application/x-www-form-urlencoded" {
		r.t.Errorf("logout request: %s with Content-Type %q, want a form POST (§2.5)", req.Method, ct)
	}
	if err := req.ParseForm(); err != nil {
		r.t.Errorf("logout request form: %v", err)
	}
	claims, err := r.validate(req.PostForm.Get("logout_token"))
	if err != nil {
		r.t.Errorf("logout token of %s refused: %v", r.clientID, err)
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	if n <= r.fail {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	r.mu.Lock()
	r.tokens = append(r.tokens, claims)
	r.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	r.got <- struct{}{}
}

// validate is OIDC Back-Channel Logout 1.0 §2.6, steps 1 to 7.
func (r *logoutReceiver) validate(raw string) (map[string]any, error) {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders["typ"].(string); typ != "logout+jwt" {
		return nil, fmt.Errorf("typ %q, want logout+jwt (§2.4)", typ)
	}
	// Step 2: the signature, with the OP's key from its JWKS.
	resp, err := http.Get(r.issuer + "/oauth2/jwks")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, err
	}
	keys := set.Key(h.KeyID)
	if len(keys) == 0 {
		return nil, fmt.Errorf("kid %q not in the JWKS", h.KeyID)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, err
	}
	// Step 3: iss, aud, iat, exp as for an ID token.
	if c["iss"] != r.issuer {
		return nil, fmt.Errorf("iss %v", c["iss"])
	}
	if c["aud"] != r.clientID && !slices.Contains(anyStrings(c["aud"]), r.clientID) {
		return nil, fmt.Errorf("aud %v, want %s", c["aud"], r.clientID)
	}
	iat, _ := c["iat"].(float64)
	exp, _ := c["exp"].(float64)
	now := float64(r.now().Unix())
	if iat == 0 || iat > now+5 || exp <= now || exp-iat > 600 {
		return nil, fmt.Errorf("iat %v exp %v at %v: want a recent token with a short lifetime", iat, exp, now)
	}
	// Step 4: sub or sid.
	sub, _ := c["sub"].(string)
	sid, _ := c["sid"].(string)
	if sub == "" && sid == "" {
		return nil, fmt.Errorf("neither sub nor sid")
	}
	// Step 5: events with the back-channel logout member, an object.
	ev, _ := c["events"].(map[string]any)
	if _, ok := ev["http://schemas.openid.net/event/backchannel-logout"].(map[string]any); !ok || len(ev) != 1 {
		return nil, fmt.Errorf("events %v", c["events"])
	}
	// Step 6: no nonce.
	if _, ok := c["nonce"]; ok {
		return nil, fmt.Errorf("a nonce is present")
	}
	// Step 7: jti, not seen before.
	jti, _ := c["jti"].(string)
	r.mu.Lock()
	defer r.mu.Unlock()
	if jti == "" || r.jtis[jti] {
		return nil, fmt.Errorf("jti %q missing or replayed", jti)
	}
	r.jtis[jti] = true
	return c, nil
}

func anyStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// wait waits for n valid tokens delivered, advancing the server's clock
// when a failed attempt waits on its back-off.
func (r *logoutReceiver) wait(t *testing.T, n int, clock *servertest.Clock) []map[string]any {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		got := len(r.tokens)
		r.mu.Unlock()
		if got >= n {
			r.mu.Lock()
			defer r.mu.Unlock()
			return slices.Clone(r.tokens)
		}
		select {
		case <-r.got:
		case <-time.After(500 * time.Millisecond):
			clock.Advance(10 * time.Second) // past any back-off
		case <-deadline:
			t.Fatalf("%s: %d logout tokens delivered after 30s, want %d", r.clientID, got, n)
		}
	}
}

// stopAtApp is a browser that stops at the relying parties' callbacks.
func stopAtApp(t *testing.T, issuer string) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), issuer) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// rpLogin is a relying party in a test: its client, OAuth config and ID
// token verifier.
type rpLogin struct {
	client servertest.Client
	conf   oauth2.Config
	idv    *oidc.IDTokenVerifier
}

func newRP(t *testing.T, in *servertest.Instance, provider *oidc.Provider, spec registry.ClientSpec) *rpLogin {
	spec.GrantTypes = []string{"authorization_code"}
	spec.Scopes = []string{"openid", "profile"}
	c := in.CreateClient(t, spec)
	return &rpLogin{client: c,
		conf: oauth2.Config{ClientID: c.ID, ClientSecret: c.Secret, Endpoint: provider.Endpoint(),
			RedirectURL: spec.RedirectURIs[0], Scopes: []string{oidc.ScopeOpenID}},
		idv: provider.Verifier(&oidc.Config{ClientID: c.ID, Now: in.Clock.Now})}
}

// signInWith runs the code flow in browser b (signing in when the page
// asks) and returns the verified ID token's claims.
func (rp *rpLogin) signInWith(t *testing.T, in *servertest.Instance, b *http.Client, extra ...string) map[string]any {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for i := 0; i+1 < len(extra); i += 2 {
		opts = append(opts, oauth2.SetAuthURLParam(extra[i], extra[i+1]))
	}
	authURL := rp.conf.AuthCodeURL("st", opts...)
	form, page, resp := signInPage(t, b, authURL)
	if page {
		form.Set("username", "grace")
		form.Set("password", "correct horse battery")
		var err error
		if resp, err = b.PostForm(in.URL+"/oauth2/login", form); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code at the callback: %q", resp.Header.Get("Location"))
	}
	tok, err := rp.conf.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	idt, err := rp.idv.Verify(context.Background(), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestBackchannelLogout: two relying parties signed in through one
// browser session each get a logout token when the user signs out, valid
// per §2.6 and naming the sid and sub of their ID tokens; one receiver
// fails first (503) and gets it on a retry. Disabling the user notifies
// the relying parties of their other session.
func TestBackchannelLogout(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) { c.AllowPrivateFetch = true })
	in.CreateUser(t, "grace", "correct horse battery")
	provider, err := oidc.NewProvider(context.Background(), in.URL)
	if err != nil {
		t.Fatal(err)
	}
	var md map[string]any
	provider.Claims(&md)
	if md["backchannel_logout_supported"] != true || md["backchannel_logout_session_supported"] != true {
		t.Errorf("discovery: backchannel_logout_supported %v, backchannel_logout_session_supported %v", md["backchannel_logout_supported"], md["backchannel_logout_session_supported"])
	}
	recvA, srvA := newLogoutReceiver(t, in.URL, "", in.Clock.Now, 0)
	recvB, srvB := newLogoutReceiver(t, in.URL, "", in.Clock.Now, 1)
	rpA := newRP(t, in, provider, registry.ClientSpec{RedirectURIs: []string{"https://app.example/a"}, BackchannelLogoutURI: srvA.URL + "/logout", BackchannelLogoutSessionRequired: true})
	rpB := newRP(t, in, provider, registry.ClientSpec{RedirectURIs: []string{"https://app.example/b"}, BackchannelLogoutURI: srvB.URL + "/logout"})
	rpC := newRP(t, in, provider, registry.ClientSpec{RedirectURIs: []string{"https://app.example/c"}}) // no logout URI
	recvA.clientID, recvB.clientID = rpA.client.ID, rpB.client.ID

	b := stopAtApp(t, in.URL)
	idA := rpA.signInWith(t, in, b)
	idB := rpB.signInWith(t, in, b) // the same session: no login page
	rpC.signInWith(t, in, b)
	if idA["sid"] == nil || idA["sid"] != idB["sid"] {
		t.Fatalf("sid %v and %v: want one session's sid in both ID tokens", idA["sid"], idB["sid"])
	}
	if idA["acr"] != "urn:tokenmint:pwd" || fmt.Sprint(idA["amr"]) != "[pwd]" {
		t.Errorf("acr %v amr %v, want urn:tokenmint:pwd [pwd]", idA["acr"], idA["amr"])
	}

	resp, err := b.Get(in.URL + "/oauth2/logout")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("logout: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, c := range []struct {
		recv *logoutReceiver
		id   map[string]any
	}{{recvA, idA}, {recvB, idB}} {
		got := c.recv.wait(t, 1, in.Clock)
		if got[0]["sid"] != c.id["sid"] || got[0]["sub"] != c.id["sub"] {
			t.Errorf("%s: logout token sid %v sub %v, want the ID token's %v %v", c.recv.clientID, got[0]["sid"], got[0]["sub"], c.id["sid"], c.id["sub"])
		}
	}
	if recvB.attempts < 2 {
		t.Errorf("B's receiver saw %d attempts, want a failure then a retry", recvB.attempts)
	}

	t.Run("disabling the user", func(t *testing.T) {
		b2 := stopAtApp(t, in.URL)
		id := rpA.signInWith(t, in, b2)
		user, err := in.Server.Store().GetUserByUsername(t.Context(), "grace")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.Registry.SetDisabled(t.Context(), user.ID, true); err != nil {
			t.Fatal(err)
		}
		got := recvA.wait(t, 2, in.Clock)
		if got[1]["sid"] != id["sid"] || got[1]["sid"] == idA["sid"] {
			t.Errorf("logout token sid %v, want the second session's %v", got[1]["sid"], id["sid"])
		}
	})
}

// TestBackchannelLogoutPrivateAddress: without --allow-private-fetch a
// backchannel_logout_uri on a loopback address is never posted to; the
// failure is audited.
func TestBackchannelLogoutPrivateAddress(t *testing.T) {
	in := servertest.Start(t)
	in.CreateUser(t, "grace", "correct horse battery")
	provider, err := oidc.NewProvider(context.Background(), in.URL)
	if err != nil {
		t.Fatal(err)
	}
	hit := make(chan struct{}, 4)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit <- struct{}{} }))
	defer srv.Close()
	rp := newRP(t, in, provider, registry.ClientSpec{RedirectURIs: []string{"https://app.example/a"}, BackchannelLogoutURI: srv.URL + "/logout"})
	b := stopAtApp(t, in.URL)
	rp.signInWith(t, in, b)
	resp, err := b.Get(in.URL + "/oauth2/logout")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := in.Server.Audit().Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		evs, _, err := in.Server.Store().ListAuditEvents(t.Context(), tokenmint.AuditFilter{Type: tokenmint.AuditBackchannelLogoutFailed})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 0 {
			if e := evs[0].Details["error"]; !strings.Contains(e, "loopback, private or reserved") || evs[0].ClientID != rp.client.ID {
				t.Errorf("audited failure %+v, want the address refused", evs[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no failed delivery audited after 30s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	select {
	case <-hit:
		t.Fatal("the loopback receiver was posted to")
	default:
	}
}
