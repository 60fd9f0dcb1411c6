package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// mapIntrospection is the map the introspection body used to be built
// from and marshalled with encoding/json: the reference introspectionJSON
// must reproduce byte for byte, with or without custom claims.
func mapIntrospection(in *grant.Introspection) map[string]any {
	if !in.Active {
		return map[string]any{"active": false}
	}
	m := make(map[string]any, 12+len(in.Extra))
	for k, v := range in.Extra {
		m[k] = v
	}
	m["active"] = true
	m["scope"] = oauth.JoinScope(in.Scopes)
	m["client_id"] = in.ClientID
	m["token_type"] = in.TokenType
	m["exp"] = in.ExpiresAt.Unix()
	m["iat"] = in.IssuedAt.Unix()
	m["iss"] = in.Issuer
	if in.Subject != "" {
		m["sub"] = in.Subject
	}
	if in.JTI != "" {
		m["jti"] = in.JTI
	}
	if !in.NotBefore.IsZero() {
		m["nbf"] = in.NotBefore.Unix()
	}
	switch len(in.Audience) {
	case 0:
	case 1:
		m["aud"] = in.Audience[0]
	default:
		m["aud"] = in.Audience
	}
	return m
}

func TestIntrospectionBody(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	full := func() *grant.Introspection {
		return &grant.Introspection{Active: true, Scopes: []string{"read", "write"}, ClientID: "c1", Subject: "alice",
			Audience: []string{"https://api.example.com"}, Issuer: "https://id.example.com", ExpiresAt: t0.Add(time.Hour),
			IssuedAt: t0, NotBefore: t0, JTI: "j1", TokenType: "Bearer"}
	}
	with := func(f func(*grant.Introspection)) *grant.Introspection {
		in := full()
		f(in)
		return in
	}
	cases := []struct {
		name string
		in   *grant.Introspection
	}{
		{"inactive", &grant.Introspection{}},
		{"inactive ignores the rest", &grant.Introspection{ClientID: "c1", Extra: map[string]any{"x": 1}}},
		{"every member", full()},
		{"minimal", &grant.Introspection{Active: true}},
		{"refresh token", with(func(in *grant.Introspection) {
			in.Audience, in.JTI, in.NotBefore, in.TokenType = nil, "", time.Time{}, "refresh_token"
		})},
		{"several audiences", with(func(in *grant.Introspection) { in.Audience = []string{"b", "a", "c"} })},
		{"empty audience string", with(func(in *grant.Introspection) { in.Audience = []string{""} })},
		{"nbf at the epoch", with(func(in *grant.Introspection) { in.NotBefore = time.Unix(0, 0) })},
		{"zero times", with(func(in *grant.Introspection) { in.ExpiresAt, in.IssuedAt = time.Time{}, time.Time{} })},
		{"escapes", with(func(in *grant.Introspection) {
			in.Subject, in.ClientID, in.Issuer = "<a&b>\"\\\n\t\b\f\x01\x7f", "é\u2028\u2029", "bad\xffutf8"
			in.Scopes = []string{"a<b", "c&d"}
		})},
		{"custom claims interleaved", with(func(in *grant.Introspection) {
			in.Extra = map[string]any{"tenant": "acme", "zz": 1.5, "b": []any{"x", 2}, "client_idx": true, "aa": nil, "": "empty name"}
		})},
		{"custom claims cannot override present members", with(func(in *grant.Introspection) {
			in.Extra = map[string]any{"active": false, "aud": "x", "client_id": "evil", "exp": 0, "iat": 0, "iss": "evil",
				"jti": "evil", "nbf": 0, "scope": "admin", "sub": "root", "token_type": "evil"}
		})},
		{"custom claims fill absent optional members", with(func(in *grant.Introspection) {
			in.Subject, in.JTI, in.NotBefore, in.Audience = "", "", time.Time{}, nil
			in.Extra = map[string]any{"aud": []string{"x", "y"}, "jti": "custom", "nbf": 7, "sub": "custom"}
		})},
		{"custom claim names that need escaping", with(func(in *grant.Introspection) {
			in.Extra = map[string]any{"<b>": "x", "a\"b": "y", "\u00e9": "z", "\x00": 0, "Z": map[string]any{"k": "<v>"}}
		})},
		{"custom claim marshalers", with(func(in *grant.Introspection) {
			in.Extra = map[string]any{"raw": json.RawMessage(` { "a" : "<x>" } `), "t": t0, "n": json.Number("12")}
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

func TestIntrospectionBodyUnencodableClaim(t *testing.T) {
	in := &grant.Introspection{Active: true, Extra: map[string]any{"bad": math.NaN()}}
	checkIntrospectionBody(t, in)
	if _, err := introspectionJSON(in); err == nil {
		t.Fatal("a NaN claim encoded")
	}
	// The endpoint answers as WriteJSON did for a body it could not encode.
	w := httptest.NewRecorder()
	body, err := introspectionJSON(in)
	writeJSONBody(w, http.StatusOK, "application/json", body, err)
	if w.Code != http.StatusInternalServerError || w.Body.String() != "{\"error\":\"server_error\"}\n" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
}

func FuzzIntrospectionBody(f *testing.F) {
	f.Add("read write", "c1", "alice", "https://api.example.com", "iss", "j1", "tenant", "acme", int64(1700000000), true)
	f.Add("", "", "", "", "", "", "sub", "x", int64(0), false)
	f.Add("<&>", "\u2028", "\xff", "a b", "\x00", "\"", "aud", "\\", int64(-1), true)
	f.Fuzz(func(t *testing.T, scope, client, sub, aud, iss, jti, claim, value string, unix int64, nbf bool) {
		in := &grant.Introspection{Active: true, Scopes: strings.Fields(scope), ClientID: client, Subject: sub,
			Audience: strings.Fields(aud), Issuer: iss, ExpiresAt: time.Unix(unix, 0), IssuedAt: time.Unix(unix/2, 0),
			JTI: jti, TokenType: "Bearer", Extra: map[string]any{claim: value, claim + "x": []string{value}}}
		if nbf {
			in.NotBefore = time.Unix(unix/3, 0)
		}
		checkIntrospectionBody(t, in)
	})
}

// BenchmarkIntrospectionBody encodes the body of an active JWT with two
// custom claims, as a client with claims gets it.
func BenchmarkIntrospectionBody(b *testing.B) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	in := &grant.Introspection{Active: true, Scopes: []string{"read", "write"}, ClientID: "c1", Subject: "alice",
		Audience: []string{"https://api.example.com"}, Issuer: "https://id.example.com", ExpiresAt: t0.Add(time.Hour),
		IssuedAt: t0, NotBefore: t0, JTI: "j1", TokenType: "Bearer", Extra: map[string]any{"tenant": "acme", "tier": "gold"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := introspectionJSON(in); err != nil {
			b.Fatal(err)
		}
	}
}
