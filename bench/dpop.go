package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/bench/internal/load"
)

const scenarioDPoP = "cc-dpop-es256"

// dpopProofAge bounds how long the pre-signed proofs of one phase may be
// in use: the server accepts a proof's iat at most one minute old (RFC
// 9449 §11.1, docs/dpop.md), and a batch is signed before its phase
// starts, so a phase plus its signing must fit in that minute.
const dpopProofAge = 45 * time.Second

// dpopKey is the benchmark's DPoP key pair (RFC 9449 §4.2): every proof
// of a run is signed with it, as one client instance would sign them.
type dpopKey struct {
	signer jose.Signer
}

func newDPoPKey() (*dpopKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.ES256)}
	opts := (&jose.SignerOptions{}).WithType("dpop+jwt").WithHeader("jwk", jwk)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	if err != nil {
		return nil, err
	}
	return &dpopKey{signer: signer}, nil
}

// proof signs a DPoP proof (RFC 9449 §4.2) of a POST to htu, with a fresh
// jti and the server's nonce ("" for none, §8).
func (k *dpopKey) proof(htu, nonce string, now time.Time) (string, error) {
	claims := map[string]any{"jti": rand.Text(), "htm": http.MethodPost, "htu": htu, "iat": now.Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// dpopKeyOf makes the DPoP key on first use.
func (f *fixture) dpopKeyOf() (*dpopKey, error) {
	if f.dpop == nil {
		k, err := newDPoPKey()
		if err != nil {
			return nil, err
		}
		f.dpop = k
	}
	return f.dpop, nil
}

// dpopNonce asks the server for its current DPoP nonce the way a client
// learns it (RFC 9449 §8): a token request with a proof without one,
// answered 400 use_dpop_nonce with the nonce in DPoP-Nonce. A server
// that runs with --dpop-nonce=false answers 200 and a DPoP-bound token:
// its nonce is "". Anything else (a server that ignores DPoP answers
// token_type Bearer) is an error.
func (f *fixture) dpopNonce(ctx context.Context, k *dpopKey) (string, error) {
	p, err := k.proof(f.srv.base+"/oauth2/token", "", time.Now())
	if err != nil {
		return "", err
	}
	status, hdr, body, err := f.dpopTokenRequest(ctx, p)
	if err != nil {
		return "", err
	}
	switch {
	case status == http.StatusBadRequest && bytes.Contains(body, []byte(`"use_dpop_nonce"`)) && hdr.Get("DPoP-Nonce") != "":
		return hdr.Get("DPoP-Nonce"), nil
	case status == http.StatusOK && bytes.Contains(body, []byte(`"token_type":"DPoP"`)):
		return "", nil
	}
	return "", fmt.Errorf("DPoP token request: %d %.300s (does this tokenmint serve DPoP?)", status, body)
}

// dpopTokenRequest sends one client_credentials request of the ES256
// client with proof.
func (f *fixture) dpopTokenRequest(ctx context.Context, proof string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.srv.base+"/oauth2/token", strings.NewReader(ccForm))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("DPoP", proof)
	req.SetBasicAuth(f.es256.ID, f.es256.Secret)
	resp, err := f.hc.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("POST /oauth2/token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, body, err
}

// ccForm is the body of every client_credentials request.
const ccForm = "grant_type=client_credentials&scope=" + benchScope

// dpopSources pre-signs one proof per request of the phase (each jti is
// spent by the server), on every core, before the phase starts, as
// pkjwtSources does with assertions: signing under load would take the
// generator's share of the two cores away from the server. The nonce is
// fetched afresh for every phase. It stays accepted for the whole phase:
// a nonce is the HMAC of a 2-minute window and the current and the
// previous window are accepted, so one fetched at any moment is good for
// at least two minutes, longer than a proof's iat is (dpopProofAge).
// Should the server still answer use_dpop_nonce, the source stops the
// phase with that error rather than send proofs it knows stale.
func dpopSources(ctx context.Context, f *fixture, _, need int) (load.NewSource, error) {
	k, err := f.dpopKeyOf()
	if err != nil {
		return nil, err
	}
	nonce, err := f.dpopNonce(ctx, k)
	if err != nil {
		return nil, err
	}
	htu := f.srv.base + "/oauth2/token"
	basic := load.BasicAuth(f.es256.ID, f.es256.Secret)
	reqs, err := presign(need, func() ([]byte, error) {
		p, err := k.proof(htu, nonce, time.Now())
		if err != nil {
			return nil, err
		}
		return load.AppendRequest(nil, "POST", "/oauth2/token", f.srv.addr,
			[]load.Header{basic, load.FormContentType, {Name: "DPoP", Value: p}}, []byte(ccForm)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("sign DPoP proofs: %w", err)
	}
	pool := &dpopPool{requestPool: requestPool{reqs: reqs}}
	return func(int) (load.Source, error) { return dpopSource{pool}, nil }, nil
}

// errStaleNonce ends a phase whose pre-signed proofs carry a nonce the
// server no longer accepts.
var errStaleNonce = errors.New("the server answered use_dpop_nonce: the phase outlived its nonce")

// dpopPool is a requestPool that remembers a use_dpop_nonce answer.
type dpopPool struct {
	requestPool
	stale atomic.Bool
}

type dpopSource struct{ pool *dpopPool }

func (s dpopSource) Next(buf []byte) ([]byte, error) {
	if s.pool.stale.Load() {
		return nil, errStaleNonce
	}
	return poolSource{&s.pool.requestPool}.Next(buf)
}

func (s dpopSource) Observe(status int, body []byte) {
	if status == http.StatusBadRequest && bytes.Contains(body, []byte(`"use_dpop_nonce"`)) {
		s.pool.stale.Store(true)
	}
}
