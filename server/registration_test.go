package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registration"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/token"
)

// rpMetadata is what a standard OpenID Connect relying party built on
// golang.org/x/oauth2 registers: the code flow with refresh tokens, a
// secret sent with HTTP Basic (x/oauth2's AuthStyleInHeader).
func rpMetadata() map[string]any {
	return map[string]any{
		"client_name":                "Example RP",
		"redirect_uris":              []string{"https://app.example/callback"},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "client_secret_basic",
		"scope":                      "openid profile email",
	}
}

// mintRegistrationToken mints an initial access token on in's database, as
// `tokenmint registration-token create` does.
func mintRegistrationToken(t *testing.T, in *servertest.Instance, ttl time.Duration, uses int) string {
	t.Helper()
	tokens := token.NewHasher(servertest.TestMasterKey.Derive(token.PurposeTokenHash))
	secret, _, err := registration.MintToken(context.Background(), in.Server.Store(), tokens, ttl, uses, in.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return secret.Reveal()
}

// jsonRequest sends body (JSON-encoded unless it is a string) with the
// bearer token, when given.
func jsonRequest(t *testing.T, method, u, bearer string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return do(t, req)
}

// registered is a client the registration endpoint answered for.
type registered struct {
	ID, Secret, AccessToken, URI string
	Body                         map[string]any
}

// registerClient registers metadata with the initial access token and
// fails unless the answer is 201 with the members of RFC 7591 §3.2.1.
func registerClient(t *testing.T, in *servertest.Instance, bearer string, metadata any) registered {
	t.Helper()
	status, h, body := jsonRequest(t, http.MethodPost, in.URL+"/oauth2/register", bearer, metadata)
	if status != http.StatusCreated {
		t.Fatalf("register: %d %v", status, body)
	}
	if h.Get("Cache-Control") != "no-store" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("register answered Cache-Control %q Content-Type %q", h.Get("Cache-Control"), h.Get("Content-Type"))
	}
	r := registered{Body: body}
	r.ID, _ = body["client_id"].(string)
	r.Secret, _ = body["client_secret"].(string)
	r.AccessToken, _ = body["registration_access_token"].(string)
	r.URI, _ = body["registration_client_uri"].(string)
	if r.ID == "" || r.AccessToken == "" || r.URI != in.URL+"/oauth2/register/"+r.ID {
		t.Fatalf("register answered %v: want client_id, registration_access_token and registration_client_uri", body)
	}
	if _, ok := body["client_id_issued_at"].(float64); !ok {
		t.Errorf("no client_id_issued_at in %v", body)
	}
	return r
}

func withRegistration(mode string, scopes ...string) servertest.Option {
	return func(c *config.Config) {
		c.Registration = mode
		if scopes != nil {
			c.RegistrationScopes = scopes
		}
		c.RegistrationGrantTypes = []string{"authorization_code", "refresh_token", "client_credentials"}
	}
}

// TestRegistrationDiscovery: the endpoint is advertised in both discovery
// documents, and neither endpoint nor advertisement exists with
// --registration off.
func TestRegistrationDiscovery(t *testing.T) {
	in := servertest.Start(t)
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		_, _, md := get(t, in.URL+path)
		if md["registration_endpoint"] != in.URL+"/oauth2/register" {
			t.Errorf("%s: registration_endpoint = %v", path, md["registration_endpoint"])
		}
	}
	off := servertest.Start(t, withRegistration(config.RegistrationOff))
	_, _, md := get(t, off.URL+"/.well-known/openid-configuration")
	if _, ok := md["registration_endpoint"]; ok {
		t.Error("--registration off still advertises registration_endpoint")
	}
	tok := mintRegistrationToken(t, off, time.Hour, 1)
	if status, _, body := jsonRequest(t, http.MethodPost, off.URL+"/oauth2/register", tok, rpMetadata()); status != http.StatusNotFound {
		t.Errorf("--registration off: register answered %d %v, want 404", status, body)
	}
	if status, _, _ := jsonRequest(t, http.MethodGet, off.URL+"/oauth2/register/x", tok, nil); status != http.StatusNotFound {
		t.Errorf("--registration off: the configuration endpoint answered %d, want 404", status)
	}
}

