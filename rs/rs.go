package rs

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/dpop"
)

// Defaults of Config.
const (
	DefaultSkew                  = 30 * time.Second
	DefaultJWKSRefreshInterval   = 30 * time.Second
	DefaultIntrospectionCacheTTL = 30 * time.Second
	DefaultMaxCacheEntries       = 10_000
	DefaultHTTPTimeout           = 10 * time.Second
)

// Secret is a credential kept in a Config; it prints as "REDACTED".
type Secret string

func (Secret) String() string { return "REDACTED" }

// Config says which tokens an API accepts. Issuer and Audience are
// required; the rest has defaults.
type Config struct {
	// Issuer is the authorization server's issuer identifier: a token's
	// "iss" must be it, and its metadata (RFC 8414) says where the JWK Set
	// and the introspection endpoint are. https, or http on a loopback
	// address (tests, local work).
	Issuer string
	// Audience are the API's resource identifiers: a token's "aud" must
	// name one of them (RFC 9068 §4, RFC 8707).
	Audience []string
	// JWKSURL and IntrospectionURL, when set, are used instead of the
	// metadata's jwks_uri and introspection_endpoint; with both set (or
	// JWKSURL and no ClientID) nothing is discovered.
	JWKSURL          string
	IntrospectionURL string

	// ClientID and ClientSecret authenticate the API to the introspection
	// endpoint (client_secret_basic); with ClientKey, a private JWK with
	// its "alg" (and "kid"), it authenticates with private_key_jwt
	// instead. Without ClientID, opaque tokens are refused.
	ClientID     string
	ClientSecret Secret
	ClientKey    *jose.JSONWebKey
	// IntrospectJWT also introspects JWT access tokens after verifying
	// them, so that a revoked one is refused within IntrospectionCacheTTL
	// rather than at its exp.
	IntrospectJWT bool
	// IntrospectionCacheTTL is how long an introspection answer is reused,
	// never past the token's exp: the revocation window. 0 means
	// DefaultIntrospectionCacheTTL; negative, no caching.
	IntrospectionCacheTTL time.Duration
	// MaxCacheEntries bounds the introspection cache
	// (DefaultMaxCacheEntries).
	MaxCacheEntries int

	// Algs narrows the JWS algorithms of JWT access tokens (DefaultAlgs);
	// only asymmetric ones are accepted.
	Algs []string
	// Skew is the clock difference tolerated on exp, nbf and iat
	// (DefaultSkew).
	Skew time.Duration
	// JWKSRefreshInterval is the least time between two fetches of the
	// JWK Set for a kid it lacks (DefaultJWKSRefreshInterval).
	JWKSRefreshInterval time.Duration

	// BaseURL is the API's URL as its clients call it (scheme, host,
	// port, and any path prefix a proxy strips), to which the request's
	// path is appended for a DPoP proof's htu. Set it behind a proxy: the
	// Host header and the connection's TLS state are otherwise used.
	BaseURL string
	// DPoPAlgs narrows the algorithms of DPoP proofs (dpop.Algs).
	DPoPAlgs []string
	// DPoPReplay remembers spent proof jtis (a bounded
	// dpop.NewMemoryReplayCache by default: one instance only).
	DPoPReplay dpop.ReplayCache
	// DPoPNonces, when set, makes a nonce this API issued required in
	// every proof (RFC 9449 §9).
	DPoPNonces *dpop.Nonces
	// ClientCertificate returns the client certificate of a request, for
	// certificate-bound tokens (RFC 8705 §3): by default the TLS
	// connection's; behind a TLS-terminating proxy, read the header it
	// sets, and only from that proxy.
	ClientCertificate func(*http.Request) *x509.Certificate

	// Realm is the realm of WWW-Authenticate challenges (Audience[0]).
	Realm string
	// HTTPClient fetches metadata and keys and introspects (a client with
	// DefaultHTTPTimeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

// Middleware checks the tokens of requests. It is safe for concurrent
// use; build one per API with New and share it across routes.
type Middleware struct {
	cfg       Config
	algs      []jose.SignatureAlgorithm
	dpopAlgs  string // for challenges
	client    *http.Client
	log       *slog.Logger
	disc      *discovery
	keys      *keySet
	answers   *answerCache
	dpop      *dpop.Verifier
	audiences []string
}

// New checks cfg and returns its middleware. It does no I/O: the
// metadata and the keys are fetched on the first request that needs
// them.
func New(cfg Config) (*Middleware, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg.defaults()
	m := &Middleware{cfg: cfg, client: cfg.HTTPClient, log: cfg.Logger, audiences: cfg.Audience}
	for _, a := range cfg.Algs {
		m.algs = append(m.algs, jose.SignatureAlgorithm(a))
	}
	m.dpop = &dpop.Verifier{Algs: cfg.DPoPAlgs, Replay: cfg.DPoPReplay, Nonces: cfg.DPoPNonces, Now: cfg.Now}
	m.dpopAlgs = strings.Join(cmp(cfg.DPoPAlgs, dpop.Algs), " ")
	m.disc = &discovery{issuer: cfg.Issuer, client: m.client, now: cfg.Now, introspects: cfg.ClientID != "",
		given: metadata{JWKSURI: cfg.JWKSURL, IntrospectionEndpoint: cfg.IntrospectionURL}}
	m.keys = &keySet{disc: m.disc, client: m.client, now: cfg.Now, interval: cfg.JWKSRefreshInterval, log: m.log}
	m.answers = newAnswerCache(cfg.IntrospectionCacheTTL, cfg.MaxCacheEntries)
	return m, nil
}

func cmp(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

func (c *Config) check() error {
	if err := checkURL("Issuer", c.Issuer); err != nil {
		return err
	}
	if len(c.Audience) == 0 || slices.Contains(c.Audience, "") {
		return errors.New("rs: Config.Audience is required: the API's resource identifiers")
	}
	for _, u := range []struct{ name, v string }{{"JWKSURL", c.JWKSURL}, {"IntrospectionURL", c.IntrospectionURL}, {"BaseURL", c.BaseURL}} {
		if u.v == "" {
			continue
		}
		if err := checkURL(u.name, u.v); err != nil {
			return err
		}
	}
	for _, a := range c.Algs {
		if !slices.Contains(DefaultAlgs, a) {
			return fmt.Errorf("rs: Config.Algs: %q is not an asymmetric JWS algorithm", a)
		}
	}
	switch {
	case c.ClientKey != nil && (c.ClientKey.IsPublic() || c.ClientKey.Algorithm == ""):
		return errors.New("rs: Config.ClientKey must be a private key with its alg")
	case c.ClientID == "" && (c.IntrospectJWT || c.ClientKey != nil || c.ClientSecret != ""):
		return errors.New("rs: introspection needs Config.ClientID")
	case c.ClientID != "" && c.ClientKey == nil && c.ClientSecret == "":
		return errors.New("rs: Config.ClientID needs ClientSecret or ClientKey")
	}
	return nil
}

// checkURL: absolute, https or loopback http, no query or fragment.
func checkURL(name, s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("rs: Config.%s %q is not an absolute URL without query and fragment", name, s)
	}
	if u.Scheme == "https" || u.Scheme == "http" && (name == "BaseURL" || isLoopback(u.Hostname())) {
		return nil
	}
	return fmt.Errorf("rs: Config.%s %q: https is required (http only on a loopback address)", name, s)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

func (c *Config) defaults() {
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if len(c.Algs) == 0 {
		c.Algs = DefaultAlgs
	}
	if c.Skew <= 0 {
		c.Skew = DefaultSkew
	}
	if c.JWKSRefreshInterval <= 0 {
		c.JWKSRefreshInterval = DefaultJWKSRefreshInterval
	}
	if c.IntrospectionCacheTTL == 0 {
		c.IntrospectionCacheTTL = DefaultIntrospectionCacheTTL
	}
	if c.MaxCacheEntries <= 0 {
		c.MaxCacheEntries = DefaultMaxCacheEntries
	}
	if c.DPoPReplay == nil {
		c.DPoPReplay = dpop.NewMemoryReplayCache(0)
	}
	if c.Realm == "" {
		c.Realm = c.Audience[0]
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

func (m *Middleware) now() time.Time { return m.cfg.Now() }

// Handler lets a request through to next only with a valid token, its
// claims in the request's context (ClaimsFrom).
func (m *Middleware) Handler(next http.Handler) http.Handler { return m.Require()(next) }

// Require returns middleware that also needs every one of scopes to have
// been granted to the token (403 insufficient_scope otherwise).
func (m *Middleware) Require(scopes ...string) func(http.Handler) http.Handler {
	scopes = slices.Clone(scopes)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := m.Authenticate(w, r, scopes...)
			if err != nil {
				m.WriteError(w, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithClaims(r.Context(), c)))
		})
	}
}

// Authenticate is the middleware's check for a handler that calls it
// itself: the claims of the request's token, if it is valid, bound to
// this request, and granted every one of scopes; else an *Error to
// answer with WriteError. With Config.DPoPNonces it sets the DPoP-Nonce
// header of w on a request that uses DPoP (RFC 9449 §8.2, §9).
func (m *Middleware) Authenticate(w http.ResponseWriter, r *http.Request, scopes ...string) (*Claims, error) {
	c, err := m.authenticate(w, r, scopes)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (m *Middleware) authenticate(w http.ResponseWriter, r *http.Request, scopes []string) (*Claims, *Error) {
	cred, err := parseAuthorization(r.Header.Values("Authorization"))
	if err != nil {
		return nil, err
	}
	if cred.dpop && m.cfg.DPoPNonces != nil {
		w.Header().Set(dpop.NonceHeader, m.cfg.DPoPNonces.Current(m.now()))
	}
	c, err := m.token(r.Context(), cred.token)
	if err != nil {
		err.DPoP = err.DPoP || cred.dpop && err.Status == http.StatusUnauthorized
		return nil, err
	}
	if err := m.checkBinding(r, cred, c); err != nil {
		return nil, err
	}
	for _, s := range scopes {
		if !c.HasScope(s) {
			return nil, &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, DPoP: cred.dpop,
				Description: "the access token lacks the scope " + s, Scope: strings.Join(scopes, " ")}
		}
	}
	return c, nil
}

// token verifies or introspects tok and validates its claims.
func (m *Middleware) token(ctx context.Context, tok string) (*Claims, *Error) {
	var c *Claims
	var err *Error
	if isJWT(tok) {
		if c, err = m.verifyJWT(ctx, tok); err == nil {
			err = m.validate(c, true)
		}
		if err == nil && m.cfg.IntrospectJWT {
			var ic *Claims
			if ic, err = m.introspect(ctx, tok); err == nil {
				c.Introspected = true
				err = m.validate(ic, false)
			}
		}
	} else {
		if c, err = m.introspect(ctx, tok); err == nil {
			err = m.validate(c, false)
		}
	}
	return c, err
}

// validate checks the claims every token must satisfy (RFC 9068 §4 steps
// 3, 5, 6, 7; RFC 7662 §4): the issuer, an audience of this API, and the
// times, with Config.Skew. A JWT must carry exp and iat; an
// introspection answer is active by the server's word but must not be
// expired by the API's clock.
func (m *Middleware) validate(c *Claims, jwt bool) *Error {
	now, skew := m.now(), m.cfg.Skew
	switch {
	case c.Issuer != m.cfg.Issuer && (jwt || c.Issuer != ""):
		return invalidToken("the access token was not issued by " + m.cfg.Issuer)
	case !slices.ContainsFunc(c.Audience, m.isAudience):
		return invalidToken("the access token is not meant for this API (aud)")
	case jwt && (c.Expiry.IsZero() || c.IssuedAt.IsZero()):
		return invalidToken("the access token lacks exp or iat (RFC 9068 §2.2)")
	case !c.Expiry.IsZero() && !now.Before(c.Expiry.Add(skew)):
		return invalidToken("the access token has expired")
	case !c.NotBefore.IsZero() && now.Add(skew).Before(c.NotBefore):
		return invalidToken("the access token is not valid yet (nbf)")
	case !c.IssuedAt.IsZero() && now.Add(skew).Before(c.IssuedAt):
		return invalidToken("the access token is issued in the future (iat)")
	}
	return nil
}

func (m *Middleware) isAudience(aud string) bool { return slices.Contains(m.audiences, aud) }

// WriteError answers a refused request (RFC 6750 §3, RFC 9449 §7.1): err
// is Authenticate's; any other error is answered as a 503 and logged.
func (m *Middleware) WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = unavailable("the token cannot be checked", err)
	}
	if e.Cause != nil {
		m.log.Error("rs: cannot check an access token", "err", e.Cause)
	}
	e.write(w, m.cfg.Realm, m.dpopAlgs)
}
