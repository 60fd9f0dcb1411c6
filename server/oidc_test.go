package server_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// signIn follows authURL through the login page as a browser with a
// cookie jar would, and returns the query of the final redirect to the
// client (which is not followed).
func signIn(t *testing.T, client *http.Client, authURL, username, pw string) url.Values {
	t.Helper()
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("authorize: %d %s", resp.StatusCode, page)
	}
	form := url.Values{"username": {username}, "password": {pw}}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("csrf_token") == "" {
		t.Fatalf("login page has no CSRF token:\n%s", page)
	}
	loginURL := resp.Request.URL.ResolveReference(&url.URL{Path: "/oauth2/login"})
	resp, err = client.PostForm(loginURL.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %d, want a redirect to the client", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

func browserClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), "https://app.example/") {
			return http.ErrUseLastResponse // the client's callback: stop here
		}
		return nil
	}}
}

// TestOIDCInterop drives the whole user flow with real third-party
// clients: go-oidc discovers the provider; x/oauth2 builds the
// authorization URL with PKCE S256, exchanges the code with the verifier,
// refreshes through its TokenSource (rotation) and uses the password
// grant; go-oidc verifies the ID token (signature from the JWKS, issuer,
// audience, expiry, nonce, at_hash) and reads UserInfo.
func TestOIDCInterop(t *testing.T) {
	in := servertest.Start(t)
	ctx := context.Background()
	u := in.CreateUser(t, "grace", "correct horse battery")
	c := in.CreateClient(t, registry.ClientSpec{
		GrantTypes:   []string{"authorization_code", "refresh_token", "password"},
		Scopes:       []string{"openid", "profile", "email", "api"},
		RedirectURIs: []string{"https://app.example/callback"},
	})
	provider, err := oidc.NewProvider(ctx, in.URL)
	if err != nil {
		t.Fatalf("oidc discovery: %v", err)
	}
	conf := oauth2.Config{ClientID: c.ID, ClientSecret: c.Secret, Endpoint: provider.Endpoint(),
		RedirectURL: "https://app.example/callback", Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n0nce"))
	cb := signIn(t, browserClient(t), authURL, "grace", "correct horse battery")
	if cb.Get("state") != "st4te" || cb.Get("code") == "" || cb.Get("iss") != in.URL {
		t.Fatalf("callback query %v: want code, state and iss (RFC 9207)", cb)
	}
	tok, err := conf.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idv := provider.Verifier(&oidc.Config{ClientID: c.ID, Now: in.Clock.Now})
	idt, err := idv.Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	if idt.Subject != u.ID || idt.Nonce != "n0nce" {
		t.Fatalf("ID token sub %q nonce %q", idt.Subject, idt.Nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Fatalf("at_hash: %v", err)
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != u.ID || info.Email != "grace@example.com" {
		t.Fatalf("userinfo: %+v %v", info, err)
	}

	// Refresh through x/oauth2's TokenSource: the expired token is
	// replaced and the refresh token rotated.
	old := *tok
	expired := *tok
	expired.Expiry = in.Clock.Now().Add(-1)
	expired.AccessToken = ""
	fresh, err := conf.TokenSource(ctx, &expired).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.RefreshToken == "" || fresh.RefreshToken == old.RefreshToken || fresh.AccessToken == old.AccessToken {
		t.Fatal("refresh did not rotate")
	}

	// The password grant, for the legacy apps that need it.
	ptok, err := conf.PasswordCredentialsToken(ctx, "grace", "correct horse battery")
	if err != nil || ptok.AccessToken == "" {
		t.Fatalf("password grant: %v", err)
	}
	if _, err := conf.PasswordCredentialsToken(ctx, "grace", "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}

	// A second authorization reuses the login session: no login page.
	b := browserClient(t)
	signIn(t, b, conf.AuthCodeURL("s2", oauth2.S256ChallengeOption(verifier)), "grace", "correct horse battery")
	resp, err := b.Get(conf.AuthCodeURL("s3", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" || loc.Query().Get("state") != "s3" {
		t.Fatalf("second authorize: %d %s, want a redirect with a code", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The pages are counted in the metrics like every other endpoint.
	mresp, err := http.Get(in.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer mresp.Body.Close()
	m, _ := io.ReadAll(mresp.Body)
	for _, want := range []string{`tokenmint_http_requests_total{code="303",endpoint="login"}`, `tokenmint_http_requests_total{code="302",endpoint="authorize"}`} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// signInPage fetches a login or consent page and returns its form's hidden
// fields; page reports whether a page (not a redirect) was served.
func signInPage(t *testing.T, client *http.Client, pageURL string) (form url.Values, page bool, resp *http.Response) {
	t.Helper()
	resp, err := client.Get(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	return pageHiddenFields(t, resp), resp.StatusCode == http.StatusOK, resp
}

// pageHiddenFields reads the hidden fields of the page in resp.
func pageHiddenFields(t *testing.T, resp *http.Response) url.Values {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(body), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	return form
}

// clientCallback returns the query of a redirect to the client in resp.
func clientCallback(t *testing.T, resp *http.Response) url.Values {
	t.Helper()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), "https://app.example/") {
		t.Fatalf("status %d Location %q: want a redirect to the client", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

// TestOIDCSignInParams: OIDC Core §3.1.2.1 and Discovery §3 through a
// real server and real clients: max_age, the prompt list and
// id_token_hint decide whether the browser's session answers; the
// discovery document says request_uri is not supported.
func TestOIDCSignInParams(t *testing.T) {
	in := servertest.Start(t)
	ctx := context.Background()
	in.CreateUser(t, "grace", "correct horse battery")
	in.CreateUser(t, "heidi", "correct horse battery")
	c := in.CreateClient(t, registry.ClientSpec{
		GrantTypes:   []string{"authorization_code"},
		Scopes:       []string{"openid", "profile"},
		RedirectURIs: []string{"https://app.example/callback"},
	})
	provider, err := oidc.NewProvider(ctx, in.URL)
	if err != nil {
		t.Fatalf("oidc discovery: %v", err)
	}
	var md map[string]any
	if err := provider.Claims(&md); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"request_uri_parameter_supported", "claims_parameter_supported"} {
		if v, ok := md[k]; !ok || v != false {
			t.Errorf("discovery %s = %v (present %v), want false", k, v, ok)
		}
	}
	if md["request_parameter_supported"] != true { // signed request objects by value (RFC 9101)
		t.Errorf("discovery request_parameter_supported = %v, want true", md["request_parameter_supported"])
	}
	conf := oauth2.Config{ClientID: c.ID, ClientSecret: c.Secret, Endpoint: provider.Endpoint(),
		RedirectURL: "https://app.example/callback", Scopes: []string{oidc.ScopeOpenID, "profile"}}
	idv := provider.Verifier(&oidc.Config{ClientID: c.ID, Now: in.Clock.Now})
	verifier := oauth2.GenerateVerifier()
	authURL := func(kv ...string) string {
		opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
		for i := 0; i+1 < len(kv); i += 2 {
			opts = append(opts, oauth2.SetAuthURLParam(kv[i], kv[i+1]))
		}
		return conf.AuthCodeURL("st", opts...)
	}
	// idToken redeems a code and returns the verified ID token, its raw
	// form and its auth_time.
	idToken := func(t *testing.T, code string) (string, time.Time) {
		t.Helper()
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := idv.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("verify ID token: %v", err)
		}
		var claims struct {
			AuthTime *int64 `json:"auth_time"`
		}
		if err := idt.Claims(&claims); err != nil || claims.AuthTime == nil {
			t.Fatalf("ID token has no auth_time (%v), which max_age requires (OIDC Core §2)", err)
		}
		return raw, time.Unix(*claims.AuthTime, 0)
	}
	b := browserClient(t)
	cb := signIn(t, b, authURL(), "grace", "correct horse battery")
	hint, _ := idToken(t, cb.Get("code"))
	in.Clock.Advance(10 * time.Minute)

	t.Run("max_age larger than the session's age", func(t *testing.T) {
		_, page, resp := signInPage(t, b, authURL("max_age", "3600"))
		if page {
			t.Fatal("max_age=3600 on a 10-minute-old session showed the login page")
		}
		if _, at := idToken(t, clientCallback(t, resp).Get("code")); !at.Equal(in.Clock.Now().Add(-10 * time.Minute).Truncate(time.Second)) {
			t.Errorf("auth_time = %v, want the first sign-in", at)
		}
	})
	t.Run("max_age=0 forces a sign-in", func(t *testing.T) {
		cb := signIn(t, b, authURL("max_age", "0"), "grace", "correct horse battery")
		if _, at := idToken(t, cb.Get("code")); !at.Equal(in.Clock.Now().Truncate(time.Second)) {
			t.Errorf("auth_time = %v, want the new sign-in at %v", at, in.Clock.Now())
		}
	})
	t.Run("prompt=login consent shows both", func(t *testing.T) {
		form, page, _ := signInPage(t, b, authURL("prompt", "login consent"))
		if !page || form.Get("csrf_token") == "" {
			t.Fatal("prompt=login consent: no login page")
		}
		form.Set("username", "grace")
		form.Set("password", "correct horse battery")
		resp, err := b.PostForm(in.URL+"/oauth2/login", form)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("after the sign-in: status %d, want the consent page", resp.StatusCode)
		}
		form = pageHiddenFields(t, resp)
		form.Set("decision", "allow")
		if resp, err = b.PostForm(in.URL+"/oauth2/consent", form); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		idToken(t, clientCallback(t, resp).Get("code"))
	})
	t.Run("prompt=none login refused", func(t *testing.T) {
		_, _, resp := signInPage(t, b, authURL("prompt", "none login"))
		if q := clientCallback(t, resp); q.Get("error") != "invalid_request" || q.Has("code") {
			t.Errorf("callback %v, want invalid_request", q)
		}
	})
	t.Run("id_token_hint of another user with prompt=none", func(t *testing.T) {
		heidi := browserClient(t)
		signIn(t, heidi, authURL(), "heidi", "correct horse battery")
		_, _, resp := signInPage(t, heidi, authURL("prompt", "none", "id_token_hint", hint))
		if q := clientCallback(t, resp); q.Get("error") != "login_required" || q.Has("code") {
			t.Errorf("callback %v, want login_required", q)
		}
		_, _, resp = signInPage(t, b, authURL("prompt", "none", "id_token_hint", hint))
		if q := clientCallback(t, resp); q.Get("code") == "" {
			t.Errorf("grace's own hint: callback %v, want a code", q)
		}
	})
}
