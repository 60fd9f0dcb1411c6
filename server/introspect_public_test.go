package server_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestIntrospectionRefusesPublicClient: a public client's client_id is no
// credential, so it cannot introspect (RFC 7662 §2.1), neither its own
// tokens nor those whose audience names it: 401 invalid_client with a
// Basic challenge. It can still revoke its own tokens with client_id
// alone (RFC 7009 §2.1).
func TestIntrospectionRefusesPublicClient(t *testing.T) {
	in := servertest.Start(t)
	ctx := context.Background()
	in.CreateUser(t, "otto", "correct horse battery")
	pub := in.CreateClient(t, registry.ClientSpec{Public: true, GrantTypes: []string{"authorization_code", "refresh_token"},
		Scopes: []string{"api"}, RedirectURIs: []string{"https://app.example/callback"}})
	api := in.CreateClient(t, registry.ClientSpec{Audience: []string{pub.ID}})
	conf := oauth2.Config{ClientID: pub.ID, Scopes: []string{"api"}, RedirectURL: "https://app.example/callback",
		Endpoint: oauth2.Endpoint{AuthURL: in.URL + "/oauth2/authorize", TokenURL: in.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	cb := signIn(t, browserClient(t), conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "otto", "correct horse battery")
	own, err := conf.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}

	for name, tok := range map[string]string{
		"own access token": own.AccessToken, "own refresh token": own.RefreshToken,
		"token for its audience": issue(t, in, api, ""), "unknown token": "tmat_nope",
	} {
		status, h, body := post(t, in.URL+"/oauth2/introspect", url.Values{"client_id": {pub.ID}, "token": {tok}}, "", "")
		wantError(t, status, h, body, 401, "invalid_client")
		if !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic ") || body["active"] != nil {
			t.Errorf("%s: WWW-Authenticate %q, body %v: want a Basic challenge and no token details", name, h.Get("WWW-Authenticate"), body)
		}
	}
	// Basic with the client_id and an empty password is no better.
	status, h, body := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {own.AccessToken}}, pub.ID, "")
	wantError(t, status, h, body, 401, "invalid_client")

	// Revocation by client_id alone stays (RFC 7009 §2.1), and ends the
	// family the refresh token belongs to.
	status, _, body = post(t, in.URL+"/oauth2/revoke", url.Values{"client_id": {pub.ID}, "token": {own.RefreshToken}}, "", "")
	if status != 200 || body != nil {
		t.Fatalf("revoke by the public client: %d %v", status, body)
	}
	own.Expiry = in.Clock.Now().Add(-1)
	_, err = conf.TokenSource(ctx, own).Token()
	if re := (*oauth2.RetrieveError)(nil); !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("refresh after revocation: %v, want invalid_grant", err)
	}
}
