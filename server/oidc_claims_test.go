package server_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestOIDCClaimsAndHints: the claims request parameter (OIDC Core §5.5)
// releases name and email in the ID token and email at UserInfo without
// the profile and email scopes; an essential acr tokenmint cannot meet is
// refused; login_hint prefills the username and ui_locales sets the
// page's lang.
func TestOIDCClaimsAndHints(t *testing.T) {
	in := servertest.Start(t)
	u := in.CreateUser(t, "grace", "correct horse battery")
	in.Registry.UpdateUser(t.Context(), u.ID, func(s *registry.UserSpec) { s.Email, s.Name = "grace@example.com", "Grace Hopper" })
	provider, err := oidc.NewProvider(context.Background(), in.URL)
	if err != nil {
		t.Fatal(err)
	}
	var md map[string]any
	provider.Claims(&md)
	if md["claims_parameter_supported"] != true || md["acr_values_supported"] == nil || md["ui_locales_supported"] == nil {
		t.Errorf("discovery: claims_parameter_supported %v acr_values_supported %v ui_locales_supported %v",
			md["claims_parameter_supported"], md["acr_values_supported"], md["ui_locales_supported"])
	}
	rp := newRP(t, in, provider, registry.ClientSpec{RedirectURIs: []string{"https://app.example/cb"}})

	t.Run("login_hint and ui_locales", func(t *testing.T) {
		b := stopAtApp(t, in.URL)
		resp, err := b.Get(rp.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
			oauth2.SetAuthURLParam("login_hint", `grace"><b>`), oauth2.SetAuthURLParam("ui_locales", "fr-CA en-GB")))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), `value="grace&#34;&gt;&lt;b&gt;"`) {
			t.Errorf("the username field is not prefilled (escaped) with login_hint:\n%s", page)
		}
		if !strings.Contains(string(page), `<html lang="en-GB">`) {
			t.Errorf("the page's lang is not en-GB")
		}
	})
	t.Run("claims parameter", func(t *testing.T) {
		b := stopAtApp(t, in.URL)
		claims := `{"id_token":{"name":null,"email":{"essential":true},"acr":{"values":["0"]}},"userinfo":{"email":null}}`
		id := rp.signInWith(t, in, b, "claims", claims)
		if id["name"] != "Grace Hopper" || id["email"] != "grace@example.com" || id["acr"] != "0" {
			t.Errorf("ID token name %v email %v acr %v", id["name"], id["email"], id["acr"])
		}
		tok := rp.token(t, in, b, "claims", claims)
		var ui map[string]any
		info, err := provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		info.Claims(&ui)
		if ui["email"] != "grace@example.com" || ui["name"] != nil {
			t.Errorf("UserInfo %v: want email (requested) and no name (neither requested nor in scope)", ui)
		}
	})
	t.Run("essential acr unmet", func(t *testing.T) {
		b := stopAtApp(t, in.URL)
		_, _, resp := signInPage(t, b, rp.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
			oauth2.SetAuthURLParam("claims", `{"id_token":{"acr":{"essential":true,"values":["urn:example:mfa"]}}}`)))
		if q := clientCallback(t, resp); q.Get("error") != "unmet_authentication_requirements" {
			t.Errorf("callback %v, want unmet_authentication_requirements", q)
		}
	})
	t.Run("malformed claims", func(t *testing.T) {
		b := stopAtApp(t, in.URL)
		_, _, resp := signInPage(t, b, rp.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
			oauth2.SetAuthURLParam("claims", `{"id_token":[`)))
		if q := clientCallback(t, resp); q.Get("error") != "invalid_request" {
			t.Errorf("callback %v, want invalid_request", q)
		}
	})
}
