package rs

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseAuthorization(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		dpop   bool
		token  string
		status int // 0: parsed
		code   string
	}{
		{"bearer", []string{"Bearer abc.def-_~+/=="}, false, "abc.def-_~+/==", 0, ""},
		{"scheme case", []string{"bEaReR abc"}, false, "abc", 0, ""},
		{"several spaces", []string{"Bearer   abc"}, false, "abc", 0, ""},
		{"dpop", []string{"DPoP abc"}, true, "abc", 0, ""},
		{"dpop case", []string{"dpop abc"}, true, "abc", 0, ""},
		{"none", nil, false, "", 401, ""},
		{"empty", []string{""}, false, "", 401, ""},
		{"two", []string{"Bearer a", "Bearer b"}, false, "", 400, CodeInvalidRequest},
		{"basic", []string{"Basic YTpi"}, false, "", 400, CodeInvalidRequest},
		{"scheme alone", []string{"Bearer"}, false, "", 400, CodeInvalidRequest},
		{"trailing space", []string{"Bearer abc "}, false, "", 400, CodeInvalidRequest},
		{"two tokens", []string{"Bearer a b"}, false, "", 400, CodeInvalidRequest},
		{"padding inside", []string{"Bearer a=b"}, false, "", 400, CodeInvalidRequest},
		{"only padding", []string{"Bearer =="}, false, "", 400, CodeInvalidRequest},
		{"tab", []string{"Bearer\tabc"}, false, "", 400, CodeInvalidRequest},
		{"quoted", []string{`Bearer "abc"`}, false, "", 400, CodeInvalidRequest},
		{"non-ASCII", []string{"Bearer abcé"}, false, "", 400, CodeInvalidRequest},
		{"too long", []string{"Bearer " + strings.Repeat("a", MaxTokenBytes+1)}, false, "", 400, CodeInvalidRequest},
		{"longest", []string{"Bearer " + strings.Repeat("a", MaxTokenBytes)}, false, strings.Repeat("a", MaxTokenBytes), 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseAuthorization(tc.values)
			if tc.status == 0 {
				if err != nil || c.dpop != tc.dpop || c.token != tc.token {
					t.Fatalf("got %+v %v, want dpop=%v token %q", c, err, tc.dpop, tc.token)
				}
				return
			}
			if err == nil || err.Status != tc.status || err.Code != tc.code {
				t.Fatalf("got %+v %v, want %d %q", c, err, tc.status, tc.code)
			}
		})
	}
}

