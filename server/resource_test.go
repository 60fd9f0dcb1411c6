package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// Resource indicators the tests' clients are registered with (RFC 8707).
const (
	resOrders   = "https://orders.example/api"
	resLedger   = "https://ledger.example/v2?tenant=acme"
	resReports  = "urn:example:reports"
	resUnlisted = "https://evil.example/api"
)

// audOf is the "aud" of a JWT access token verified against the server's
// JWKS, always as a list.
func audOf(t *testing.T, in *servertest.Instance, raw string) []string {
	t.Helper()
	claims, _ := verifyWithJWKS(t, in.URL, raw, tokenmint.AlgES256)
	return audList(claims["aud"])
}

// audList reads an "aud" member, a string or an array of strings (RFC
// 7519 §4.1.3), as a list.
func audList(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		out := make([]string, 0, len(a))
		for _, s := range a {
			out = append(out, fmt.Sprint(s))
		}
		return out
	}
	return nil
}

// resourceClient is a confidential web client allowed the resources
// orders, ledger and reports, with the code and refresh grants.
func resourceClient(t *testing.T, in *servertest.Instance, spec registry.ClientSpec) servertest.Client {
	t.Helper()
	if spec.GrantTypes == nil {
		spec.GrantTypes = []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantClientCredentials}
	}
	spec.Scopes = []string{"openid", "api"}
	spec.RedirectURIs = []string{"https://app.example/callback"}
	if spec.Resources == nil {
		spec.Resources = []string{resOrders, resLedger, resReports}
	}
	return in.CreateClient(t, spec)
}

// TestResourceIndicatorsOAuth2 drives RFC 8707 with golang.org/x/oauth2:
// two resources requested at the authorization endpoint bind the code and
// its family; the token request narrows to one of them; a refresh through
// x/oauth2's TokenSource (no resource) gets the whole grant back, and a
// refresh naming one resource narrows to it (§2.2). clientcredentials
// passes resources as endpoint parameters. The token's aud is the
// resources, verified with go-jose against the JWKS, and introspection
// answers it.
func TestResourceIndicatorsOAuth2(t *testing.T) {
	in := servertest.Start(t)
	ctx := context.Background()
	in.CreateUser(t, "ada", "correct horse battery")
	c := resourceClient(t, in, registry.ClientSpec{})
	conf := oauth2.Config{ClientID: c.ID, ClientSecret: c.Secret, RedirectURL: "https://app.example/callback", Scopes: []string{"api"},
		Endpoint: oauth2.Endpoint{AuthURL: in.URL + "/oauth2/authorize", TokenURL: in.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	// SetAuthURLParam sets one value; the second resource is a repeat of
	// the parameter, as RFC 8707 §2 has it.
	authURL := conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", resOrders)) +
		"&resource=" + url.QueryEscape(resLedger)
	cb := signIn(t, browserClient(t), authURL, "ada", "correct horse battery")
	if cb.Get("code") == "" {
		t.Fatalf("callback %v: want a code", cb)
	}
	tok, err := conf.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", resLedger))
	if err != nil {
		t.Fatalf("exchange narrowing to one resource: %v", err)
	}
	if got := audOf(t, in, tok.AccessToken); !slices.Equal(got, []string{resLedger}) {
		t.Errorf("code exchange aud = %v, want [%s] (the token request narrows, RFC 8707 §2.2)", got, resLedger)
	}
	status, _, body := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, c.ID, c.Secret)
	if status != 200 || body["active"] != true || !slices.Equal(audList(body["aud"]), []string{resLedger}) {
		t.Errorf("introspection: %d %v, want active with aud %s", status, body, resLedger)
	}

	// x/oauth2 refreshes without resource: the whole grant.
	tok.Expiry = time.Unix(1, 0) // make the TokenSource refresh
	refreshed, err := conf.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if got := audOf(t, in, refreshed.AccessToken); !slices.Equal(got, []string{resOrders, resLedger}) {
		t.Errorf("refresh without resource: aud = %v, want both resources of the grant", got)
	}

	// A refresh naming one resource of the grant narrows to it.
	status, _, body = post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {refreshed.RefreshToken}, "resource": {resOrders}}, c.ID, c.Secret)
	if status != 200 {
		t.Fatalf("refresh with resource: %d %v", status, body)
	}
	if got := audOf(t, in, body["access_token"].(string)); !slices.Equal(got, []string{resOrders}) {
		t.Errorf("refresh narrowed: aud = %v, want [%s]", got, resOrders)
	}
	// ... and the refresh token it got still carries the whole grant.
	status, _, body = post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {body["refresh_token"].(string)}, "resource": {resLedger}}, c.ID, c.Secret)
	if status != 200 || !slices.Equal(audOf(t, in, body["access_token"].(string)), []string{resLedger}) {
		t.Errorf("second refresh to the other resource: %d %v", status, body)
	}

	// clientcredentials sends resources as endpoint parameters.
	cc := clientcredentials.Config{ClientID: c.ID, ClientSecret: c.Secret, TokenURL: in.URL + "/oauth2/token",
		EndpointParams: url.Values{"resource": {resReports, resOrders}}}
	ctok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client credentials with resources: %v", err)
	}
	if got := audOf(t, in, ctok.AccessToken); !slices.Equal(got, []string{resReports, resOrders}) {
		t.Errorf("client_credentials aud = %v, want [%s %s]", got, resReports, resOrders)
	}
}

