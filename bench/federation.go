package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/bench/internal/load"
)

// The scenarios of workload identity federation and token exchange
// (issue 18).
const (
	scenarioJWTBearer     = "jwt-bearer-es256"
	scenarioTokenExchange = "token-exchange"
)

const (
	grantJWTBearer     = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeAccess    = "urn:ietf:params:oauth:token-type:access_token"
	workloadAudience   = "https://tokenmint.bench/ci"
	exchangeAudience   = "https://ledger.bench"
	exchangePool       = 256 // distinct subject tokens exchanged, as introspectPool
)

// extIssuer is the external OpenID issuer of the jwt-bearer scenario: an
// HTTP server in this process on a loopback address (the server runs
// with TOKENMINT_ALLOW_PRIVATE_FETCH=1 to reach it) answering its
// discovery document and JWK Set, and signing workload JWTs with ES256.
type extIssuer struct {
	url    string
	signer jose.Signer
	srv    *http.Server
}

func newExtIssuer() (*extIssuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	is := &extIssuer{url: "http://" + ln.Addr().String()}
	const kid = "bench-issuer-1"
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		return nil, err
	}
	disc, err := json.Marshal(map[string]any{"issuer": is.url, "jwks_uri": is.url + "/jwks"})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) { w.Write(disc) })
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Write(jwks)
	})
	is.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go is.srv.Serve(ln)
	if is.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid)); err != nil {
		return nil, err
	}
	return is, nil
}

// workloadJWT signs a CI job's JWT valid for ten minutes, with a fresh
// jti (each is single-use at the server).
func (is *extIssuer) workloadJWT(now time.Time) (string, error) {
	payload, err := json.Marshal(map[string]any{"iss": is.url, "sub": "repo:bench/app:ref:refs/heads/main", "aud": workloadAudience,
		"repository": "bench/app", "jti": rand.Text(), "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()})
	if err != nil {
		return "", err
	}
	jws, err := is.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// federation is what the two scenarios create on first use.
type federation struct {
	issuer   *extIssuer
	ci       string      // public client whose only grant is jwt-bearer
	service  clientCreds // token-exchange
	frontend clientCreds // client_credentials, tokens meant for service
}

// federationFixture creates the issuer and the clients on first use,
// through the CLI, so that a server built from a commit without these
// grants (--ref) fails only these scenarios' selection.
func (f *fixture) federationFixture(ctx context.Context) (*federation, error) {
	if f.fed != nil {
		return f.fed, nil
	}
	is, err := newExtIssuer()
	if err != nil {
		return nil, fmt.Errorf("external issuer: %w", err)
	}
	fed := &federation{issuer: is}
	out, err := f.srv.cli(ctx, "", "client", "create", "--name", "bench-ci", "--public", "--grant-type", grantJWTBearer,
		"--scope", benchScope, "--token-format", "jwt", "--signing-alg", "ES256", "--output", "json",
		"--jwt-bearer-issuer", is.url, "--jwt-bearer-audience", workloadAudience, "--jwt-bearer-subject", "repo:bench/app:ref:refs/heads/*",
		"--jwt-bearer-claim", "repository=bench/app", "--jwt-bearer-scope", benchScope)
	if err != nil {
		return nil, fmt.Errorf("%w (does this tokenmint serve the jwt-bearer grant?)", err)
	}
	var ci clientCreds
	if err := json.Unmarshal(out, &ci); err != nil || ci.ID == "" {
		return nil, fmt.Errorf("client create bench-ci: unexpected output %.200q (%v)", out, err)
	}
	fed.ci = ci.ID
	if fed.service, err = f.createCreds(ctx, "bench-exchange-service", "--grant-type", grantTokenExchange, "--scope", benchScope,
		"--token-format", "jwt", "--signing-alg", "ES256", "--token-exchange-audience", exchangeAudience); err != nil {
		return nil, err
	}
	if fed.frontend, err = f.createCreds(ctx, "bench-exchange-frontend", "--scope", benchScope,
		"--token-format", "jwt", "--signing-alg", "ES256", "--audience", fed.service.ID); err != nil {
		return nil, err
	}
	f.fed = fed
	return fed, f.waitFederation(ctx, fed)
}

func (f *fixture) createCreds(ctx context.Context, name string, args ...string) (clientCreds, error) {
	out, err := f.srv.cli(ctx, "", append([]string{"client", "create", "--name", name, "--output", "json"}, args...)...)
	if err != nil {
		return clientCreds{}, fmt.Errorf("%w (does this tokenmint serve token exchange?)", err)
	}
	var c clientCreds
	if err := json.Unmarshal(out, &c); err != nil || c.ID == "" {
		return clientCreds{}, fmt.Errorf("client create %s: unexpected output %.200q (%v)", name, out, err)
	}
	return c, nil
}

// waitFederation retries a jwt-bearer request until the server knows the
// client (its cache sees it within two revision polls).
func (f *fixture) waitFederation(ctx context.Context, fed *federation) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		body, err := fed.jwtBearerForm(time.Now())
		if err != nil {
			return err
		}
		resp, err := f.hc.PostForm(f.srv.base+"/oauth2/token", body)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("jwt-bearer: %s", resp.Status)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("client bench-ci never worked: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (fed *federation) jwtBearerForm(now time.Time) (url.Values, error) {
	a, err := fed.issuer.workloadJWT(now)
	if err != nil {
		return nil, err
	}
	return url.Values{"grant_type": {grantJWTBearer}, "client_id": {fed.ci}, "assertion": {a}, "scope": {benchScope}}, nil
}

// jwtBearerSources pre-signs one workload JWT per request of the phase
// (each is single-use), on every core, before the phase starts, as
// pkjwtSources does.
func jwtBearerSources(ctx context.Context, f *fixture, _, need int) (load.NewSource, error) {
	fed, err := f.federationFixture(ctx)
	if err != nil {
		return nil, err
	}
	reqs := make([][]byte, need)
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	now := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < need; i += workers {
				form, err := fed.jwtBearerForm(now)
				if err != nil {
					failed.Store(&err)
					return
				}
				reqs[i] = load.AppendRequest(nil, "POST", "/oauth2/token", f.srv.addr, []load.Header{load.FormContentType}, []byte(form.Encode()))
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return nil, fmt.Errorf("sign workload JWTs: %w", *err)
	}
	pool := &requestPool{reqs: reqs}
	return func(int) (load.Source, error) { return poolSource{pool}, nil }, nil
}

// tokenExchangeSources exchanges 256 subject tokens (ES256 JWTs of the
// frontend client, meant for the service) for the ledger audience, each
// many times: a service trading the tokens it receives.
func tokenExchangeSources(ctx context.Context, f *fixture, _, _ int) (load.NewSource, error) {
	fed, err := f.federationFixture(ctx)
	if err != nil {
		return nil, err
	}
	tokens, err := f.clientTokens(ctx, fed.frontend, exchangePool)
	if err != nil {
		return nil, fmt.Errorf("mint subject tokens: %w", err)
	}
	reqs := make([][]byte, len(tokens))
	for i, t := range tokens {
		body := url.Values{"grant_type": {grantTokenExchange}, "subject_token": {t}, "subject_token_type": {tokenTypeAccess},
			"audience": {exchangeAudience}, "scope": {benchScope}}.Encode()
		reqs[i] = tokenRequest(nil, f.srv.addr, fed.service, body)
	}
	return func(i int) (load.Source, error) { return &rotatingSource{reqs: reqs, i: i * 7 % len(reqs)}, nil }, nil
}
