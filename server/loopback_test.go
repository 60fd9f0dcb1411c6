package server_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// nativeBrowser is a browser that signs in at the server and stops at the
// first redirect that leaves it: the native app's loopback listener.
func nativeBrowser(t *testing.T, server string) *http.Client {
	t.Helper()
	base, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != base.Host {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// TestLoopbackRedirectAnyPort: a native app registered with
// http://127.0.0.1:41999/cb picks port 52000 at run time; the whole flow
// works with x/oauth2 (RFC 8252 §7.3). The code is bound to the URI
// actually requested, so the token request must name that one, not the
// registered one. A different path, host or scheme is still refused.
func TestLoopbackRedirectAnyPort(t *testing.T) {
	in := servertest.Start(t)
	ctx := context.Background()
	in.CreateUser(t, "nina", "correct horse battery")
	c := in.CreateClient(t, registry.ClientSpec{Public: true, GrantTypes: []string{"authorization_code", "refresh_token"},
		Scopes: []string{"api"}, RedirectURIs: []string{"http://127.0.0.1:41999/cb"}})
	conf := oauth2.Config{ClientID: c.ID, Scopes: []string{"api"}, RedirectURL: "http://127.0.0.1:52000/cb",
		Endpoint: oauth2.Endpoint{AuthURL: in.URL + "/oauth2/authorize", TokenURL: in.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	cb := signIn(t, nativeBrowser(t, in.URL), conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "nina", "correct horse battery")
	if cb.Get("code") == "" || cb.Get("state") != "st" {
		t.Fatalf("callback %v: want a code", cb)
	}
	tok, err := conf.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("exchange with the requested loopback URI: %v", err)
	}

	// A code issued for :52000 is not redeemed with the registered :41999.
	registered := conf
	registered.RedirectURL = "http://127.0.0.1:41999/cb"
	verifier = oauth2.GenerateVerifier()
	cb = signIn(t, nativeBrowser(t, in.URL), conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "nina", "correct horse battery")
	_, err = registered.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(verifier))
	if re := (*oauth2.RetrieveError)(nil); !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("exchange naming another port than the request: %v, want invalid_grant", err)
	}

	// No port at all is a port too.
	noPort := conf
	noPort.RedirectURL = "http://127.0.0.1/cb"
	if cb := signIn(t, nativeBrowser(t, in.URL), noPort.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "nina", "correct horse battery"); cb.Get("code") == "" {
		t.Fatalf("request without a port: %v", cb)
	}

	for _, uri := range []string{
		"http://127.0.0.1:52000/other", "http://127.0.0.1:52000/cb/", "http://127.0.0.1:52000/cb?x=1",
		"http://localhost:52000/cb", "http://[::1]:52000/cb", "http://127.0.0.2:52000/cb", "https://127.0.0.1:52000/cb",
		"http://127.0.0.1:52000@evil.example/cb",
	} {
		other := conf
		other.RedirectURL = uri
		resp, err := nativeBrowser(t, in.URL).Get(other.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(string(page), "redirect_uri") {
			t.Errorf("redirect_uri %s: %d Location=%q, want 400 shown here, never redirected", uri, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}
