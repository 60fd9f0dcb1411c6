package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/tokenmint/tokenmint/bench/internal/load"
)

const (
	scenarioFloor    = "floor"
	scenarioCCOpaque = "cc-opaque"
	scenarioRefresh  = "refresh"
	scenarioAuthCode = "authcode"
)

// scenario is one kind of request the benchmark measures.
type scenario struct {
	name string
	what string // for the report
	// sources prepares what the requests of one phase need (tokens,
	// codes) and returns the NewSource of its workers. need is about how
	// many requests the phase will send, for single-use credentials.
	sources func(ctx context.Context, f *fixture, conns, need int) (load.NewSource, error)
	// singleUse marks scenarios whose every request spends a credential
	// minted beforehand (their phases are bounded by need).
	singleUse bool
	// maxPhase, when set, is the longest phase (warm-up included) its
	// pre-signed credentials stay valid for.
	maxPhase time.Duration
	// aid marks the floor, which the server serves where it serves the
	// benchmark aids (serverProc.aids).
	aid bool
}

var scenarios = []scenario{
	{name: scenarioFloor, what: "GET /bench/floor: fixed 300-byte JSON behind the same middleware (on the admin listener)", sources: floorSources, aid: true},
	{name: "cc-jwt-es256", what: "client_credentials, JWT access token signed ES256", sources: ccSources(func(f *fixture) clientCreds { return f.es256 })},
	{name: scenarioPKJWT, what: "client_credentials authenticated by private_key_jwt (a pre-signed ES256 client assertion per request, its jti spent), JWT access token signed ES256",
		sources: pkjwtSources, singleUse: true, maxPhase: pkjwtAssertionAge},
	{name: scenarioDPoP, what: "client_credentials (client_secret_basic) with a pre-signed ES256 DPoP proof per request (server nonce, jti spent), JWT access token signed ES256 and bound by cnf.jkt",
		sources: dpopSources, singleUse: true, maxPhase: dpopProofAge},
	{name: "cc-jwt-rs256", what: "client_credentials, JWT access token signed RS256", sources: ccSources(func(f *fixture) clientCreds { return f.rs256 })},
	{name: scenarioCCOpaque, what: "client_credentials, opaque access token (stored as a keyed hash)", sources: ccSources(func(f *fixture) clientCreds { return f.opaque })},
	{name: "introspect-opaque", what: "RFC 7662 introspection of 256 opaque tokens, by their client", sources: introspectSources(func(f *fixture) clientCreds { return f.opaque })},
	{name: "introspect-jwt", what: "RFC 7662 introspection of 256 ES256 JWTs, by their client", sources: introspectSources(func(f *fixture) clientCreds { return f.es256 })},
	{name: scenarioRefresh, what: "refresh_token rotation: each request uses the token the previous answer on its connection returned", sources: refreshSources},
	{name: scenarioAuthCode, what: "authorization_code exchange with PKCE S256, codes minted through /oauth2/authorize beforehand", sources: authCodeSources, singleUse: true},
	{name: scenarioJWTBearer, what: "jwt-bearer grant (RFC 7523 §2.1) of a public client: a pre-signed ES256 workload JWT per request from an external issuer (keys cached), its jti spent, JWT access token signed ES256",
		sources: jwtBearerSources, singleUse: true},
	{name: scenarioTokenExchange, what: "token exchange (RFC 8693) of 256 ES256 subject JWTs meant for the service, for an audience of its policy, JWT access token signed ES256",
		sources: tokenExchangeSources},
}

func allScenarioNames() []string {
	out := make([]string, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.name
	}
	return out
}

func scenarioByName(name string) (scenario, bool) {
	for _, s := range scenarios {
		if s.name == name {
			return s, true
		}
	}
	return scenario{}, false
}

// staticSource sends the same bytes every time.
type staticSource struct{ req []byte }

func (s staticSource) Next(buf []byte) ([]byte, error) { return append(buf, s.req...), nil }
func (staticSource) Observe(int, []byte)               {}

func floorSources(_ context.Context, f *fixture, _, _ int) (load.NewSource, error) {
	req := load.AppendRequest(nil, "GET", "/bench/floor", f.srv.aids, nil, nil)
	return func(int) (load.Source, error) { return staticSource{req}, nil }, nil
}

// tokenRequest is a POST to the token endpoint with client_secret_basic
// (RFC 6749 §2.3.1) and a form body.
func tokenRequest(buf []byte, host string, c clientCreds, body string) []byte {
	return load.AppendRequest(buf, "POST", "/oauth2/token", host,
		[]load.Header{load.BasicAuth(c.ID, c.Secret), load.FormContentType}, []byte(body))
}

