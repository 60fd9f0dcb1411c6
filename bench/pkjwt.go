package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/bench/internal/load"
)

const scenarioPKJWT = "cc-pkjwt-es256"

// pkjwtAssertionLife is how long a client assertion is valid (its exp);
// pkjwtAssertionAge bounds a phase spending pre-signed ones, leaving a
// minute for their signing.
const (
	pkjwtAssertionLife = 4 * time.Minute
	pkjwtAssertionAge  = 3 * time.Minute
)

// assertionType is the client_assertion_type of a JWT (RFC 7523 §2.2).
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// keyClient is a private_key_jwt client and the key it signs with.
type keyClient struct {
	ID     string
	signer jose.Signer
}

// pkjwtClient creates the private_key_jwt client on first use, through
// the CLI with --jwks FILE, and waits until the server knows it. It is
// made lazily so that a server built from a commit without
// private_key_jwt (--ref) fails only this scenario's selection.
func (f *fixture) pkjwtClient(ctx context.Context) (*keyClient, error) {
	if f.pkjwt != nil {
		return f.pkjwt, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	const kid = "bench-1"
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tokenmint-bench-jwks-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(path, jwks, 0o600); err != nil {
		return nil, err
	}
	out, err := f.srv.cli(ctx, "", "client", "create", "--name", "bench-pkjwt", "--scope", benchScope, "--output", "json",
		"--token-endpoint-auth-method", "private_key_jwt", "--jwks", path, "--token-format", "jwt", "--signing-alg", "ES256")
	if err != nil {
		return nil, fmt.Errorf("%w (does this tokenmint serve private_key_jwt?)", err)
	}
	var created clientCreds
	if err := json.Unmarshal(out, &created); err != nil || created.ID == "" {
		return nil, fmt.Errorf("client create bench-pkjwt: unexpected output %.200q (%v)", out, err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		return nil, err
	}
	c := &keyClient{ID: created.ID, signer: signer}
	if err := f.waitKeyClient(ctx, c); err != nil {
		return nil, err
	}
	f.pkjwt = c
	return c, nil
}

// assertion signs a client assertion (RFC 7523 §3) valid for
// pkjwtAssertionLife from now, with a fresh jti.
func (c *keyClient) assertion(aud string, now time.Time) (string, error) {
	payload, err := json.Marshal(map[string]any{"iss": c.ID, "sub": c.ID, "aud": aud, "jti": rand.Text(),
		"iat": now.Unix(), "exp": now.Add(pkjwtAssertionLife).Unix()})
	if err != nil {
		return "", err
	}
	jws, err := c.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func (c *keyClient) form(aud string) (string, error) {
	a, err := c.assertion(aud, time.Now())
	if err != nil {
		return "", err
	}
	return url.Values{"grant_type": {"client_credentials"}, "scope": {benchScope},
		"client_assertion_type": {assertionType}, "client_assertion": {a}}.Encode(), nil
}

// waitKeyClient retries a token request until the server knows the
// client (it reaches the server's cache within two revision polls).
func (f *fixture) waitKeyClient(ctx context.Context, c *keyClient) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		body, err := c.form(f.srv.base)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.srv.base+"/oauth2/token", strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := f.hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(resp.Status)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("client bench-pkjwt never worked: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pkjwtSources pre-signs one assertion per request of the phase (each
// jti is single-use), on every core, before the phase starts: signing
// while the load runs would take the generator's share of the two cores
// away from the server.
func pkjwtSources(ctx context.Context, f *fixture, _, need int) (load.NewSource, error) {
	c, err := f.pkjwtClient(ctx)
	if err != nil {
		return nil, err
	}
	reqs, err := presign(need, func() ([]byte, error) {
		body, err := c.form(f.srv.base)
		if err != nil {
			return nil, err
		}
		return load.AppendRequest(nil, "POST", "/oauth2/token", f.srv.addr, []load.Header{load.FormContentType}, []byte(body)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("sign client assertions: %w", err)
	}
	pool := &requestPool{reqs: reqs}
	return func(int) (load.Source, error) { return poolSource{pool}, nil }, nil
}

// presign builds n single-use requests with build, spread over every
// core.
func presign(n int, build func() ([]byte, error)) ([][]byte, error) {
	reqs := make([][]byte, n)
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				req, err := build()
				if err != nil {
					failed.Store(&err)
					return
				}
				reqs[i] = req
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return nil, *err
	}
	return reqs, nil
}

// requestPool hands out pre-built single-use requests to every worker.
type requestPool struct {
	reqs [][]byte
	next atomic.Int64
}

type poolSource struct{ pool *requestPool }

func (s poolSource) Next(buf []byte) ([]byte, error) {
	i := s.pool.next.Add(1) - 1
	if i >= int64(len(s.pool.reqs)) {
		return nil, load.ErrExhausted
	}
	return append(buf, s.pool.reqs[i]...), nil
}
func (poolSource) Observe(int, []byte) {}
