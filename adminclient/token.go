package adminclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const defaultTimeout = 30 * time.Second

// TokenSource supplies the bearer token of each request.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a token used as it is (TOKENMINT_ADMIN_TOKEN).
type StaticToken string

// Token implements TokenSource.
func (s StaticToken) Token(context.Context) (string, error) {
	if s == "" {
		return "", errors.New("empty token")
	}
	return string(s), nil
}

// ClientCredentials gets tokens from a token endpoint with the
// client_credentials grant (RFC 6749 §4.4), authenticating with HTTP
// Basic (§2.3.1), and keeps each until shortly before it expires.
type ClientCredentials struct {
	TokenURL     string // the public listener's /oauth2/token
	ClientID     string
	ClientSecret string
	Scope        string       // "" asks for the client's default scopes
	HTTPClient   *http.Client // nil: a client with a 30-second timeout

	mu      sync.Mutex
	token   string
	expires time.Time
}

// refreshBefore is how long before its expiry a token is replaced.
const refreshBefore = 30 * time.Second

// Token implements TokenSource.
func (cc *ClientCredentials) Token(ctx context.Context) (string, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.token != "" && time.Now().Before(cc.expires) {
		return cc.token, nil
	}
	tok, ttl, err := cc.fetch(ctx)
	if err != nil {
		return "", err
	}
	cc.token, cc.expires = tok, time.Now().Add(max(ttl-refreshBefore, ttl/2))
	return tok, nil
}

func (cc *ClientCredentials) fetch(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if cc.Scope != "" {
		form.Set("scope", cc.Scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cc.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(cc.ClientID), url.QueryEscape(cc.ClientSecret))
	hc := cc.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return "", 0, fmt.Errorf("token endpoint: %s", resp.Status)
	}
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return "", 0, fmt.Errorf("token endpoint: %s: %s %s", resp.Status, body.Error, body.Description)
	}
	return body.AccessToken, time.Duration(body.ExpiresIn) * time.Second, nil
}