func ccSources(creds func(*fixture) clientCreds) func(context.Context, *fixture, int, int) (load.NewSource, error) {
	return func(_ context.Context, f *fixture, _, _ int) (load.NewSource, error) {
		req := tokenRequest(nil, f.srv.addr, creds(f), "grant_type=client_credentials&scope="+benchScope)
		return func(int) (load.Source, error) { return staticSource{req}, nil }, nil
	}
}

// rotatingSource cycles through pre-built requests.
type rotatingSource struct {
	reqs [][]byte
	i    int
}

func (s *rotatingSource) Next(buf []byte) ([]byte, error) {
	s.i = (s.i + 1) % len(s.reqs)
	return append(buf, s.reqs[s.i]...), nil
}
func (*rotatingSource) Observe(int, []byte) {}

// introspectPool is how many distinct tokens are introspected: a resource
// server sees many tokens, each many times.
const introspectPool = 256

func introspectSources(creds func(*fixture) clientCreds) func(context.Context, *fixture, int, int) (load.NewSource, error) {
	return func(ctx context.Context, f *fixture, _, _ int) (load.NewSource, error) {
		c := creds(f)
		tokens, err := f.clientTokens(ctx, c, introspectPool)
		if err != nil {
			return nil, fmt.Errorf("mint tokens to introspect: %w", err)
		}
		reqs := make([][]byte, len(tokens))
		for i, t := range tokens {
			reqs[i] = load.AppendRequest(nil, "POST", "/oauth2/introspect", f.srv.addr,
				[]load.Header{load.BasicAuth(c.ID, c.Secret), load.FormContentType},
				[]byte("token_type_hint=access_token&token="+url.QueryEscape(t)))
		}
		return func(i int) (load.Source, error) {
			return &rotatingSource{reqs: reqs, i: i * 7 % len(reqs)}, nil
		}, nil
	}
}

// chainSource rotates one refresh token: each request sends the refresh
// token the previous answer returned (RFC 6749 §6, RFC 9700 §4.14.2).
// After a failed answer the chain is broken (the old token is spent) and
// every later request of the connection fails too, as it would for a
// real client; the failures are counted.
type chainSource struct {
	host    string
	client  clientCreds
	current string
}

func (s *chainSource) Next(buf []byte) ([]byte, error) {
	return tokenRequest(buf, s.host, s.client, "grant_type=refresh_token&refresh_token="+url.QueryEscape(s.current)), nil
}

func (s *chainSource) Observe(status int, body []byte) {
	if status != 200 {
		return
	}
	if tok, ok := jsonString(body, "refresh_token"); ok {
		s.current = tok
	}
}

// jsonString finds "key":"value" in a flat JSON object whose values need
// no unescaping (tokens are base64url with a prefix): the generator must
// not spend the machine's CPU on full decoding.
func jsonString(body []byte, key string) (string, bool) {
	needle := []byte(`"` + key + `":"`)
	i := bytes.Index(body, needle)
	if i < 0 {
		return "", false
	}
	rest := body[i+len(needle):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return "", false
	}
	return string(rest[:j]), true
}

func refreshSources(ctx context.Context, f *fixture, conns, _ int) (load.NewSource, error) {
	tokens, err := f.refreshTokens(ctx, conns)
	if err != nil {
		return nil, fmt.Errorf("mint refresh tokens: %w", err)
	}
	return func(i int) (load.Source, error) {
		return &chainSource{host: f.srv.addr, client: f.app, current: tokens[i]}, nil
	}, nil
}

// codePool hands out pre-minted codes to every worker.
type codePool struct {
	host   string
	client clientCreds
	codes  []authCode
	next   atomic.Int64
}

// codeSource is one worker's view of the shared pool.
type codeSource struct{ pool *codePool }

func (s codeSource) Next(buf []byte) ([]byte, error) {
	i := s.pool.next.Add(1) - 1
	if i >= int64(len(s.pool.codes)) {
		return nil, load.ErrExhausted
	}
	return tokenRequest(buf, s.pool.host, s.pool.client, codeExchangeForm(s.pool.codes[i]).Encode()), nil
}
func (codeSource) Observe(int, []byte) {}

func authCodeSources(ctx context.Context, f *fixture, _, need int) (load.NewSource, error) {
	codes, err := f.mintCodes(ctx, need)
	if err != nil {
		return nil, fmt.Errorf("mint authorization codes: %w", err)
	}
	pool := &codePool{host: f.srv.addr, client: f.app, codes: codes}
	return func(int) (load.Source, error) { return codeSource{pool}, nil }, nil
}
