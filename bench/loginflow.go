package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// authCode is a code minted for the benchmark and the PKCE verifier it
// is bound to.
type authCode struct {
	code     string
	verifier string
}

// pkcePair returns a fresh RFC 7636 §4.1 verifier and its S256 challenge
// (§4.2).
func pkcePair() (verifier, challenge string) {
	verifier = rand.Text() + rand.Text() // 52 base32 characters, 260 bits
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeURL is an authorization request (RFC 6749 §4.1.1) of the app
// client with a PKCE challenge and a state.
func (f *fixture) authorizeURL(challenge, state string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {f.app.ID},
		"redirect_uri":          {redirectURI},
		"scope":                 {benchScope},
		"state":                 {state},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
	}
	return f.srv.base + "/oauth2/authorize?" + q.Encode()
}

// signIn drives the login page as a browser would: GET the authorization
// endpoint, fill in the form (CSRF token and pending request included)
// and POST it. The session cookie lands in f.hc's jar, so that later
// authorization requests are answered with a code at once.
func (f *fixture) signIn(ctx context.Context) error {
	_, challenge := pkcePair()
	page, err := f.get(ctx, f.authorizeURL(challenge, "signin"), http.StatusOK)
	if err != nil {
		return fmt.Errorf("login page: %w", err)
	}
	action, fields, err := parseLoginForm(page)
	if err != nil {
		return err
	}
	fields.Set("username", f.username)
	fields.Set("password", f.password)
	target, err := url.Parse(f.srv.base + "/")
	if err != nil {
		return err
	}
	if target, err = target.Parse(action); err != nil {
		return fmt.Errorf("login form action %q: %w", action, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(fields.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.hc.Do(req)
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 3 || !strings.Contains(resp.Header.Get("Location"), "code=") {
		return fmt.Errorf("sign in answered %s, not a redirect with a code: %.300s", resp.Status, body)
	}
	return nil
}

// mintCode asks the authorization endpoint for a code with the session
// cookie and reads it from the redirect (RFC 6749 §4.1.2).
func (f *fixture) mintCode(ctx context.Context) (authCode, error) {
	verifier, challenge := pkcePair()
	state := rand.Text()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.authorizeURL(challenge, state), nil)
	if err != nil {
		return authCode{}, err
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return authCode{}, fmt.Errorf("authorize: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode/100 != 3 || err != nil {
		return authCode{}, fmt.Errorf("authorize answered %s, not a redirect", resp.Status)
	}
	q := loc.Query()
	if q.Get("state") != state || q.Get("code") == "" {
		return authCode{}, fmt.Errorf("authorize redirected without code or with the wrong state: %s", q.Get("error"))
	}
	return authCode{code: q.Get("code"), verifier: verifier}, nil
}

// mintCodes mints n codes over a few concurrent requests, signing in
// first if no session is open yet.
func (f *fixture) mintCodes(ctx context.Context, n int) ([]authCode, error) {
	if !f.signedIn {
		if err := f.signIn(ctx); err != nil {
			return nil, err
		}
		f.signedIn = true
	}
	codes := make([]authCode, n)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	next := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := f.mintCode(ctx)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					cancel()
					return
				}
				codes[i] = c
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return codes, ctx.Err()
}

// refreshTokens returns n fresh refresh tokens, each from its own code
// exchange, so every connection of the refresh scenario has its own
// chain (family).
func (f *fixture) refreshTokens(ctx context.Context, n int) ([]string, error) {
	codes, err := f.mintCodes(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	for _, c := range codes {
		var tr tokenResponse
		if err := f.postForm(ctx, "/oauth2/token", f.app, codeExchangeForm(c), &tr); err != nil {
			return nil, err
		}
		if tr.RefreshToken == "" {
			return nil, errors.New("code exchange returned no refresh_token")
		}
		out = append(out, tr.RefreshToken)
	}
	return out, nil
}

func codeExchangeForm(c authCode) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {c.code},
		"redirect_uri": {redirectURI}, "code_verifier": {c.verifier}}
}

func (f *fixture) get(ctx context.Context, u string, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("GET %s: %s: %.300s", u, resp.Status, body)
	}
	return body, nil
}

var (
	formTag  = regexp.MustCompile(`(?is)<form\b[^>]*>`)
	inputTag = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	attr     = regexp.MustCompile(`(?is)\b([a-z_-]+)\s*=\s*"([^"]*)"`)
)

// parseLoginForm extracts the login form's action and its hidden fields
// (the CSRF token and the pending request) from the page.
func parseLoginForm(page []byte) (action string, fields url.Values, err error) {
	form := formTag.Find(page)
	if form == nil {
		return "", nil, errors.New("login page has no form")
	}
	action = attrs(form)["action"]
	if action == "" {
		return "", nil, errors.New("login form has no action")
	}
	fields = url.Values{}
	for _, tag := range inputTag.FindAll(page, -1) {
		a := attrs(tag)
		if strings.EqualFold(a["type"], "hidden") && a["name"] != "" {
			fields.Set(a["name"], a["value"])
		}
	}
	if fields.Get("csrf_token") == "" {
		return "", nil, errors.New("login form has no csrf_token")
	}
	return action, fields, nil
}

// attrs returns a tag's double-quoted attributes, HTML-unescaped.
func attrs(tag []byte) map[string]string {
	out := map[string]string{}
	for _, m := range attr.FindAllSubmatch(tag, -1) {
		out[strings.ToLower(string(m[1]))] = html.UnescapeString(string(m[2]))
	}
	return out
}
