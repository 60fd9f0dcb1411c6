package rs_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/dpop/dpoptest"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/rs"
)

// TestDPoPBoundToken (RFC 9449 §7): a DPoP-bound token of either format
// is accepted with a proof by its key for this request, and refused
// without one, as a bearer token, with a proof for another URL, method,
// token or key, a replayed proof, two proofs; an unbound token is
// refused with the DPoP scheme.
func TestDPoPBoundToken(t *testing.T) {
	e := newEnv(t)
	for _, format := range []string{tokenmint.FormatJWT, tokenmint.FormatOpaque} {
		t.Run(format, func(t *testing.T) {
			app := e.app(func(s *registry.ClientSpec) { s.TokenFormat = format; s.DPoPBoundAccessTokens = true })
			k := dpoptest.NewKey()
			tok := e.token(app, "read", k)
			srv := newAPI(t, e.middleware(e.config()).Require("read"))
			now := e.in.Clock.Now()
			proof := func(method, path string, o dpoptest.Options) string {
				o.IssuedAt = now
				if o.AccessToken == "" {
					o.AccessToken = tok
				}
				return k.Proof(method, srv.URL+path, o)
			}
			c := srv.do(t, "GET", "/things?q=1", "DPoP "+tok, proof("GET", "/things", dpoptest.Options{})).wantOK(t)
			if c.Confirmation.JKT != k.JKT() {
				t.Fatalf("cnf %+v, want jkt %s", c.Confirmation, k.JKT())
			}
			replayed := proof("GET", "/things", dpoptest.Options{})
			srv.do(t, "GET", "/things", "DPoP "+tok, replayed).wantOK(t)
			other := dpoptest.NewKey()
			refused := map[string]struct {
				auth   string
				proofs []string
				code   string
			}{
				"as a bearer token":      {"Bearer " + tok, []string{proof("GET", "/things", dpoptest.Options{})}, rs.CodeInvalidToken},
				"without a proof":        {"DPoP " + tok, nil, rs.CodeInvalidDPoPProof},
				"a replayed proof":       {"DPoP " + tok, []string{replayed}, rs.CodeInvalidDPoPProof},
				"another URL":            {"DPoP " + tok, []string{proof("GET", "/other", dpoptest.Options{})}, rs.CodeInvalidDPoPProof},
				"another method":         {"DPoP " + tok, []string{proof("POST", "/things", dpoptest.Options{})}, rs.CodeInvalidDPoPProof},
				"another key":            {"DPoP " + tok, []string{other.Proof("GET", srv.URL+"/things", dpoptest.Options{IssuedAt: now, AccessToken: tok})}, rs.CodeInvalidDPoPProof},
				"another token's ath":    {"DPoP " + tok, []string{proof("GET", "/things", dpoptest.Options{AccessToken: "another"})}, rs.CodeInvalidDPoPProof},
				"no ath":                 {"DPoP " + tok, []string{proof("GET", "/things", dpoptest.Options{Claims: map[string]any{"ath": nil}})}, rs.CodeInvalidDPoPProof},
				"two proofs":             {"DPoP " + tok, []string{proof("GET", "/things", dpoptest.Options{}), proof("GET", "/things", dpoptest.Options{})}, rs.CodeInvalidDPoPProof},
				"a stale proof":          {"DPoP " + tok, []string{k.Proof("GET", srv.URL+"/things", dpoptest.Options{IssuedAt: now.Add(-10 * time.Minute), AccessToken: tok})}, rs.CodeInvalidDPoPProof},
				"typ JWT":                {"DPoP " + tok, []string{proof("GET", "/things", dpoptest.Options{Typ: "JWT"})}, rs.CodeInvalidDPoPProof},
				"an unbound token":       {"DPoP " + e.token(e.app(nil), "read", nil), []string{proof("GET", "/things", dpoptest.Options{})}, rs.CodeInvalidToken},
				"an invalid bound token": {"DPoP " + tok + "x", []string{proof("GET", "/things", dpoptest.Options{AccessToken: tok + "x"})}, rs.CodeInvalidToken},
			}
			for name, tc := range refused {
				t.Run(name, func(t *testing.T) {
					r := srv.do(t, "GET", "/things", tc.auth, tc.proofs...)
					r.wantRefused(t, 401, tc.code, "DPoP")
					if !strings.Contains(r.header.Get("WWW-Authenticate"), `algs="`) {
						t.Errorf("DPoP challenge without algs: %q", r.header.Get("WWW-Authenticate"))
					}
				})
			}
		})
	}
}