// TestRegistrationThenToken: a relying party registers with
// golang.org/x/oauth2-compatible metadata and signs a user in with the
// credentials it got (go-oidc discovery, x/oauth2 code flow with PKCE,
// consent, exchange, refresh); a service registers for
// client_credentials and gets a token with x/oauth2's clientcredentials.
func TestRegistrationThenToken(t *testing.T) {
	in := servertest.Start(t, withRegistration(config.RegistrationToken, "openid", "profile", "email", "api"))
	ctx := context.Background()
	in.CreateUser(t, "grace", "correct horse battery")
	rp := registerClient(t, in, mintRegistrationToken(t, in, time.Hour, 2), rpMetadata())
	if rp.Secret == "" || rp.Body["client_secret_expires_at"] != float64(0) {
		t.Fatalf("a confidential client's answer needs client_secret and client_secret_expires_at 0: %v", rp.Body)
	}
	for k, want := range map[string]any{"client_name": "Example RP", "token_endpoint_auth_method": "client_secret_basic", "scope": "openid profile email"} {
		if rp.Body[k] != want {
			t.Errorf("registered %s = %v, want %v", k, rp.Body[k], want)
		}
	}

	provider, err := oidc.NewProvider(ctx, in.URL)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: rp.ID, ClientSecret: rp.Secret, Endpoint: provider.Endpoint(),
		RedirectURL: "https://app.example/callback", Scopes: []string{oidc.ScopeOpenID, "profile"}}
	verifier := oauth2.GenerateVerifier()
	b := browserClient(t)
	form, page, _ := signInPage(t, b, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if !page || form.Get("csrf_token") == "" {
		t.Fatal("no login page")
	}
	form.Set("username", "grace")
	form.Set("password", "correct horse battery")
	resp, err := b.PostForm(in.URL+"/oauth2/login", form)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the sign-in: %d, want the consent page: a registered client is a third party", resp.StatusCode)
	}
	form = pageHiddenFields(t, resp)
	form.Set("decision", "allow")
	if resp, err = b.PostForm(in.URL+"/oauth2/consent", form); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tok, err := conf.Exchange(ctx, clientCallback(t, resp).Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange with the registered credentials: %v", err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: rp.ID, Now: in.Clock.Now}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil || idt.Audience[0] != rp.ID {
		t.Fatalf("ID token: %v", err)
	}
	expired := *tok
	expired.Expiry, expired.AccessToken = in.Clock.Now().Add(-1), ""
	if fresh, err := conf.TokenSource(ctx, &expired).Token(); err != nil || fresh.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v", err)
	}

	svc := registerClient(t, in, mintRegistrationToken(t, in, time.Hour, 1), map[string]any{
		"client_name": "batch job", "grant_types": []string{"client_credentials"}, "scope": "api",
		"token_endpoint_auth_method": "client_secret_post",
	})
	if rt, _ := svc.Body["response_types"].([]any); len(rt) != 0 {
		t.Errorf("a client_credentials client's response_types = %v, want []", rt)
	}
	cc := clientcredentials.Config{ClientID: svc.ID, ClientSecret: svc.Secret, TokenURL: in.URL + "/oauth2/token",
		Scopes: []string{"api"}, AuthStyle: oauth2.AuthStyleInParams}
	if ctok, err := cc.Token(ctx); err != nil || ctok.AccessToken == "" {
		t.Fatalf("client_credentials with the registered credentials: %v", err)
	}
}

// TestRegisteredPublicClientMustUsePKCE: a client registered with
// token_endpoint_auth_method none gets no secret, and the authorization
// endpoint refuses it without PKCE, then serves it with S256.
func TestRegisteredPublicClientMustUsePKCE(t *testing.T) {
	in := servertest.Start(t, withRegistration(config.RegistrationOpen))
	md := rpMetadata()
	md["token_endpoint_auth_method"] = "none"
	c := registerClient(t, in, "", md)
	if _, ok := c.Body["client_secret"]; ok {
		t.Fatalf("a public client got a client_secret: %v", c.Body)
	}
	if _, ok := c.Body["client_secret_expires_at"]; ok {
		t.Errorf("a public client's answer has client_secret_expires_at: %v", c.Body)
	}
	if c.Body["token_endpoint_auth_method"] != "none" {
		t.Errorf("token_endpoint_auth_method = %v, want none", c.Body["token_endpoint_auth_method"])
	}
	in.CreateUser(t, "grace", "correct horse battery")
	conf := oauth2.Config{ClientID: c.ID, Endpoint: oauth2.Endpoint{AuthURL: in.URL + "/oauth2/authorize", TokenURL: in.URL + "/oauth2/token"},
		RedirectURL: "https://app.example/callback", Scopes: []string{"openid"}}
	b := browserClient(t)
	_, _, resp := signInPage(t, b, conf.AuthCodeURL("st"))
	if q := clientCallback(t, resp); q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), "PKCE") {
		t.Fatalf("authorization without PKCE answered %v, want invalid_request about PKCE", q)
	}
	verifier := oauth2.GenerateVerifier()
	form, page, _ := signInPage(t, b, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if !page {
		t.Fatal("with PKCE: no login page")
	}
	form.Set("username", "grace")
	form.Set("password", "correct horse battery")
	resp, err := b.PostForm(in.URL+"/oauth2/login", form)
	if err != nil {
		t.Fatal(err)
	}
	form = pageHiddenFields(t, resp)
	form.Set("decision", "allow")
	if resp, err = b.PostForm(in.URL+"/oauth2/consent", form); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := conf.Exchange(context.Background(), clientCallback(t, resp).Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("public client's exchange with PKCE: %v", err)
	}
}

