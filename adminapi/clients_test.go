package adminapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// clientCreds is what a creation or rotation answered.
func (e *env) createClient(body any) clientmeta.Metadata {
	e.t.Helper()
	r := e.admin(http.MethodPost, adminapi.PathClients, body)
	want(e.t, r, http.StatusCreated)
	var m clientmeta.Metadata
	r.json(e.t, &m)
	if loc := r.header.Get("Location"); loc != adminapi.PathClients+"/"+m.ClientID {
		e.t.Errorf("Location %q", loc)
	}
	return m
}

// tokenStatus requests a client_credentials token with id and secret.
func tokenStatus(t *testing.T, in *servertest.Instance, id, secret string) (int, tokenResponse) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	json.NewDecoder(resp.Body).Decode(&tr)
	return resp.StatusCode, tr
}

// active introspects tok with the credentials of the client it was
// issued to (a client sees only its own tokens, RFC 7662 §4).
func active(t *testing.T, in *servertest.Instance, id, secret, tok string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/oauth2/introspect", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return body["active"] == true
}

func TestCreateClient(t *testing.T) {
	e := newEnv(t)
	m := e.createClient(map[string]any{"client_name": "partner", "scope": "api read", "access_token_ttl": 600,
		"audience": []string{e.ops.ID}, "claims": map[string]string{"tenant": "t1"}})
	if !strings.HasPrefix(m.ClientSecret, "tmcs_") || m.ClientSecretExpiresAt == nil || *m.ClientSecretExpiresAt != 0 ||
		m.ClientName != "partner" || m.Scope != "api read" || m.AccessTokenTTL != 600 || m.TokenEndpointAuthMethod != "client_secret_basic" ||
		!slices.Equal(m.GrantTypes, []string{"client_credentials"}) || m.ClientIDIssuedAt != e.in.Clock.Now().Unix() || m.HasAPIKey {
		t.Errorf("created %+v", m)
	}
	// The secret works at once, and is never shown again.
	status, tr := tokenStatus(t, e.in, m.ClientID, m.ClientSecret)
	if status != http.StatusOK || tr.ExpiresIn != 600 {
		t.Errorf("token of the new client: %d %+v", status, tr)
	}
	r := e.admin(http.MethodGet, adminapi.PathClients+"/"+m.ClientID, nil)
	want(t, r, http.StatusOK)
	if strings.Contains(string(r.body), m.ClientSecret) || strings.Contains(string(r.body), "client_secret\"") {
		t.Errorf("GET shows the secret: %s", r.body)
	}

	// A profile's defaults fill what the request leaves out.
	p := e.createClient(map[string]any{"client_name": "epc partner", "profile": "epc", "client_id": "epc-1", "has_api_key": true})
	if p.ClientID != "epc-1" || p.TokenFormat != "opaque" || p.Scope != "pc pcapi" || p.IdleTTL != 900 || !p.HasAPIKey || !strings.HasPrefix(p.APIKey, "tmak_") {
		t.Errorf("profile client %+v", p)
	}
	// A public client: no secret.
	pub := e.createClient(map[string]any{"client_name": "spa", "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}, "redirect_uris": []string{"https://app.example/cb"}, "response_types": []string{"code"}})
	if pub.ClientSecret != "" || pub.ClientSecretExpiresAt != nil || pub.TokenEndpointAuthMethod != "none" || !slices.Equal(pub.ResponseTypes, []string{"code"}) {
		t.Errorf("public client %+v", pub)
	}

	// Refusals name the member.
	for _, tc := range []struct {
		body        string
		code, field string
		status      int
	}{
		{`{"client_name":"x","redirect_uris":["http://evil.example/cb"],"grant_types":["authorization_code"]}`, "invalid_redirect_uri", "redirect_uris", 400},
		{`{"client_name":"x","grant_types":["implicit"]}`, "invalid_client_metadata", "grant_types", 400},
		{`{"client_name":"x","jwks_uri":"https://a.example/jwks","jwks":{"keys":[]}}`, "invalid_client_metadata", "jwks_uri", 400},
		{`{"client_name":"x","token_endpoint_auth_method":"private_key_jwt"}`, "invalid_client_metadata", "jwks", 400},
		{`{"client_name":"x","token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}}`, "invalid_client_metadata", "jwks", 400},
		{`{"client_name":"x","token_endpoint_auth_method":"tls_client_auth"}`, "invalid_client_metadata", "tls_client_auth_subject_dn", 400},
		{`{"client_name":"x","token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_dns":"a.example","tls_client_auth_san_email":"a@a.example"}`, "invalid_client_metadata", "tls_client_auth_san_email", 400},
		{`{"client_name":"x","backchannel_logout_uri":"http://a.example/logout"}`, "invalid_client_metadata", "backchannel_logout_uri", 400},
		{`{"client_name":"x","subject_type":"opaque"}`, "invalid_client_metadata", "subject_type", 400},
		{`{"client_name":"x","dpop_bound_access_tokens":"yes"}`, "invalid_client_metadata", "dpop_bound_access_tokens", 400},
		{`{"client_name":"again","client_id":"epc-1"}`, "conflict", "", 409},
		{`{}`, "invalid_client_metadata", "client_name", 400},
	} {
		r := e.do(call{method: http.MethodPost, path: adminapi.PathClients, token: e.token, body: tc.body, hostile: true})
		want(t, r, tc.status)
		pr := r.problem(t)
		if pr.Code != tc.code || (tc.field != "" && (len(pr.Errors) != 1 || pr.Errors[0].Field != tc.field || pr.Errors[0].Pointer != "#/"+tc.field)) {
			t.Errorf("%s: %+v", tc.body, pr)
		}
	}
}

func TestListClients(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.createClient(map[string]any{"client_name": fmt.Sprintf("svc-%d", i%2), "client_id": fmt.Sprintf("c%d", i)})
	}
	var all []string
	token := ""
	for pages := 0; ; pages++ {
		path := adminapi.PathClients + "?page_size=2"
		if token != "" {
			path += "&page_token=" + url.QueryEscape(token)
		}
		r := e.admin(http.MethodGet, path, nil)
		want(t, r, http.StatusOK)
		var l adminapi.ClientList
		r.json(t, &l)
		if len(l.Clients) > 2 || pages > 5 {
			t.Fatalf("page of %d", len(l.Clients))
		}
		for _, c := range l.Clients {
			all = append(all, c.ClientID)
			if c.ClientSecret != "" {
				t.Error("a list shows a secret")
			}
		}
		if token = l.NextPageToken; token == "" {
			break
		}
	}
	wantIDs := []string{"c0", "c1", "c2", "c3", "c4", e.ops.ID}
	slices.Sort(wantIDs)
	if !slices.Equal(all, wantIDs) {
		t.Errorf("paged through %v, want %v", all, wantIDs)
	}
	for _, q := range []string{"client_name=svc-1", "name=svc-1"} {
		r := e.admin(http.MethodGet, adminapi.PathClients+"?"+q, nil)
		var l adminapi.ClientList
		r.json(t, &l)
		if len(l.Clients) != 2 || l.Clients[0].ClientID != "c1" || l.Clients[1].ClientID != "c3" {
			t.Errorf("%s: %+v", q, l)
		}
	}
	for _, q := range []string{"page_size=0", "page_size=501", "page_size=x", "page_token=%25%25", "page_token=!", "colour=red"} {
		r := e.do(call{method: http.MethodGet, path: adminapi.PathClients + "?" + q, token: e.token, hostile: true})
		want(t, r, http.StatusBadRequest)
		if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field == "" {
			t.Errorf("%s: %+v", q, p)
		}
	}
}

// TestPatchClient: only the members given change; the change shows in
// the next token at once on this instance; a rejected change changes
// nothing.
func TestPatchClient(t *testing.T) {
	e := newEnv(t)
	m := e.createClient(map[string]any{"client_name": "svc", "scope": "api", "claims": map[string]string{"a": "1"}})
	path := adminapi.PathClients + "/" + m.ClientID
	r := e.admin(http.MethodPatch, path, map[string]any{"access_token_ttl": 120})
	want(t, r, http.StatusOK)
	var got clientmeta.Metadata
	r.json(t, &got)
	if got.AccessTokenTTL != 120 || got.ClientName != "svc" || got.Scope != "api" || got.Claims["a"] != "1" {
		t.Errorf("patched %+v", got)
	}
	if _, tr := tokenStatus(t, e.in, m.ClientID, m.ClientSecret); tr.ExpiresIn != 120 {
		t.Errorf("expires_in %d after the change, want 120 at once on this instance", tr.ExpiresIn)
	}
	r = e.admin(http.MethodPatch, path, map[string]any{"access_token_ttl": nil, "claims": map[string]string{}})
	got = clientmeta.Metadata{}
	r.json(t, &got)
	if got.AccessTokenTTL != 0 || len(got.Claims) != 0 {
		t.Errorf("null restores the default: %+v", got)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"idle_ttl":60}`, "idle_ttl"},
		{`{"client_id":"` + e.ops.ID + `"}`, "client_id"},
		{`{"token_endpoint_auth_method":"none"}`, "token_endpoint_auth_method"},
		{`{"scope":"a\"b"}`, "scope"},
		{`{"client_secret":"mine"}`, "client_secret"},
	} {
		r := e.do(call{method: http.MethodPatch, path: path, token: e.token, body: tc.body, hostile: true})
		want(t, r, http.StatusBadRequest)
		if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: %+v", tc.body, p)
		}
	}
	r = e.admin(http.MethodGet, path, nil)
	var after clientmeta.Metadata
	r.json(t, &after)
	if after.IdleTTL != 0 || after.TokenEndpointAuthMethod != "client_secret_basic" {
		t.Errorf("a rejected change was stored: %+v", after)
	}
	want(t, e.do(call{method: http.MethodPatch, path: adminapi.PathClients + "/nope", token: e.token, body: `{"client_name":"x"}`}), http.StatusNotFound)
}

// TestRotateSecret: the new secret works at once; the old one keeps
// working for the grace period, default 24 h, and stops at once with 0.
func TestRotateSecret(t *testing.T) {
	e := newEnv(t)
	m := e.createClient(map[string]any{"client_name": "svc"})
	path := adminapi.PathClients + "/" + m.ClientID + "/secret"
	works := func(secret string) bool {
		status, _ := tokenStatus(t, e.in, m.ClientID, secret)
		return status == http.StatusOK
	}
	rotate := func(body any) clientmeta.Metadata {
		t.Helper()
		r := e.admin(http.MethodPost, path, body)
		want(t, r, http.StatusOK)
		var got clientmeta.Metadata
		r.json(t, &got)
		if !strings.HasPrefix(got.ClientSecret, "tmcs_") {
			t.Fatalf("rotation answered no secret: %s", r.body)
		}
		return got
	}
	first := rotate(nil) // default grace
	if !works(first.ClientSecret) || !works(m.ClientSecret) {
		t.Fatal("both secrets must work during the grace period")
	}
	if first.PreviousSecretExpiresAt != e.in.Clock.Now().Add(24*time.Hour).Unix() {
		t.Errorf("previous_secret_expires_at %d, want now + 24 h", first.PreviousSecretExpiresAt)
	}
	e.in.Clock.Advance(24 * time.Hour)
	e.token = e.tokenFor(e.ops, "") // the admin token expired meanwhile
	if works(m.ClientSecret) || !works(first.ClientSecret) {
		t.Fatal("after 24 h only the new secret may work")
	}
	second := rotate(map[string]any{"grace": "90m"})
	e.in.Clock.Advance(89 * time.Minute)
	e.token = e.tokenFor(e.ops, "")
	if !works(first.ClientSecret) {
		t.Fatal("a 90m grace ended early")
	}
	third := rotate(map[string]any{"grace": 0})
	if works(second.ClientSecret) || works(first.ClientSecret) || !works(third.ClientSecret) || third.PreviousSecretExpiresAt != 0 {
		t.Fatal("grace 0 must end the old secret at once")
	}
	for _, bad := range []string{`{"grace":-1}`, `{"grace":"-1h"}`, `{"grace":"forever"}`, `{"grace":2592001}`, `{"grace":1.5}`, `{"grace":null}`, `{"grace":true}`, `{"grace_period":60}`} {
		r := e.do(call{method: http.MethodPost, path: path, token: e.token, body: bad, hostile: true})
		want(t, r, http.StatusBadRequest)
		if p := r.problem(t); len(p.Errors) != 1 {
			t.Errorf("%s: %+v", bad, p)
		}
	}
	pub := e.createClient(map[string]any{"client_name": "spa", "token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code"}, "redirect_uris": []string{"https://a.example/cb"}})
	want(t, e.do(call{method: http.MethodPost, path: adminapi.PathClients + "/" + pub.ClientID + "/secret", token: e.token, hostile: true}), http.StatusBadRequest)
	want(t, e.do(call{method: http.MethodPost, path: adminapi.PathClients + "/nope/secret", token: e.token}), http.StatusNotFound)
}

func TestRotateAPIKey(t *testing.T) {
	e := newEnv(t)
	m := e.createClient(map[string]any{"client_name": "svc"})
	r := e.admin(http.MethodPost, adminapi.PathClients+"/"+m.ClientID+"/api-key", nil)
	want(t, r, http.StatusOK)
	var got clientmeta.Metadata
	r.json(t, &got)
	if !got.HasAPIKey || !strings.HasPrefix(got.APIKey, "tmak_") || got.ClientSecret != "" {
		t.Errorf("api key rotation: %+v", got)
	}
	r = e.admin(http.MethodPatch, adminapi.PathClients+"/"+m.ClientID, map[string]any{"has_api_key": false})
	got = clientmeta.Metadata{}
	r.json(t, &got)
	if got.HasAPIKey {
		t.Error("has_api_key false kept the key")
	}
}

// TestRevokeTokens: every token of the client ends, JWTs without a record
// included; the client keeps working.
func TestRevokeTokens(t *testing.T) {
	e := newEnv(t)
	for _, format := range []string{"jwt", "opaque"} {
		m := e.createClient(map[string]any{"client_name": "svc-" + format, "token_format": format})
		_, before := tokenStatus(t, e.in, m.ClientID, m.ClientSecret)
		if !active(t, e.in, m.ClientID, m.ClientSecret, before.AccessToken) {
			t.Fatal("a new token is inactive")
		}
		e.in.Clock.Advance(time.Millisecond)
		want(t, e.admin(http.MethodPost, adminapi.PathClients+"/"+m.ClientID+"/revoke-tokens", nil), http.StatusNoContent)
		if active(t, e.in, m.ClientID, m.ClientSecret, before.AccessToken) {
			t.Errorf("%s: a token issued before revoke-tokens is active", format)
		}
		e.in.Clock.Advance(time.Millisecond)
		if _, after := tokenStatus(t, e.in, m.ClientID, m.ClientSecret); !active(t, e.in, m.ClientID, m.ClientSecret, after.AccessToken) {
			t.Errorf("%s: a token issued after revoke-tokens is inactive", format)
		}
	}
	want(t, e.do(call{method: http.MethodPost, path: adminapi.PathClients + "/nope/revoke-tokens", token: e.token}), http.StatusNotFound)
}

func TestDeleteClient(t *testing.T) {
	e := newEnv(t)
	m := e.createClient(map[string]any{"client_name": "svc"})
	_, tr := tokenStatus(t, e.in, m.ClientID, m.ClientSecret)
	if !active(t, e.in, m.ClientID, m.ClientSecret, tr.AccessToken) {
		t.Fatal("a new token is inactive")
	}
	want(t, e.admin(http.MethodDelete, adminapi.PathClients+"/"+m.ClientID, nil), http.StatusNoContent)
	if active(t, e.in, e.ops.ID, e.ops.Secret, tr.AccessToken) {
		t.Error("a deleted client's token is active")
	}
	want(t, e.admin(http.MethodDelete, adminapi.PathClients+"/"+m.ClientID, nil), http.StatusNotFound)
}
