package epc

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// mapIntrospection is the map the introspection body used to be built
// from and marshalled with encoding/json: the reference introspectionJSON
// must reproduce byte for byte, with or without custom claims.
func mapIntrospection(in *grant.Introspection) map[string]any {
	m := make(map[string]any, 5+len(in.Extra))
	for k, v := range in.Extra {
		m[k] = v
	}
	m["active"] = true
	m["scope"] = oauth.JoinScope(in.Scopes)
	m["client_id"] = in.ClientID
	m["token_type"] = in.TokenType
	m["exp"] = in.ExpiresAt.Unix()
	return m
}

// documentExample is an active token of a partner registered with the
// documented custom claims.
func documentExample() *grant.Introspection {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	return &grant.Introspection{Active: true, Scopes: []string{"pc", "pcapi"}, ClientID: "a5dqrhc", Subject: "a5dqrhc",
		Audience: []string{"https://id.example.com"}, Issuer: "https://id.example.com", ExpiresAt: t0.Add(2 * time.Hour),
		IssuedAt: t0, TokenType: "Bearer",
		Extra: map[string]any{"environment": "Test", "identity_type": "Partner", "encompass_client_id": "007001"}}
}

func TestIntrospectionBody(t *testing.T) {
	with := func(f func(*grant.Introspection)) *grant.Introspection {
		in := documentExample()
		f(in)
		return in
	}
	cases := []struct {
		name string
		in   *grant.Introspection
	}{
		{"document example", documentExample()},
		{"minimal", &grant.Introspection{Active: true}},
		{"no custom claims", with(func(in *grant.Introspection) { in.Extra = nil })},
		{"zero expiry", with(func(in *grant.Introspection) { in.ExpiresAt = time.Time{} })},
		{"before the epoch", with(func(in *grant.Introspection) { in.ExpiresAt = time.Unix(-1, 0) })},
		{"escapes", with(func(in *grant.Introspection) {
			in.ClientID, in.TokenType = "<a&b>\"\\\n\t\b\f\x01\x7f", "é\u2028\u2029bad\xff"
			in.Scopes = []string{"a<b", "c&d"}
		})},
		{"custom claims interleaved", with(func(in *grant.Introspection) {
			in.Extra = map[string]any{"tenant": "acme", "zz": 1.5, "b": []any{"x", 2}, "client_idx": true, "aa": nil,
				"": "empty name", "exp_": 1, "scopes": "s", "token_type2": 0}
		})},
		{"custom claims cannot override documented members", with(func(in *grant.Introspection) {
			in.Extra = map[string]any{"active": false, "client_id": "evil", "exp": 0, "scope": "admin", "token_type": "evil"}
		})},
		{"undocumented registered names are custom claims here", with(func(in *grant.Introspection) {
			in.Extra = map[string]any{"aud": "x", "iat": 1, "iss": "i", "jti": "j", "nbf": 2, "sub": "s"}
		})},
		{"custom claim names that need escaping", with(func(in *grant.Introspection) {
			in.Extra = map[string]any{"<b>": "x", "a\"b": "y", "\u00e9": "z", "\x00": 0, "Z": map[string]any{"k": "<v>"}}
		})},
		{"custom claim marshalers", with(func(in *grant.Introspection) {
			in.Extra = map[string]any{"raw": json.RawMessage(` { "a" : "<x>" } `), "t": in.IssuedAt, "n": json.Number("12")}
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkIntrospectionBody(t, tc.in)
		})
	}
}

// checkIntrospectionBody compares introspectionJSON with json.Marshal of
// the reference map.
func checkIntrospectionBody(t *testing.T, in *grant.Introspection) {
	t.Helper()
	want, wantErr := json.Marshal(mapIntrospection(in))
	got, err := introspectionJSON(in)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, json.Marshal's %v", err, wantErr)
	}
	if string(got) != string(want) {
		t.Fatalf("body\n%s\nwant json.Marshal's\n%s", got, want)
	}
}

// TestIntrospectionBodyUnencodableClaim: a claim encoding/json refuses
// gets the answer WriteJSON gave for the map: a bare 500 server_error.
func TestIntrospectionBodyUnencodableClaim(t *testing.T) {
	in := documentExample()
	in.Extra["bad"] = math.NaN()
	checkIntrospectionBody(t, in)
	body, err := introspectionJSON(in)
	if err == nil {
		t.Fatal("a NaN claim encoded")
	}
	got, want := httptest.NewRecorder(), httptest.NewRecorder()
	httpapi.WriteJSONBody(got, http.StatusOK, body, err)
	httpapi.WriteJSON(want, http.StatusOK, mapIntrospection(in))
	if got.Code != want.Code || got.Body.String() != want.Body.String() || got.Code != http.StatusInternalServerError {
		t.Fatalf("got %d %q, WriteJSON of the map gives %d %q", got.Code, got.Body, want.Code, want.Body)
	}
}

func FuzzIntrospectionBody(f *testing.F) {
	f.Add("pc pcapi", "a5dqrhc", "Bearer", "environment", "Test", int64(1700000000))
	f.Add("", "", "", "", "", int64(0))
	f.Add("<&>", "\u2028", "\xff", "scope", "\\", int64(-1))
	f.Add("a b", "\x00", "\"", "client_id", "exp", int64(math.MaxInt32))
	f.Fuzz(func(t *testing.T, scope, client, tokenType, claim, value string, unix int64) {
		in := &grant.Introspection{Active: true, Scopes: strings.Fields(scope), ClientID: client, TokenType: tokenType,
			ExpiresAt: time.Unix(unix, 0),
			Extra:     map[string]any{claim: value, claim + "x": []string{value}, value: unix, "a" + claim: nil}}
		checkIntrospectionBody(t, in)
	})
}

// BenchmarkIntrospectionBody encodes the document example's body.
//
//	go test ./dialect/epc -run '^$' -bench IntrospectionBody -benchmem
func BenchmarkIntrospectionBody(b *testing.B) {
	in := documentExample()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := introspectionJSON(in); err != nil {
			b.Fatal(err)
		}
	}
}
