package rs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// assertionType is the client_assertion_type of private_key_jwt (RFC
// 7523 §2.2).
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// errNoIntrospection: an opaque token, and no credentials to introspect
// it with.
var errNoIntrospection = invalidToken("the access token is not a JWT, and this API does not introspect tokens")

// introspect asks the authorization server about tok (RFC 7662 §2), or
// answers from the cache: an inactive token is refused, an active one
// returns its claims, not yet validated (the caller checks iss, aud and
// exp on every request, cached or not).
func (m *Middleware) introspect(ctx context.Context, tok string) (*Claims, *Error) {
	if m.cfg.ClientID == "" {
		return nil, errNoIntrospection
	}
	key := sha256.Sum256([]byte(tok))
	now := m.now()
	if c, ok := m.answers.get(key, now); ok {
		return active(c)
	}
	c, err := m.askIntrospection(ctx, tok)
	if err != nil {
		return nil, unavailable("the authorization server cannot introspect the token", err)
	}
	m.answers.put(key, c, now)
	return active(c)
}

func active(c *Claims) (*Claims, *Error) {
	if c == nil {
		return nil, invalidToken("the access token is not active")
	}
	return c, nil
}

// askIntrospection makes the RFC 7662 §2.1 request and reads its answer:
// nil claims for an inactive token.
func (m *Middleware) askIntrospection(ctx context.Context, tok string) (*Claims, error) {
	md, err := m.disc.get(ctx)
	if err != nil {
		return nil, err
	}
	if md.IntrospectionEndpoint == "" {
		return nil, errors.New("rs: the issuer's metadata has no introspection_endpoint")
	}
	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	req, err := m.introspectionRequest(ctx, md.IntrospectionEndpoint, form)
	if err != nil {
		return nil, err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rs: introspection: %w", err)
	}
	b, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	return introspectionAnswer(b)
}

// introspectionRequest authenticates the API as a client (RFC 7662 §2.1):
// private_key_jwt when it has a key (RFC 7523 §2.2), else
// client_secret_basic (RFC 6749 §2.3.1: id and secret form-encoded
// before Basic).
func (m *Middleware) introspectionRequest(ctx context.Context, endpoint string, form url.Values) (*http.Request, error) {
	if m.cfg.ClientKey != nil {
		a, err := m.clientAssertion()
		if err != nil {
			return nil, err
		}
		form.Set("client_id", m.cfg.ClientID)
		form.Set("client_assertion_type", assertionType)
		form.Set("client_assertion", a)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("rs: introspection: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if m.cfg.ClientKey == nil {
		req.SetBasicAuth(url.QueryEscape(m.cfg.ClientID), url.QueryEscape(string(m.cfg.ClientSecret)))
	}
	return req, nil
}

// clientAssertion signs a private_key_jwt assertion (RFC 7523 §3): iss
// and sub the client, aud the issuer, a fresh jti, a minute to live.
func (m *Middleware) clientAssertion() (string, error) {
	k := m.cfg.ClientKey
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if k.KeyID != "" {
		opts = opts.WithHeader("kid", k.KeyID)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: k.Key}, opts)
	if err != nil {
		return "", fmt.Errorf("rs: client assertion: %w", err)
	}
	now := m.now()
	jti := make([]byte, 16)
	rand.Read(jti)
	payload, _ := json.Marshal(map[string]any{"iss": m.cfg.ClientID, "sub": m.cfg.ClientID, "aud": m.cfg.Issuer,
		"jti": base64.RawURLEncoding.EncodeToString(jti), "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	obj, err := s.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("rs: client assertion: %w", err)
	}
	return obj.CompactSerialize()
}

// introspectionAnswer reads an RFC 7662 §2.2 answer.
func introspectionAnswer(b []byte) (*Claims, error) {
	c, err := decodeClaims(b)
	if err != nil {
		return nil, fmt.Errorf("rs: introspection answer: %w", err)
	}
	isActive, ok := c.Extra["active"].(bool)
	if !ok {
		return nil, errors.New("rs: introspection answer without a boolean active")
	}
	if !isActive {
		return nil, nil
	}
	delete(c.Extra, "active")
	c.Introspected = true
	return c, nil
}

// answerCache remembers introspection answers by the SHA-256 of their
// token (the token itself is never kept): an inactive answer (nil) for
// ttl, an active one for ttl but never past the token's exp. It holds at
// most max answers; when full, expired ones go first, then any.
type answerCache struct {
	ttl time.Duration // < 0: no caching
	max int

	mu      sync.Mutex
	entries map[[32]byte]answer
}

type answer struct {
	claims  *Claims
	expires time.Time
}

func newAnswerCache(ttl time.Duration, max int) *answerCache {
	return &answerCache{ttl: ttl, max: max, entries: make(map[[32]byte]answer)}
}

func (a *answerCache) get(key [32]byte, now time.Time) (*Claims, bool) {
	if a.ttl < 0 {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.entries[key]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	return e.claims, true
}

func (a *answerCache) put(key [32]byte, c *Claims, now time.Time) {
	if a.ttl <= 0 {
		return
	}
	exp := now.Add(a.ttl)
	if c != nil && !c.Expiry.IsZero() && c.Expiry.Before(exp) {
		exp = c.Expiry
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.entries) >= a.max {
		a.evict(now)
	}
	a.entries[key] = answer{claims: c, expires: exp}
}

// evict drops the expired answers, and if none was, one eighth of the
// cache (map order: arbitrary ones).
func (a *answerCache) evict(now time.Time) {
	for k, e := range a.entries {
		if !now.Before(e.expires) {
			delete(a.entries, k)
		}
	}
	drop := a.max / 8
	for k := range a.entries {
		if len(a.entries) < a.max || drop <= 0 {
			break
		}
		delete(a.entries, k)
		drop--
	}
}