// TestResourceDefaultAudience: without resource, tokens keep today's
// audience: the client's configured one, else the issuer.
func TestResourceDefaultAudience(t *testing.T) {
	in := servertest.Start(t)
	plain := resourceClient(t, in, registry.ClientSpec{})
	withAud := resourceClient(t, in, registry.ClientSpec{Audience: []string{"https://configured.example"}})
	for _, tc := range []struct {
		c    servertest.Client
		want []string
	}{{plain, []string{in.URL}}, {withAud, []string{"https://configured.example"}}} {
		if got := audOf(t, in, issue(t, in, tc.c, "")); !slices.Equal(got, tc.want) {
			t.Errorf("aud = %v, want %v", got, tc.want)
		}
	}
}

// TestResourceOpaqueIntrospection: an opaque token's aud is its
// resources too, and a resource server registered with one of them may
// introspect a token issued to another client for it; one that is not
// sees it inactive.
func TestResourceOpaqueIntrospection(t *testing.T) {
	in := servertest.Start(t)
	c := resourceClient(t, in, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
	rs := in.CreateClient(t, registry.ClientSpec{Name: "orders API", Resources: []string{resOrders}})
	other := in.CreateClient(t, registry.ClientSpec{Name: "ledger API", Resources: []string{resLedger}})
	status, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "resource": {resOrders}}, c.ID, c.Secret)
	if status != 200 {
		t.Fatalf("token: %d %v", status, body)
	}
	tok := body["access_token"].(string)
	for _, who := range []servertest.Client{c, rs} {
		status, _, body := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {tok}}, who.ID, who.Secret)
		if status != 200 || body["active"] != true || body["aud"] != resOrders || body["client_id"] != c.ID {
			t.Errorf("introspection by %s: %d %v, want active, aud %s", who.ID, status, body, resOrders)
		}
	}
	wantInactive(t, in, other, tok)
}

// TestResourceHostile: every malformed or unallowed resource is refused
// with invalid_target (RFC 8707 §2), at the token endpoint with 400 and at
// the authorization endpoint as a redirect to the client.
func TestResourceHostile(t *testing.T) {
	in := servertest.Start(t)
	c := resourceClient(t, in, registry.ClientSpec{})
	tooMany := make([]string, tokenmint.MaxResources+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("https://r%d.example/", i)
	}
	for _, tc := range []struct {
		name      string
		resources []string
	}{
		{"unregistered", []string{resUnlisted}},
		{"one of two unregistered", []string{resOrders, resUnlisted}},
		{"relative", []string{"/api"}},
		{"no scheme", []string{"orders.example/api"}},
		{"fragment", []string{resOrders + "#frag"}},
		{"empty fragment", []string{resOrders + "#"}},
		{"empty", []string{""}},
		{"space", []string{"https://orders.example/a b"}},
		{"control character", []string{"https://orders.example/\x00"}},
		{"case differs from the registered one", []string{strings.ToUpper(resOrders)}},
		{"trailing slash differs", []string{resOrders + "/"}},
		{"too long", []string{"https://orders.example/" + strings.Repeat("a", tokenmint.MaxResourceLen)}},
		{"too many", tooMany},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "resource": tc.resources}, c.ID, c.Secret)
			wantError(t, status, h, body, http.StatusBadRequest, "invalid_target")
			q := authorizeError(t, in, c, tc.resources)
			if q.Get("error") != "invalid_target" || q.Get("state") != "st" || q.Get("error_description") == "" {
				t.Errorf("authorization endpoint answered %v, want error=invalid_target with the state", q)
			}
		})
	}
}

// authorizeError sends an authorization request with resources to the
// authorization endpoint and returns the query of the redirect to the
// client: a request with a bad resource is refused before any sign-in.
func authorizeError(t *testing.T, in *servertest.Instance, c servertest.Client, resources []string) url.Values {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {"https://app.example/callback"},
		"scope": {"api"}, "state": {"st"}, "code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"S256"},
		"resource": resources}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(in.URL + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return clientCallback(t, resp)
}

