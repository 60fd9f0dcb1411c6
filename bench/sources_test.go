package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint/bench/internal/load"
)

func TestJSONString(t *testing.T) {
	tests := []struct {
		name, body, key, want string
		ok                    bool
	}{
		{"found", `{"access_token":"a","refresh_token":"tmr_abc-_","token_type":"Bearer"}`, "refresh_token", "tmr_abc-_", true},
		{"missing", `{"access_token":"a"}`, "refresh_token", "", false},
		{"unterminated", `{"refresh_token":"abc`, "refresh_token", "", false},
		{"escaped value refused", `{"refresh_token":"a\"b"}`, "refresh_token", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := jsonString([]byte(tt.body), tt.key)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestChainSourceRotates(t *testing.T) {
	s := &chainSource{host: "h", client: clientCreds{ID: "app", Secret: "s"}, current: "tmr_one"}
	next := func() string {
		req, err := s.Next(nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(req)
	}
	if !strings.HasSuffix(next(), "refresh_token=tmr_one") {
		t.Fatal("first request does not carry the seed token")
	}
	s.Observe(200, []byte(`{"refresh_token":"tmr_two"}`))
	if !strings.HasSuffix(next(), "refresh_token=tmr_two") {
		t.Fatal("the token of a 200 answer is not used next")
	}
	s.Observe(400, []byte(`{"refresh_token":"tmr_bogus"}`))
	s.Observe(0, nil)
	if !strings.HasSuffix(next(), "refresh_token=tmr_two") {
		t.Fatal("a failed answer replaced the token")
	}
}

func TestCodeSourceExhausts(t *testing.T) {
	pool := &codePool{host: "h", client: clientCreds{ID: "app", Secret: "s"},
		codes: []authCode{{code: "c1", verifier: "v1"}, {code: "c2", verifier: "v2"}}}
	a, b := codeSource{pool}, codeSource{pool}
	r1, err1 := a.Next(nil)
	r2, err2 := b.Next(nil)
	if err1 != nil || err2 != nil || !strings.Contains(string(r1), "code=c1") || !strings.Contains(string(r2), "code=c2") {
		t.Fatalf("got %q %v / %q %v", r1, err1, r2, err2)
	}
	if _, err := a.Next(nil); !errors.Is(err, load.ErrExhausted) {
		t.Fatalf("third code: err = %v, want ErrExhausted", err)
	}
}

func TestParseLoginForm(t *testing.T) {
	page := `<!doctype html><html><body>
<form method="post" action="/oauth2/login">
<input type="hidden" name="csrf_token" value="tok&amp;en">
<input type="hidden" name="request" value="eyJ&#43;x">
<input id="username" name="username" type="text" required autofocus value="">
<input id="password" name="password" type="password" required>
</form></body></html>`
	tests := []struct {
		name    string
		page    string
		wantErr bool
	}{
		{"login page", page, false},
		{"no form", "<html>error</html>", true},
		{"no action", `<form method="post"><input type="hidden" name="csrf_token" value="x"></form>`, true},
		{"no csrf", `<form action="/x"><input type="hidden" name="request" value="x"></form>`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			action, fields, err := parseLoginForm([]byte(tt.page))
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if action != "/oauth2/login" || fields.Get("csrf_token") != "tok&en" || fields.Get("request") != "eyJ+x" || fields.Has("username") {
				t.Errorf("action %q fields %v", action, fields)
			}
		})
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		name, dsn, want string
		wantErr         bool
	}{
		{"replaces path", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "postgres://postgres@127.0.0.1:5432/bench?sslmode=disable", false},
		{"adds path", "postgresql://u:p@h", "postgresql://u:p@h/bench", false},
		{"keyword form refused", "host=x dbname=y", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withDatabase(tt.dsn, "bench")
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDPoPSourceStopsOnStaleNonce(t *testing.T) {
	pool := &dpopPool{requestPool: requestPool{reqs: [][]byte{[]byte("r1"), []byte("r2"), []byte("r3")}}}
	a, b := dpopSource{pool}, dpopSource{pool}
	if r, err := a.Next(nil); err != nil || string(r) != "r1" {
		t.Fatalf("first: %q %v", r, err)
	}
	a.Observe(200, []byte(`{"token_type":"DPoP"}`))
	a.Observe(400, []byte(`{"error":"invalid_dpop_proof"}`))
	if r, err := b.Next(nil); err != nil || string(r) != "r2" {
		t.Fatalf("after a refused proof: %q %v, want r2", r, err)
	}
	b.Observe(400, []byte(`{"error":"use_dpop_nonce","error_description":"x"}`))
	if _, err := a.Next(nil); !errors.Is(err, errStaleNonce) {
		t.Fatalf("after use_dpop_nonce: err = %v, want errStaleNonce", err)
	}
}

func TestDPoPProofClaims(t *testing.T) {
	k, err := newDPoPKey()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	seen := map[string]bool{}
	for _, nonce := range []string{"n-1", ""} {
		raw, err := k.proof("http://127.0.0.1:1/oauth2/token", nonce, now)
		if err != nil {
			t.Fatal(err)
		}
		jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		h := jws.Signatures[0].Header
		if h.ExtraHeaders["typ"] != "dpop+jwt" || h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() {
			t.Fatalf("header %+v: want typ dpop+jwt and a public jwk", h)
		}
		payload, err := jws.Verify(h.JSONWebKey)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			JTI, HTM, HTU, Nonce string
			IAT                  int64
		}
		if err := json.Unmarshal(payload, &c); err != nil {
			t.Fatal(err)
		}
		if c.HTM != "POST" || c.HTU != "http://127.0.0.1:1/oauth2/token" || c.IAT != now.Unix() || c.Nonce != nonce || c.JTI == "" || seen[c.JTI] {
			t.Errorf("claims %+v (nonce %q)", c, nonce)
		}
		seen[c.JTI] = true
	}
}
