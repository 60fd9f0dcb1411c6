package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// register posts RFC 7591 metadata to the registration endpoint.
func register(t *testing.T, in *servertest.Instance, md map[string]any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(md)
	resp, err := http.Post(in.URL+"/oauth2/register", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestPairwiseSubjects: OIDC Core §8.1 through the real server. Two
// clients of different sectors see different subs for one user, in ID
// tokens, UserInfo and introspection; two clients of one sector see the
// same; an http sector_identifier_uri, and a pairwise client
// of two redirect hosts without one, are refused at registration.
func TestPairwiseSubjects(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) {
		c.AllowPrivateFetch = true
		c.Registration = config.RegistrationOpen
	})
	user := in.CreateUser(t, "grace", "correct horse battery")
	provider, err := oidc.NewProvider(context.Background(), in.URL)
	if err != nil {
		t.Fatal(err)
	}
	var md map[string]any
	provider.Claims(&md)
	if st, _ := md["subject_types_supported"].([]any); len(st) != 2 || st[1] != "pairwise" {
		t.Errorf("subject_types_supported %v", md["subject_types_supported"])
	}
	pw := registry.ClientSpec{SubjectType: tokenmint.SubjectPairwise}
	spec := func(redirect string) registry.ClientSpec { s := pw; s.RedirectURIs = []string{redirect}; return s }
	rpOne := newRP(t, in, provider, spec("https://app.example/one"))
	rpTwo := newRP(t, in, provider, spec("https://app.example/two"))
	rpOther := newRP(t, in, provider, spec("https://other.example/cb"))
	rpPublic := newRP(t, in, provider, registry.ClientSpec{RedirectURIs: []string{"https://app.example/pub"}})

	// A sector_identifier_uri must be https: the fetch and its check are
	// in jwksfetch's TestSectorChecker; here, an http one is refused.
	status, refused := register(t, in, map[string]any{"redirect_uris": []string{"https://evil.example/cb"},
		"subject_type": "pairwise", "sector_identifier_uri": "http://127.0.0.1:1/sector", "grant_types": []string{"authorization_code"}, "scope": "openid"})
	if status != http.StatusBadRequest || refused["error"] != "invalid_client_metadata" {
		t.Errorf("registration with an http sector_identifier_uri: %d %v, want 400 invalid_client_metadata", status, refused)
	}
	status, refused = register(t, in, map[string]any{"redirect_uris": []string{"https://a.example/cb", "https://b.example/cb"},
		"subject_type": "pairwise", "grant_types": []string{"authorization_code"}, "scope": "openid"})
	if status != http.StatusBadRequest || refused["error"] != "invalid_client_metadata" {
		t.Errorf("pairwise registration with redirect URIs of two hosts and no sector: %d %v, want 400", status, refused)
	}
	b := stopAtApp(t, in.URL)
	subs := map[string]string{}
	for name, rp := range map[string]*rpLogin{"one": rpOne, "two": rpTwo, "other": rpOther, "public": rpPublic} {
		subs[name], _ = rp.signInWith(t, in, b)["sub"].(string)
	}
	if subs["public"] != user.ID {
		t.Errorf("a public client's sub %q, want the user ID", subs["public"])
	}
	if subs["one"] == user.ID || subs["one"] == "" || subs["one"] != subs["two"] {
		t.Errorf("one sector: subs %q %q, want one pairwise sub, not the user ID", subs["one"], subs["two"])
	}
	if subs["other"] == subs["one"] || subs["other"] == user.ID {
		t.Errorf("another sector: sub %q, want one of its own", subs["other"])
	}

	t.Run("UserInfo and introspection", func(t *testing.T) {
		tok := rpOther.token(t, in, b)
		ui, err := provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		if ui.Subject != subs["other"] {
			t.Errorf("UserInfo sub %q, want %q", ui.Subject, subs["other"])
		}
		_, _, body := post(t, in.URL+"/oauth2/introspect", map[string][]string{"token": {tok.AccessToken}}, rpOther.client.ID, rpOther.client.Secret)
		if body["sub"] != subs["other"] {
			t.Errorf("introspection sub %v, want %q", body["sub"], subs["other"])
		}
	})
}

// token runs the code flow in a signed-in browser, with the extra
// parameters, and returns the token response.
func (rp *rpLogin) token(t *testing.T, in *servertest.Instance, b *http.Client, extra ...string) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for i := 0; i+1 < len(extra); i += 2 {
		opts = append(opts, oauth2.SetAuthURLParam(extra[i], extra[i+1]))
	}
	_, _, resp := signInPage(t, b, rp.conf.AuthCodeURL("st", opts...))
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := rp.conf.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