// TestResourceGrantBound: the resources an authorization bound are the
// most its code and refresh tokens can get (RFC 8707 §2.2).
func TestResourceGrantBound(t *testing.T) {
	in := servertest.Start(t)
	in.CreateUser(t, "ada", "correct horse battery")
	c := resourceClient(t, in, registry.ClientSpec{})
	code := func(resources ...string) (string, string) {
		t.Helper()
		verifier := oauth2.GenerateVerifier()
		q := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {"https://app.example/callback"},
			"scope": {"api"}, "state": {"st"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
			"code_challenge_method": {"S256"}, "resource": resources}
		cb := signIn(t, browserClient(t), in.URL+"/oauth2/authorize?"+q.Encode(), "ada", "correct horse battery")
		if cb.Get("code") == "" {
			t.Fatalf("callback %v", cb)
		}
		return cb.Get("code"), verifier
	}
	exchange := func(code, verifier string, resources ...string) (int, http.Header, map[string]any) {
		t.Helper()
		return post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {"https://app.example/callback"}, "code_verifier": {verifier}, "resource": resources}, c.ID, c.Secret)
	}

	t.Run("token request names a resource the code was not bound to", func(t *testing.T) {
		cd, v := code(resOrders)
		status, h, body := exchange(cd, v, resReports) // registered, but not authorized
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_target")
		status, _, body = exchange(cd, v) // a code is good for one attempt
		if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("the code after a refused exchange: %d %v, want invalid_grant", status, body)
		}
	})
	t.Run("code without resources, token request with one", func(t *testing.T) {
		cd, v := code()
		status, h, body := exchange(cd, v, resOrders)
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_target")
	})
	t.Run("code without resources, token request without", func(t *testing.T) {
		cd, v := code()
		status, _, body := exchange(cd, v)
		if status != 200 || !slices.Equal(audOf(t, in, body["access_token"].(string)), []string{in.URL}) {
			t.Errorf("exchange: %d %v, want the default audience", status, body)
		}
	})
	t.Run("refresh asks for a resource outside the grant", func(t *testing.T) {
		cd, v := code(resOrders, resLedger)
		status, _, body := exchange(cd, v)
		if status != 200 || !slices.Equal(audOf(t, in, body["access_token"].(string)), []string{resOrders, resLedger}) {
			t.Fatalf("exchange: %d %v, want both resources", status, body)
		}
		refresh := body["refresh_token"].(string)
		for _, r := range []string{resReports, resUnlisted, "/relative", resOrders + "#f"} {
			status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"},
				"refresh_token": {refresh}, "resource": {r}}, c.ID, c.Secret)
			wantError(t, status, h, body, http.StatusBadRequest, "invalid_target")
		}
		// The refused requests did not spend the refresh token.
		status, _, body = post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"},
			"refresh_token": {refresh}, "resource": {resLedger}}, c.ID, c.Secret)
		if status != 200 || !slices.Equal(audOf(t, in, body["access_token"].(string)), []string{resLedger}) {
			t.Errorf("refresh within the grant after refusals: %d %v", status, body)
		}
	})
	t.Run("a resource the client lost since", func(t *testing.T) {
		cd, v := code(resReports)
		status, _, body := exchange(cd, v)
		if status != 200 {
			t.Fatalf("exchange: %d %v", status, body)
		}
		if _, err := in.Registry.UpdateClient(context.Background(), c.ID, func(cl *tokenmint.Client) error {
			cl.Resources = []string{resOrders, resLedger}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 3*time.Second, "the client's lost resource refused", func() bool {
			status, _, _ := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "resource": {resReports}}, c.ID, c.Secret)
			return status == http.StatusBadRequest
		})
		status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"},
			"refresh_token": {body["refresh_token"].(string)}}, c.ID, c.Secret)
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_target")
	})
}

// TestResourcePasswordGrant: the password grant's family keeps the
// resources requested, so its refreshes stay within them.
func TestResourcePasswordGrant(t *testing.T) {
	in := servertest.Start(t)
	in.CreateUser(t, "ada", "correct horse battery")
	c := resourceClient(t, in, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken}})
	status, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"ada"},
		"password": {"correct horse battery"}, "resource": {resOrders}}, c.ID, c.Secret)
	if status != 200 || !slices.Equal(audOf(t, in, body["access_token"].(string)), []string{resOrders}) {
		t.Fatalf("password grant: %d %v", status, body)
	}
	status, h, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {body["refresh_token"].(string)}, "resource": {resLedger}}, c.ID, c.Secret)
	wantError(t, status, h, body, http.StatusBadRequest, "invalid_target")
}