// TestRegistrationInitialAccessToken: with --registration token, the
// request needs an initial access token: one minted by the CLI, while it
// has uses left and has not expired, or an access token of this server
// with the scope tokenmint:register.
func TestRegistrationInitialAccessToken(t *testing.T) {
	in := servertest.Start(t)
	endpoint := in.URL + "/oauth2/register"
	t.Run("none", func(t *testing.T) {
		status, h, body := jsonRequest(t, http.MethodPost, endpoint, "", rpMetadata())
		if status != http.StatusUnauthorized || h.Get("WWW-Authenticate") != `Bearer realm="tokenmint"` {
			t.Fatalf("no token: %d %q %v, want 401 with a Bearer challenge", status, h.Get("WWW-Authenticate"), body)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		for _, tok := range []string{"tmit_" + strings.Repeat("A", 43), "garbage", token.Generate(token.PrefixAccessToken)} {
			status, h, body := jsonRequest(t, http.MethodPost, endpoint, tok, rpMetadata())
			wantError(t, status, h, body, http.StatusUnauthorized, "invalid_token")
			if !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate = %q", h.Get("WWW-Authenticate"))
			}
		}
	})
	t.Run("exhausted", func(t *testing.T) {
		tok := mintRegistrationToken(t, in, time.Hour, 2)
		registerClient(t, in, tok, rpMetadata())
		registerClient(t, in, tok, rpMetadata())
		status, h, body := jsonRequest(t, http.MethodPost, endpoint, tok, rpMetadata())
		wantError(t, status, h, body, http.StatusUnauthorized, "invalid_token")
	})
	t.Run("expired", func(t *testing.T) {
		tok := mintRegistrationToken(t, in, time.Hour, 5)
		in.Clock.Advance(time.Hour)
		status, h, body := jsonRequest(t, http.MethodPost, endpoint, tok, rpMetadata())
		wantError(t, status, h, body, http.StatusUnauthorized, "invalid_token")
	})
	t.Run("refused registration spends no use", func(t *testing.T) {
		tok := mintRegistrationToken(t, in, time.Hour, 1)
		bad := rpMetadata()
		bad["redirect_uris"] = []string{"javascript:alert(1)"}
		status, h, body := jsonRequest(t, http.MethodPost, endpoint, tok, bad)
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_redirect_uri")
		registerClient(t, in, tok, rpMetadata())
	})
	t.Run("access token with tokenmint:register", func(t *testing.T) {
		portal := in.CreateClient(t, registry.ClientSpec{Name: "partner portal", Scopes: []string{registration.ScopeRegister, "api"}})
		_, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {registration.ScopeRegister}}, portal.ID, portal.Secret)
		at, _ := body["access_token"].(string)
		if at == "" {
			t.Fatalf("token: %v", body)
		}
		registerClient(t, in, at, rpMetadata())
		_, _, body = post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}}, portal.ID, portal.Secret)
		narrow, _ := body["access_token"].(string)
		status, h, body := jsonRequest(t, http.MethodPost, endpoint, narrow, rpMetadata())
		wantError(t, status, h, body, http.StatusForbidden, "insufficient_scope")
	})
}

