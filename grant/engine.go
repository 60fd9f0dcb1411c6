package grant

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/token"
)

// ClientSource looks clients up; the server hands the Engine a cache in
// front of the Store so that a token request reads no database in the
// steady state.
type ClientSource interface {
	GetClient(ctx context.Context, id string) (tokenmint.Client, error)
}

// Observer is told of every token issued (for metrics). Nil is allowed.
type Observer interface {
	TokenIssued(grantType, format string)
}

// Throttle limits failed sign-ins per username and per client IP (issue
// #3). Allow answers retryAfter > 0 when the attempt must be refused.
type Throttle interface {
	Allow(ctx context.Context, username, ip string) (retryAfter time.Duration, err error)
	Failed(ctx context.Context, username, ip string)
	Succeeded(ctx context.Context, username, ip string)
}

// Config wires an Engine. Store, Clients, Keys, Secrets and Tokens are
// required.
type Config struct {
	Issuer    string
	Store     tokenmint.Store
	Clients   ClientSource     // nil means Store
	Keys      *token.Keyset    // JWT signing and verification
	Secrets   *token.Hasher    // keyed hash of client secrets and API keys
	Tokens    *token.Hasher    // keyed hash of opaque tokens, refresh tokens, codes
	Passwords *password.Hasher // user passwords (argon2id)
	Throttle  Throttle         // failed sign-ins; nil means unlimited
	// ClientKeys fetches the JWK Sets of private_key_jwt clients that
	// registered a jwks_uri (package jwksfetch); nil refuses them.
	ClientKeys KeySource
	// Sealer opens the sealed secrets of client_secret_jwt clients
	// (token.PurposeSecretEncryption); nil refuses them.
	Sealer *token.Sealer
	// ClientLimit, when set, is asked after a client authenticates at the
	// token endpoint; retryAfter > 0 refuses the request with 429.
	ClientLimit func(ctx context.Context, clientID string) (retryAfter time.Duration, err error)
	Observer    Observer
	// Audit records security events (token issued, refused, revoked;
	// refresh reuse; code replay; sign-ins). Nil records none.
	Audit Auditor
	// DefaultAlg signs JWTs of clients that name none (default ES256).
	DefaultAlg string
	// IDTokenAlg signs ID tokens (default RS256, OIDC Core §15.1).
	IDTokenAlg string
	CodeTTL    time.Duration // authorization code lifetime, default 5m
	// DeviceCodeTTL is the lifetime of a device code and its user code
	// (RFC 8628), default DefaultDeviceCodeTTL; DeviceInterval the least
	// time between polls, default DefaultDeviceInterval;
	// DeviceVerificationURI the page where people enter user codes,
	// default the issuer followed by /device.
	DeviceCodeTTL         time.Duration
	DeviceInterval        time.Duration
	DeviceVerificationURI string
	// Dialects holds the policy of each dialect's token endpoint, by the
	// dialect's name (TokenRequest.Dialect).
	Dialects map[string]DialectPolicy
	Now      func() time.Time
	Logger   *slog.Logger
	// Tracing, when set, records a span for each step of a token request
	// (trace.go); nil records none and costs nothing.
	Tracing trace.TracerProvider
	// DPoPNonces, when set, makes every DPoP proof carry a nonce it
	// issued (RFC 9449 §8, §9); nil: proofs need none.
	DPoPNonces *dpop.Nonces
	// DPoPRefused, when set, is told the error code of every DPoP proof
	// refused (for metrics: refusals are too frequent to audit).
	DPoPRefused func(code string)
	// RequirePushedRequests refuses every authorization request that did
	// not come through PAR (RFC 9126 §5), whatever the client.
	RequirePushedRequests bool

	// ClientCAs are the CAs a tls_client_auth client's certificate must
	// chain to (RFC 8705 §2.1); nil: only certificates forwarded by a
	// trusted proxy, which validated the chain, are accepted.
	ClientCAs *x509.CertPool
	// MutualTLS is true when client certificates reach the engine (the
	// server serves TLS, or a proxy forwards them): the mutual-TLS methods
	// and certificate-bound tokens are served.
	MutualTLS bool
}

// Engine runs the protocol. It is safe for concurrent use.
type Engine struct {
	cfg     Config
	clients ClientSource
	now     func() time.Time
	log     *slog.Logger
	jwks    jwksCache    // parsed inline JWK Sets of clients
	tracer  trace.Tracer // nil: tracing off
	dpop    *dpop.Verifier
	chains  chainCache // client certificates whose chain verified
}