// TestDPoPBaseURL: behind a proxy the proof names the API's public URL
// (Config.BaseURL), not the address the request reached.
func TestDPoPBaseURL(t *testing.T) {
	e := newEnv(t)
	k := dpoptest.NewKey()
	tok := e.token(e.app(nil), "read", k)
	cfg := e.config()
	cfg.BaseURL = "https://api.example.com/v1/"
	srv := newAPI(t, e.middleware(cfg).Handler)
	now := e.in.Clock.Now()
	srv.do(t, "GET", "/things", "DPoP "+tok, k.Proof("GET", "https://API.example.com:443/v1/things", dpoptest.Options{IssuedAt: now, AccessToken: tok})).wantOK(t)
	srv.do(t, "GET", "/things", "DPoP "+tok, k.Proof("GET", srv.URL+"/things", dpoptest.Options{IssuedAt: now, AccessToken: tok})).
		wantRefused(t, 401, rs.CodeInvalidDPoPProof, "DPoP")
}

// TestDPoPNonce (RFC 9449 §9): with nonces, a proof without one is
// answered use_dpop_nonce and a DPoP-Nonce; with it, accepted; a stale
// one refused again with the fresh nonce.
func TestDPoPNonce(t *testing.T) {
	e := newEnv(t)
	k := dpoptest.NewKey()
	tok := e.token(e.app(nil), "read", k)
	cfg := e.config()
	cfg.DPoPNonces = dpop.NewNonces(bytes.Repeat([]byte{7}, 32), time.Minute)
	srv := newAPI(t, e.middleware(cfg).Handler)
	proof := func(nonce string) string {
		return k.Proof("GET", srv.URL+"/", dpoptest.Options{IssuedAt: e.in.Clock.Now(), AccessToken: tok, Nonce: nonce})
	}
	r := srv.do(t, "GET", "/", "DPoP "+tok, proof(""))
	r.wantRefused(t, 401, rs.CodeUseDPoPNonce, "DPoP")
	nonce := r.header.Get(dpop.NonceHeader)
	if nonce == "" {
		t.Fatal("use_dpop_nonce without a DPoP-Nonce")
	}
	ok := srv.do(t, "GET", "/", "DPoP "+tok, proof(nonce))
	ok.wantOK(t)
	if ok.header.Get(dpop.NonceHeader) != nonce {
		t.Errorf("DPoP-Nonce %q on success, want the current %q", ok.header.Get(dpop.NonceHeader), nonce)
	}
	e.in.Clock.Advance(3 * time.Minute)
	r = srv.do(t, "GET", "/", "DPoP "+tok, proof(nonce))
	r.wantRefused(t, 401, rs.CodeUseDPoPNonce, "DPoP")
	if fresh := r.header.Get(dpop.NonceHeader); fresh == "" || fresh == nonce {
		t.Fatalf("stale nonce answered with DPoP-Nonce %q", fresh)
	}
	srv.do(t, "GET", "/", "DPoP "+tok, proof(r.header.Get(dpop.NonceHeader))).wantOK(t)
	// a bearer request gets no nonce
	if h := srv.do(t, "GET", "/", "Bearer "+e.token(e.app(nil), "read", nil)); h.header.Get(dpop.NonceHeader) != "" {
		t.Error("a DPoP-Nonce on a bearer request")
	}
}
