package main

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestKeys(t *testing.T) {
	e := testEnv(t)
	e.ok(t, "", "migrate")
	if r := e.ok(t, "", "keys", "list"); strings.TrimSpace(r.stdout) != "KID  ALG  STATE  CREATED  RETIRE_AT" {
		t.Errorf("empty list:\n%s", r.stdout)
	}
	first := decode[[]keyView](t, e.ok(t, "", "keys", "rotate", "--output", "json"))
	if len(first) != 1 || first[0].Alg != "ES256" || first[0].State != "current" {
		t.Fatalf("rotate with the default alg: %+v", first)
	}
	if r := e.ok(t, "", "keys", "rotate", "--alg", "EdDSA"); !strings.Contains(r.stdout, "EdDSA  current") {
		t.Errorf("rotate --alg EdDSA table:\n%s", r.stdout)
	}
	e.ok(t, "", "keys", "rotate", "--alg", "all", "--key-retire-after", "2h")

	keys := decode[[]keyView](t, e.ok(t, "", "keys", "list", "--output", "json"))
	states := map[string][]string{}
	for _, k := range keys {
		states[k.Alg] = append(states[k.Alg], k.State)
		if k.State == "previous" && !k.RetireAt.Equal(testNow.Add(2*time.Hour)) {
			t.Errorf("key %s retires at %s, want %s", k.KID, k.RetireAt, testNow.Add(2*time.Hour))
		}
		if k.State == "current" && !k.RetireAt.IsZero() {
			t.Errorf("current key %s has a retirement time", k.KID)
		}
	}
	// Every key was created at testNow, so order within an alg is not
	// defined; compare sorted states.
	want := map[string]string{"ES256": "current,previous", "RS256": "current", "EdDSA": "current,previous"}
	for alg, w := range want {
		slices.Sort(states[alg])
		if got := strings.Join(states[alg], ","); got != w {
			t.Errorf("%s keys: %s, want %s", alg, got, w)
		}
	}
	if r := e.ok(t, "", "keys", "list"); !strings.Contains(r.stdout, "previous  2026-03-01T12:00:00Z  2026-03-01T14:00:00Z") {
		t.Errorf("list table:\n%s", r.stdout)
	}
}

func TestKeysRotateUsesConfiguredAlg(t *testing.T) {
	e := testEnv(t).with("TOKENMINT_SIGNING_ALG", "RS256")
	if k := decode[[]keyView](t, e.ok(t, "", "keys", "rotate", "--output", "json")); len(k) != 1 || k[0].Alg != "RS256" {
		t.Errorf("rotated %+v, want one RS256 key", k)
	}
	if k := decode[[]keyView](t, e.ok(t, "", "keys", "rotate", "--signing-alg", "EdDSA", "--output", "json")); len(k) != 1 || k[0].Alg != "EdDSA" {
		t.Errorf("rotated %+v, want one EdDSA key", k)
	}
}

func TestKeysRotateWrongMasterKey(t *testing.T) {
	e := testEnv(t)
	e.ok(t, "", "keys", "rotate")
	other := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	r := e.with("TOKENMINT_MASTER_KEY", other).exec(t, "", "keys", "rotate")
	if r.code != exitFailure || !strings.Contains(r.stderr, "is this the right master key?") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if keys := decode[[]keyView](t, e.ok(t, "", "keys", "list", "--output", "json")); len(keys) != 1 {
		t.Errorf("a failed rotation wrote keys: %+v", keys)
	}
}

// TestKeysRotateOutlivesLongestToken: a replaced key stays published at
// least as long as the longest-lived access token any client gets, even
// when key-retire-after is shorter, so no token outlives its key.
func TestKeysRotateOutlivesLongestToken(t *testing.T) {
	e := testEnv(t)
	e.ok(t, "", "keys", "rotate")
	e.ok(t, "", "client", "create", "--name", "long", "--access-ttl", "48h", "--output", "json")
	e.ok(t, "", "keys", "rotate", "--key-retire-after", "2h")
	for _, k := range decode[[]keyView](t, e.ok(t, "", "keys", "list", "--output", "json")) {
		if k.State == "previous" && !k.RetireAt.Equal(testNow.Add(48*time.Hour)) {
			t.Errorf("previous key retires at %s, want %s (the 48h client's tokens)", k.RetireAt, testNow.Add(48*time.Hour))
		}
	}
}