// New checks cfg and returns an Engine.
func New(cfg Config) (*Engine, error) {
	if cfg.Issuer == "" || cfg.Store == nil || cfg.Keys == nil || cfg.Secrets == nil || cfg.Tokens == nil {
		return nil, errors.New("grant: Issuer, Store, Keys, Secrets and Tokens are required")
	}
	if cfg.DefaultAlg == "" {
		cfg.DefaultAlg = tokenmint.AlgES256
	}
	if cfg.IDTokenAlg == "" {
		cfg.IDTokenAlg = tokenmint.AlgRS256
	}
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = 5 * time.Minute
	}
	if cfg.DeviceCodeTTL <= 0 {
		cfg.DeviceCodeTTL = DefaultDeviceCodeTTL
	}
	if cfg.DeviceInterval <= 0 {
		cfg.DeviceInterval = DefaultDeviceInterval
	}
	if cfg.DeviceVerificationURI == "" {
		cfg.DeviceVerificationURI = strings.TrimSuffix(cfg.Issuer, "/") + "/device"
	}
	if cfg.Passwords == nil {
		cfg.Passwords = password.NewHasher(password.DefaultParams)
	}
	e := &Engine{cfg: cfg, clients: cfg.Clients, now: cfg.Now, log: cfg.Logger}
	if e.clients == nil {
		e.clients = cfg.Store
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Tracing != nil {
		e.tracer = cfg.Tracing.Tracer(tracerScope)
	}
	e.dpop = newDPoPVerifier(cfg, e.now)
	return e, nil
}

// Issuer is the "iss" of every token.
func (e *Engine) Issuer() string { return e.cfg.Issuer }

// Keys is the signing keyset (the JWKS endpoint publishes it).
func (e *Engine) Keys() *token.Keyset { return e.cfg.Keys }

// TokenRequest is a token endpoint request (RFC 6749 §4.1.3, §4.3.2,
// §4.4.2, §6) after decoding, whatever the wire format.
type TokenRequest struct {
	GrantType    string
	Client       Credentials
	Scope        string // raw, space-delimited
	Code         string
	RedirectURI  string
	CodeVerifier string
	RefreshToken string
	Username     string
	Password     string
	DeviceCode   string // RFC 8628 §3.4
	// Resources are the resource parameters of the request (RFC 8707
	// §2), as given; Token validates them (ParseResources) before the
	// grant runs.
	Resources []string
	// ClientIP is the caller's address, for sign-in throttling and the
	// audit events.
	ClientIP string
	// Dialect names the dialect the request came through ("" at the
	// standard endpoint); its DialectPolicy applies.
	Dialect string
	// DPoP is the request's DPoP proof, if any (RFC 9449 §5): a valid one
	// binds the access token to its key.
	DPoP DPoPProof

	shape func(*JWT) // the dialect's, set by Token
	jkt   string     // the thumbprint of the DPoP proof's key, set by Token
	// x5t is the thumbprint of the client certificate the tokens are
	// bound to (RFC 8705 §3), set by Token.
	x5t string
	// For the audit event of a refusal: the ID of the client, once it is
	// known to exist, and whether it authenticated; audited when a grant
	// recorded a more specific event (reuse, replay, sign-in).
	knownClient   string
	authenticated bool
	audited       bool
}

// cnf is the binding of the request's tokens: the DPoP key and the client
// certificate, as Token found them.
func (r *TokenRequest) cnf() tokenmint.Confirmation {
	return tokenmint.Confirmation{JKT: r.jkt, X5TS256: r.x5t}
}

// JWT is an access token about to be signed, handed to DialectPolicy.Shape.
type JWT struct {
	Alg     string
	Claims  *token.Claims
	Options token.SignOptions
}

// TokenResponse is a successful token response (RFC 6749 §5.1), in units
// of the core: adapters convert ExpiresIn to the unit their wire uses.
type TokenResponse struct {
	AccessToken  string
	TokenType    string // "Bearer", or "DPoP" for a DPoP-bound token (RFC 9449 §5)
	ExpiresIn    time.Duration
	Scopes       []string
	RefreshToken string
	IDToken      string
	// Format of the access token, and the client it went to.
	Format   string
	ClientID string

	// For the audit event: the JWT's jti, the family and the user of a
	// user grant.
	jti, family, userID string
}

