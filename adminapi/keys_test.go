package adminapi_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/config"
)

func (e *env) keys() []adminapi.Key {
	e.t.Helper()
	r := e.admin(http.MethodGet, adminapi.PathKeys, nil)
	want(e.t, r, http.StatusOK)
	var l adminapi.KeyList
	r.json(e.t, &l)
	return l.Keys
}

// TestKeys: one current key per alg; a rotation makes a new current key
// and keeps the old one as previous until its retire time (raised to the
// longest access token lifetime), after which it is no longer listed;
// new tokens carry the new kid.
func TestKeys(t *testing.T) {
	e := newEnv(t, withConfig(func(c *config.Config) { c.KeyRetireAfter = time.Hour }))
	before := e.keys()
	current := map[string]string{}
	for _, k := range before {
		if k.State != adminapi.KeyCurrent || k.RetireAt != nil || k.RotatedAt != nil {
			t.Errorf("fresh key %+v", k)
		}
		current[k.Alg] = k.KID
	}
	if len(current) != 3 {
		t.Fatalf("current keys %v, want one per alg", current)
	}
	e.createClient(map[string]any{"client_name": "long", "access_token_ttl": 3 * 3600})
	r := e.admin(http.MethodPost, adminapi.PathKeysRotate, map[string]any{"alg": "ES256"})
	want(t, r, http.StatusOK)
	var rotated adminapi.KeyList
	r.json(t, &rotated)
	if len(rotated.Keys) != 1 || rotated.Keys[0].Alg != "ES256" || rotated.Keys[0].State != adminapi.KeyCurrent || rotated.Keys[0].KID == current["ES256"] {
		t.Fatalf("rotated %+v", rotated)
	}
	now := e.in.Clock.Now()
	for _, k := range e.keys() {
		if k.KID != current["ES256"] {
			continue
		}
		if k.State != adminapi.KeyPrevious || k.RotatedAt == nil || !k.RotatedAt.Equal(now) || k.RetireAt == nil || !k.RetireAt.Equal(now.Add(3*time.Hour)) {
			t.Errorf("replaced key %+v, want previous retiring in 3 h (the longest access token lifetime)", k)
		}
	}
	tok := e.tokenFor(e.ops, "")
	if !strings.Contains(jwtHeader(t, tok), rotated.Keys[0].KID) {
		t.Errorf("a new token is not signed with the new key %s", rotated.Keys[0].KID)
	}
	e.in.Clock.Advance(3 * time.Hour)
	e.token = e.tokenFor(e.ops, "")
	for _, k := range e.keys() {
		if k.KID == current["ES256"] {
			t.Errorf("a retired key is listed: %+v", k)
		}
	}
	// The default alg is the server's; all rotates every alg.
	r = e.admin(http.MethodPost, adminapi.PathKeysRotate, nil)
	rotated = adminapi.KeyList{}
	r.json(t, &rotated)
	if len(rotated.Keys) != 1 || rotated.Keys[0].Alg != e.in.Config.SigningAlg {
		t.Errorf("default rotation %+v", rotated)
	}
	r = e.admin(http.MethodPost, adminapi.PathKeysRotate, map[string]any{"alg": "all"})
	rotated = adminapi.KeyList{}
	r.json(t, &rotated)
	if len(rotated.Keys) != 3 {
		t.Errorf("rotating all: %+v", rotated)
	}
	for _, bad := range []string{`{"alg":"HS256"}`, `{"alg":""}`, `{"alg":1}`, `{"kid":"x"}`} {
		r := e.do(call{method: http.MethodPost, path: adminapi.PathKeysRotate, token: e.token, body: bad, hostile: true})
		want(t, r, http.StatusBadRequest)
		if p := r.problem(t); len(p.Errors) != 1 {
			t.Errorf("%s: %+v", bad, p)
		}
	}
}

// jwtHeader decodes a JWT's protected header.
func jwtHeader(t *testing.T, tok string) string {
	t.Helper()
	h, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatalf("not a JWT: %q", tok)
	}
	return string(b)
}