// TestRegistrationTokenConcurrentUses: of many registrations at once
// with a one-use initial access token, on two instances sharing a
// database (SQLite, PostgreSQL), exactly one creates a client.
func TestRegistrationTokenConcurrentUses(t *testing.T) {
	onSharedDatabase(t, func(t *testing.T, a, b *servertest.Instance) {
		tok := mintRegistrationToken(t, a, time.Hour, 1)
		before, err := a.Server.Store().ListClients(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		const n = 12
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			in := []*servertest.Instance{a, b}[i%2]
			wg.Go(func() {
				raw, _ := json.Marshal(rpMetadata())
				req, _ := http.NewRequest(http.MethodPost, in.URL+"/oauth2/register", bytes.NewReader(raw))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			})
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusUnauthorized:
			default:
				t.Errorf("status %d, want 201 or 401", s)
			}
		}
		after, err := a.Server.Store().ListClients(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if created != 1 || len(after)-len(before) != 1 {
			t.Fatalf("%d concurrent registrations with a one-use token: %d answered 201, %d clients created; want 1 and 1", n, created, len(after)-len(before))
		}
	})
}

// TestRegistrationManagement: RFC 7592 read, update and delete with the
// registration access token; another client's token, a wrong one or none
// get 401 invalid_token.
func TestRegistrationManagement(t *testing.T) {
	in := servertest.Start(t, withRegistration(config.RegistrationOpen, "openid", "profile", "email", "api"))
	a := registerClient(t, in, "", rpMetadata())
	b := registerClient(t, in, "", rpMetadata())
	operatorMade := in.CreateClient(t, registry.ClientSpec{Name: "operator's"})

	t.Run("read", func(t *testing.T) {
		status, h, body := jsonRequest(t, http.MethodGet, a.URI, a.AccessToken, nil)
		if status != http.StatusOK || h.Get("Cache-Control") != "no-store" {
			t.Fatalf("read: %d %v", status, body)
		}
		for _, k := range []string{"client_id", "client_name", "redirect_uris", "grant_types", "scope", "token_endpoint_auth_method", "registration_client_uri", "registration_access_token", "client_id_issued_at"} {
			if !jsonEqual(body[k], a.Body[k]) {
				t.Errorf("read %s = %v, registered %v", k, body[k], a.Body[k])
			}
		}
		if _, ok := body["client_secret"]; ok {
			t.Error("read answered the client secret, which is stored only hashed")
		}
	})
	t.Run("wrong tokens", func(t *testing.T) {
		cases := []struct{ name, uri, bearer string }{
			{"another client's", a.URI, b.AccessToken},
			{"the client secret", a.URI, a.Secret},
			{"garbage", a.URI, "tmra_nope"},
			{"an unknown client", in.URL + "/oauth2/register/nope", a.AccessToken},
			{"a client made by an operator", in.URL + "/oauth2/register/" + operatorMade.ID, a.AccessToken},
		}
		for _, c := range cases {
			for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
				var body any
				if method == http.MethodPut {
					md := rpMetadata()
					md["client_id"] = a.ID
					body = md
				}
				status, h, resp := jsonRequest(t, method, c.uri, c.bearer, body)
				if status != http.StatusUnauthorized || resp["error"] != "invalid_token" || !strings.Contains(h.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s %s: %d %v, want 401 invalid_token", method, c.name, status, resp)
				}
			}
		}
		if status, _, _ := jsonRequest(t, http.MethodGet, a.URI, "", nil); status != http.StatusUnauthorized {
			t.Errorf("read without a token: %d, want 401", status)
		}
	})
	t.Run("update", func(t *testing.T) {
		md := map[string]any{
			"client_id":     a.ID,
			"client_name":   "Renamed RP",
			"redirect_uris": []string{"https://app.example/new"},
			"grant_types":   []string{"authorization_code"},
			"client_secret": a.Secret,
			// Members of the answer the client sends back are ignored.
			"registration_access_token": a.AccessToken,
			"client_id_issued_at":       a.Body["client_id_issued_at"],
		}
		status, _, body := jsonRequest(t, http.MethodPut, a.URI, a.AccessToken, md)
		if status != http.StatusOK {
			t.Fatalf("update: %d %v", status, body)
		}
		if body["client_name"] != "Renamed RP" || !jsonEqual(body["redirect_uris"], []any{"https://app.example/new"}) ||
			!jsonEqual(body["grant_types"], []any{"authorization_code"}) || body["scope"] != "openid profile email api" {
			t.Errorf("update answered %v (scope left out: every scope of the policy)", body)
		}
		c, err := in.Server.Store().GetClient(context.Background(), a.ID)
		if err != nil || c.Name != "Renamed RP" || !slices.Equal(c.RedirectURIs, []string{"https://app.example/new"}) || !c.RequireConsent {
			t.Errorf("stored %+v, %v", c, err)
		}
		// The secret still works.
		if status, _, body := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {"x"}}, a.ID, a.Secret); status != http.StatusOK {
			t.Errorf("the secret after an update: %d %v", status, body)
		}
	})
	t.Run("update refusals", func(t *testing.T) {
		cases := []struct {
			name   string
			change func(md map[string]any)
			code   string
		}{
			{"no client_id", func(md map[string]any) { delete(md, "client_id") }, "invalid_client_metadata"},
			{"another client_id", func(md map[string]any) { md["client_id"] = b.ID }, "invalid_client_metadata"},
			{"a wrong client_secret", func(md map[string]any) { md["client_secret"] = b.Secret }, "invalid_client_metadata"},
			{"to none", func(md map[string]any) { md["token_endpoint_auth_method"] = "none" }, "invalid_client_metadata"},
			{"a tokenmint scope", func(md map[string]any) { md["scope"] = "openid tokenmint:admin" }, "invalid_client_metadata"},
			{"a javascript: redirect", func(md map[string]any) { md["redirect_uris"] = []string{"javascript:alert(1)"} }, "invalid_redirect_uri"},
		}
		for _, c := range cases {
			md := rpMetadata()
			md["client_id"] = a.ID
			c.change(md)
			status, h, body := jsonRequest(t, http.MethodPut, a.URI, a.AccessToken, md)
			if status != http.StatusBadRequest || body["error"] != c.code {
				t.Errorf("%s: %d %v, want 400 %s", c.name, status, body, c.code)
				continue
			}
			wantError(t, status, h, body, http.StatusBadRequest, c.code)
		}
	})
	t.Run("delete", func(t *testing.T) {
		_, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, b.ID, b.Secret)
		if body["error"] != "unauthorized_client" {
			t.Fatalf("b before its deletion: %v", body)
		}
		status, _, resp := jsonRequest(t, http.MethodDelete, b.URI, b.AccessToken, nil)
		if status != http.StatusNoContent || resp != nil {
			t.Fatalf("delete: %d %v, want 204 and no body", status, resp)
		}
		if _, err := in.Server.Store().GetClient(context.Background(), b.ID); err == nil {
			t.Error("the client is still stored")
		}
		if status, _, _ := jsonRequest(t, http.MethodGet, b.URI, b.AccessToken, nil); status != http.StatusUnauthorized {
			t.Errorf("read after delete: %d, want 401", status)
		}
		status, _, body = post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, b.ID, b.Secret)
		if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
			t.Errorf("the deleted client's credentials right after the delete: %d %v, want 401 invalid_client", status, body)
		}
	})
}