// Token runs a token request: it authenticates the client, checks the
// grant is allowed for it, and dispatches to the grant. Every outcome is
// recorded with the Auditor: the token issued, or the check that refused
// the request.
func (e *Engine) Token(ctx context.Context, req TokenRequest) (*TokenResponse, error) {
	resp, err := e.token(ctx, &req)
	if err != nil {
		e.auditRefused(ctx, &req, err)
		return nil, err
	}
	e.auditIssued(ctx, &req, resp)
	return resp, nil
}

func (e *Engine) token(ctx context.Context, req *TokenRequest) (*TokenResponse, error) {
	if req.GrantType == "" {
		return nil, oauth.NewError(oauth.InvalidRequest, "missing grant_type")
	}
	run, ok := e.grantFunc(req.GrantType)
	if !ok {
		return nil, oauth.NewError(oauth.UnsupportedGrantType, "grant_type %q is not supported", truncate(req.GrantType))
	}
	actx, span := e.startSpan(ctx, SpanAuthenticateClient)
	client, err := e.authenticateClient(actx, req.Client)
	endSpan(span, err)
	if client != nil {
		req.knownClient = client.ID
	}
	if err != nil {
		return nil, err
	}
	req.authenticated = true
	policy := e.dialectPolicy(req.Dialect)
	if err := e.checkCredentials(client, req, policy); err != nil {
		return nil, err
	}
	req.shape = policy.Shape
	if client.AccessTTL == 0 && policy.DefaultAccessTTL > 0 {
		client.AccessTTL = policy.DefaultAccessTTL // client is this request's copy
	}
	if err := e.admit(ctx, client.ID); err != nil {
		return nil, err
	}
	if !client.HasGrant(req.GrantType) {
		return nil, oauth.NewError(oauth.UnauthorizedClient, "the client is not allowed the %s grant", req.GrantType)
	}
	if !oauth.ValidScope(req.Scope) {
		return nil, oauth.NewError(oauth.InvalidScope, "scope contains characters RFC 6749 §3.3 does not allow")
	}
	if req.Resources, err = ParseResources(req.Resources); err != nil {
		return nil, err
	}
	// The proof is checked before the grant runs, so that a refused proof
	// (a nonce to fetch) spends no code or refresh token.
	if req.jkt, err = e.tokenProof(ctx, client, req); err != nil {
		return nil, err
	}
	if req.x5t, err = e.certBinding(client, req.Client.Certificate); err != nil {
		return nil, err
	}
	gctx, span := e.startSpan(ctx, grantSpan(req.GrantType))
	resp, err := run(gctx, client, req)
	endSpan(span, err)
	if err != nil {
		return nil, err
	}
	resp.ClientID = client.ID
	if e.cfg.Observer != nil {
		e.cfg.Observer.TokenIssued(req.GrantType, resp.Format)
	}
	return resp, nil
}

// admit applies the per-client issuance limit, if any.
func (e *Engine) admit(ctx context.Context, clientID string) error {
	if e.cfg.ClientLimit == nil {
		return nil
	}
	wait, err := e.cfg.ClientLimit(ctx, clientID)
	if err != nil {
		return fmt.Errorf("client rate limit: %w", err)
	}
	if wait > 0 {
		return oauth.RateLimited(wait, "too many token requests for this client; retry later")
	}
	return nil
}

type grantRunner func(ctx context.Context, c *tokenmint.Client, req *TokenRequest) (*TokenResponse, error)

func (e *Engine) grantFunc(grantType string) (grantRunner, bool) {
	switch grantType {
	case tokenmint.GrantClientCredentials:
		return e.clientCredentials, true
	case tokenmint.GrantAuthorizationCode:
		return e.authorizationCode, true
	case tokenmint.GrantRefreshToken:
		return e.refresh, true
	case tokenmint.GrantPassword:
		return e.password, true
	case tokenmint.GrantDeviceCode:
		return e.deviceCode, true
	}
	return nil, false
}

// storeError turns a storage failure into an error for the edge: it keeps
// tokenmint.ErrUnavailable visible (the edge answers 503) and adds
// context.
func storeError(op string, err error) error {
	return fmt.Errorf("%s: %w", op, err)
}

// truncate bounds attacker-chosen text echoed in error descriptions.
func truncate(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
