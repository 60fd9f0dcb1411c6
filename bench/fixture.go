package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// benchScope is the one scope every benchmark client may ask for.
const benchScope = "api"

// redirectURI is registered for the user-flow client; it is never
// fetched: codes are read from the Location header.
const redirectURI = "http://127.0.0.1/bench/callback"

// clientCreds are a confidential client's credentials.
type clientCreds struct {
	ID     string `json:"client_id"`
	Secret string `json:"client_secret"`
}

// fixture is what one benchmark pass creates on its server: clients of
// every kind, a user, and an HTTP client for set-up requests.
type fixture struct {
	srv      *serverProc
	es256    clientCreds // client_credentials, JWT ES256
	rs256    clientCreds // client_credentials, JWT RS256
	opaque   clientCreds // client_credentials, opaque
	soak     clientCreds // client_credentials, opaque, short-lived tokens
	app      clientCreds // authorization_code + refresh_token, JWT
	pkjwt    *keyClient  // private_key_jwt, JWT ES256; made on first use
	fed      *federation // jwt-bearer and token exchange clients; made on first use
	dpop     *dpopKey    // DPoP proofs of es256's requests; made on first use
	username string
	password string
	hc       *http.Client // set-up requests; redirects not followed
	signedIn bool         // hc holds a login session cookie
}

// clientSpecs are the tokenmint client create flags of each client.
var clientSpecs = []struct {
	name string
	dst  func(*fixture) *clientCreds
	args []string
}{
	{"bench-es256", func(f *fixture) *clientCreds { return &f.es256 }, []string{"--token-format", "jwt", "--signing-alg", "ES256"}},
	{"bench-rs256", func(f *fixture) *clientCreds { return &f.rs256 }, []string{"--token-format", "jwt", "--signing-alg", "RS256"}},
	{"bench-opaque", func(f *fixture) *clientCreds { return &f.opaque }, []string{"--token-format", "opaque"}},
	// The soak client's tokens live one minute, so the janitor (every
	// minute) keeps the token table at a steady size.
	{"bench-soak", func(f *fixture) *clientCreds { return &f.soak }, []string{"--token-format", "opaque", "--access-ttl", "1m"}},
	{"bench-app", func(f *fixture) *clientCreds { return &f.app }, []string{
		"--grant-type", "authorization_code", "--grant-type", "refresh_token",
		"--redirect-uri", redirectURI, "--token-format", "jwt", "--signing-alg", "ES256"}},
}

// newFixture creates the clients and the user through the tokenmint CLI,
// exactly as an operator would.
func newFixture(ctx context.Context, srv *serverProc) (*fixture, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("cookie jar: %w", err)
	}
	f := &fixture{srv: srv, username: "bench-user", password: rand.Text(),
		hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
			Transport:     &http.Transport{MaxIdleConnsPerHost: 16},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	for _, spec := range clientSpecs {
		args := append([]string{"client", "create", "--name", spec.name, "--scope", benchScope, "--output", "json"}, spec.args...)
		out, err := srv.cli(ctx, "", args...)
		if err != nil {
			return nil, err
		}
		dst := spec.dst(f)
		if err := json.Unmarshal(out, dst); err != nil || dst.ID == "" || dst.Secret == "" {
			return nil, fmt.Errorf("client create %s: unexpected output %.200q (%v)", spec.name, out, err)
		}
	}
	if _, err := srv.cli(ctx, f.password+"\n", "user", "create", "--username", f.username, "--password-stdin", "--output", "json"); err != nil {
		return nil, err
	}
	return f, nil
}

// tokenResponse is the part of RFC 6749 §5.1 the benchmark reads.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// postForm sends a form to path with client_secret_basic authentication
// and decodes a 200 JSON answer into dst.
func (f *fixture) postForm(ctx context.Context, path string, c clientCreds, form url.Values, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.srv.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	resp, err := f.hc.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("POST %s: read: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %.300s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("POST %s: decode: %w", path, err)
	}
	return nil
}

// clientToken obtains one access token by client_credentials.
func (f *fixture) clientToken(ctx context.Context, c clientCreds) (string, error) {
	var tr tokenResponse
	err := f.postForm(ctx, "/oauth2/token", c, url.Values{"grant_type": {"client_credentials"}, "scope": {benchScope}}, &tr)
	if err == nil && tr.AccessToken == "" {
		err = errors.New("token response without access_token")
	}
	return tr.AccessToken, err
}

// clientTokens obtains n access tokens.
func (f *fixture) clientTokens(ctx context.Context, c clientCreds, n int) ([]string, error) {
	out := make([]string, 0, n)
	for range n {
		tok, err := f.clientToken(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, tok)
	}
	return out, nil
}

// waitClients retries a token request per client until the server knows
// them all: clients created by the CLI reach a running server's cache
// within two revision polls.
func (f *fixture) waitClients(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for _, spec := range clientSpecs {
		c := *spec.dst(f)
		if spec.name == "bench-app" {
			continue // it has no client_credentials grant
		}
		for {
			_, err := f.clientToken(ctx, c)
			if err == nil {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("client %s never worked: %w", spec.name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}