// TestRegistrationHostileInput: malformed bodies and metadata outside
// the policy are refused with the errors of RFC 7591 §3.2.2; members the
// server does not understand are ignored (RFC 7591 §2).
func TestRegistrationHostileInput(t *testing.T) {
	in := servertest.Start(t, withRegistration(config.RegistrationOpen))
	endpoint := in.URL + "/oauth2/register"
	with := func(kv ...any) map[string]any {
		md := rpMetadata()
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(md, kv[i].(string))
			} else {
				md[kv[i].(string)] = kv[i+1]
			}
		}
		return md
	}
	tests := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"bad JSON", `{"redirect_uris": [`, 400, "invalid_client_metadata"},
		{"not JSON", `redirect_uris=https://app.example/cb`, 400, "invalid_client_metadata"},
		{"an array", `[{"redirect_uris":["https://app.example/cb"]}]`, 400, "invalid_client_metadata"},
		{"trailing data", `{"redirect_uris":["https://app.example/cb"]} {}`, 400, "invalid_client_metadata"},
		{"empty body", ``, 400, "invalid_client_metadata"},
		{"member twice", `{"redirect_uris":["https://app.example/cb"],"redirect_uris":["https://evil.example/cb"]}`, 400, "invalid_client_metadata"},
		{"wrong type", with("grant_types", "authorization_code"), 400, "invalid_client_metadata"},
		{"wrong type of client_name", with("client_name", 7), 400, "invalid_client_metadata"},
		{"wrong type of redirect_uris", with("redirect_uris", "https://app.example/cb"), 400, "invalid_redirect_uri"},
		{"javascript: redirect", with("redirect_uris", []string{"javascript:alert(document.cookie)"}), 400, "invalid_redirect_uri"},
		{"data: redirect", with("redirect_uris", []string{"data:text/html,<script>alert(1)</script>"}), 400, "invalid_redirect_uri"},
		{"fragment", with("redirect_uris", []string{"https://app.example/cb#x"}), 400, "invalid_redirect_uri"},
		{"wildcard", with("redirect_uris", []string{"https://*.example/cb"}), 400, "invalid_redirect_uri"},
		{"plain http", with("redirect_uris", []string{"http://app.example/cb"}), 400, "invalid_redirect_uri"},
		{"no redirect URI for the code flow", with("redirect_uris", nil), 400, "invalid_redirect_uri"},
		{"tokenmint:admin", with("scope", "openid tokenmint:admin"), 400, "invalid_client_metadata"},
		{"tokenmint:register", with("scope", "tokenmint:register"), 400, "invalid_client_metadata"},
		{"scope outside the policy", with("scope", "openid payments"), 400, "invalid_client_metadata"},
		{"password grant", with("grant_types", []string{"password"}), 400, "invalid_client_metadata"},
		{"implicit grant", with("grant_types", []string{"implicit"}), 400, "invalid_client_metadata"},
		{"token response type", with("response_types", []string{"code", "token"}), 400, "invalid_client_metadata"},
		{"private_key_jwt", with("token_endpoint_auth_method", "private_key_jwt"), 400, "invalid_client_metadata"},
		{"public client_credentials", with("token_endpoint_auth_method", "none", "grant_types", []string{"client_credentials"}, "response_types", nil), 400, "invalid_client_metadata"},
		{"empty grant types", with("grant_types", []string{}), 400, "invalid_client_metadata"},
		{"oversized", with("client_name", strings.Repeat("x", 70<<10)), 413, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := jsonRequest(t, http.MethodPost, endpoint, "", tt.body)
			wantError(t, status, h, body, tt.status, tt.code)
		})
	}
	t.Run("wrong content type", func(t *testing.T) {
		raw, _ := json.Marshal(rpMetadata())
		req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		status, h, body := do(t, req)
		wantError(t, status, h, body, http.StatusUnsupportedMediaType, "invalid_request")
	})
	t.Run("GET on the registration endpoint", func(t *testing.T) {
		status, h, _ := jsonRequest(t, http.MethodGet, endpoint, "", nil)
		if status != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" {
			t.Errorf("GET: %d Allow %q, want 405 with Allow: POST", status, h.Get("Allow"))
		}
	})
	t.Run("members not understood are ignored", func(t *testing.T) {
		md := with(
			"client_id", "chosen-by-the-client",
			"client_secret", "chosen-secret",
			"logo_uri", "https://app.example/logo.png",
			"client_uri", 5, // of the wrong type, but not understood: ignored
			"contacts", []string{"ops@app.example"},
			"software_statement", "eyJhbGciOiJub25lIn0.e30.",
			"x-vendor-extension", map[string]any{"nested": true},
			"Scope", "tokenmint:admin",
			// tokenmint's own settings are an operator's, never a registrant's.
			"claims", map[string]string{"role": "admin"},
			"audience", []string{"https://payments.example"},
			"token_format", "opaque",
			"access_token_ttl", 315360000,
			"profile", "eptura",
			"allow_no_pkce", true,
			"require_consent", false,
			"intersect_scopes", true,
		)
		c := registerClient(t, in, "", md)
		if c.ID == "chosen-by-the-client" || c.Secret == "chosen-secret" {
			t.Fatalf("the client chose its credentials: %v", c.Body)
		}
		for _, k := range []string{"logo_uri", "contacts", "software_statement", "x-vendor-extension", "Scope"} {
			if _, ok := c.Body[k]; ok {
				t.Errorf("the answer registers %s, which the server does not understand", k)
			}
		}
		rec, err := in.Server.Store().GetClient(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Claims) != 0 || len(rec.Audience) != 0 || rec.TokenFormat != tokenmint.FormatJWT || rec.AccessTTL != 0 ||
			rec.Profile != "" || rec.AllowNoPKCE || !rec.RequireConsent || rec.IntersectScopes || slices.Contains(rec.Scopes, "tokenmint:admin") {
			t.Errorf("a registrant set an operator's setting: %+v", rec)
		}
	})
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