func TestChallenges(t *testing.T) {
	cases := []struct {
		err  *Error
		want []string
	}{
		{errNoToken, []string{`Bearer realm="api"`, `DPoP realm="api", algs="ES256 PS256"`}},
		{invalidToken(`bad "token"\`), []string{`Bearer realm="api", error="invalid_token", error_description="bad 'token''"`}},
		{&Error{Status: 403, Code: CodeInsufficientScope, Description: "d", Scope: "a b"}, []string{`Bearer realm="api", error="insufficient_scope", error_description="d", scope="a b"`}},
		{&Error{Status: 401, Code: CodeUseDPoPNonce, Description: "n", DPoP: true}, []string{`DPoP realm="api", error="use_dpop_nonce", error_description="n", algs="ES256 PS256"`}},
		{unavailable("down", nil), nil},
		{invalidRequest("x"), []string{`Bearer realm="api", error="invalid_request", error_description="x"`}},
	}
	for _, tc := range cases {
		got := tc.err.challenges("api", "ES256 PS256")
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestCacheTTL(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		cc, expires string
		want        time.Duration
	}{
		{"", "", defaultTTL},
		{"public, max-age=600", "", 10 * time.Minute},
		{"max-age=5", "", minTTL},
		{"max-age=99999999999", "", maxTTL},
		{"no-store", "", minTTL},
		{"no-cache, max-age=600", "", minTTL},
		{"max-age=bogus", "", defaultTTL},
		{"", now.Add(time.Hour).Format(http.TimeFormat), time.Hour},
		{"", "garbage", defaultTTL},
	}
	for _, tc := range cases {
		h := http.Header{}
		if tc.cc != "" {
			h.Set("Cache-Control", tc.cc)
		}
		if tc.expires != "" {
			h.Set("Expires", tc.expires)
		}
		if got := cacheTTL(h, now); got != tc.want {
			t.Errorf("Cache-Control %q Expires %q: %v, want %v", tc.cc, tc.expires, got, tc.want)
		}
	}
}

func TestMetadataURLs(t *testing.T) {
	got := metadataURLs("https://as.example.com/tenant/1")
	want := []string{"https://as.example.com/.well-known/oauth-authorization-server/tenant/1", "https://as.example.com/tenant/1/.well-known/openid-configuration"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestIntrospectionAnswer(t *testing.T) {
	for body, want := range map[string]string{
		`{"active":false}`:                       "inactive",
		`{"active":true,"aud":"a","exp":10}`:     "active",
		`{"active":"true"}`:                      "error",
		`{}`:                                     "error",
		`[]`:                                     "error",
		`null`:                                   "error",
		`{"active":true,"exp":"soon"}`:           "error",
		`{"active":true,"aud":[1]}`:              "error",
		`{"active":true,"scope":"a  b","x":[1]}`: "active",
		`{"active":true,"cnf":{"jkt":"k"},"nbf":1}`: "active",
	} {
		c, err := introspectionAnswer([]byte(body))
		got := "active"
		switch {
		case err != nil:
			got = "error"
		case c == nil:
			got = "inactive"
		}
		if got != want {
			t.Errorf("%s: %s (%v), want %s", body, got, err, want)
		}
	}
}

func TestAnswerCacheBounded(t *testing.T) {
	now := time.Now()
	a := newAnswerCache(time.Minute, 16)
	for i := range 100 {
		a.put([32]byte{byte(i)}, &Claims{}, now)
		if len(a.entries) > 16 {
			t.Fatalf("%d entries, max 16", len(a.entries))
		}
	}
	exp := now.Add(10 * time.Second)
	a.put([32]byte{200}, &Claims{Expiry: exp}, now)
	if _, ok := a.get([32]byte{200}, exp); ok {
		t.Fatal("an answer served past its token's exp")
	}
	if c, ok := a.get([32]byte{200}, exp.Add(-time.Second)); !ok || c == nil {
		t.Fatal("an answer forgotten before its exp")
	}
}

func TestConfigChecked(t *testing.T) {
	ok := Config{Issuer: "https://as.example.com", Audience: []string{"https://api.example.com"}}
	if _, err := New(ok); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*Config){
		"no issuer":          func(c *Config) { c.Issuer = "" },
		"http issuer":        func(c *Config) { c.Issuer = "http://as.example.com" },
		"issuer with query":  func(c *Config) { c.Issuer = "https://as.example.com?x" },
		"no audience":        func(c *Config) { c.Audience = nil },
		"HS256":              func(c *Config) { c.Algs = []string{"HS256"} },
		"none":               func(c *Config) { c.Algs = []string{"none"} },
		"secret without id":  func(c *Config) { c.ClientSecret = "s" },
		"id without secret":  func(c *Config) { c.ClientID = "api" },
		"introspect no id":   func(c *Config) { c.IntrospectJWT = true },
		"relative base URL":  func(c *Config) { c.BaseURL = "/api" },
		"http jwks off-host": func(c *Config) { c.JWKSURL = "http://as.example.com/jwks" },
	} {
		c := ok
		edit(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	loop := ok
	loop.Issuer = "http://127.0.0.1:8080"
	if _, err := New(loop); err != nil {
		t.Errorf("loopback http issuer: %v", err)
	}
	if s := Secret("hunter2"); s.String() != "REDACTED" || strings.Contains(fmtConfig(Config{ClientSecret: s}), "hunter2") {
		t.Error("a secret prints")
	}
}
