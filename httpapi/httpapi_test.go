package httpapi

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"direct client", "203.0.113.7:5555", nil, "203.0.113.7"},
		{"untrusted peer's XFF ignored", "203.0.113.7:5555", []string{"1.2.3.4"}, "203.0.113.7"},
		{"trusted proxy", "10.1.2.3:80", []string{"198.51.100.9"}, "198.51.100.9"},
		{"client-written hops left of the real one ignored", "10.1.2.3:80", []string{"6.6.6.6, 198.51.100.9"}, "198.51.100.9"},
		{"chain of trusted proxies", "10.1.2.3:80", []string{"198.51.100.9, 10.9.9.9"}, "198.51.100.9"},
		{"several headers", "10.1.2.3:80", []string{"198.51.100.9", "10.9.9.9"}, "198.51.100.9"},
		{"garbage stops the walk", "10.1.2.3:80", []string{"198.51.100.9, bogus"}, "10.1.2.3"},
		{"all trusted", "10.1.2.3:80", []string{"10.4.4.4"}, "10.4.4.4"},
		{"no header from trusted proxy", "10.1.2.3:80", nil, "10.1.2.3"},
		{"ipv6 loopback proxy", "[::1]:80", []string{"2001:db8::1"}, "2001:db8::1"},
		{"ipv4-mapped peer", "[::ffff:203.0.113.7]:1", nil, "203.0.113.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, trusted); got != tc.want {
				t.Fatalf("ClientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func formRequest(body string) *http.Request {
	r := httptest.NewRequest("POST", "/oauth2/token", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestClientCredentials(t *testing.T) {
	basic := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	}
	cases := []struct {
		name     string
		auth     string
		body     string
		want     grant.Credentials
		wantCode string
	}{
		{"basic", basic("c1", "s1"), "", grant.Credentials{ID: "c1", Secret: "s1", Method: grant.AuthBasic}, ""},
		// RFC 6749 §2.3.1: the id and secret are form-urlencoded first.
		{"basic urlencoded", basic("c%3A1", "s%2B%20x"), "", grant.Credentials{ID: "c:1", Secret: "s+ x", Method: grant.AuthBasic}, ""},
		{"basic with matching body id", basic("c1", "s1"), "client_id=c1", grant.Credentials{ID: "c1", Secret: "s1", Method: grant.AuthBasic}, ""},
		{"basic with other body id", basic("c1", "s1"), "client_id=c2", grant.Credentials{}, oauth.InvalidRequest},
		{"basic and body secret", basic("c1", "s1"), "client_secret=s1", grant.Credentials{}, oauth.InvalidRequest},
		{"bad basic escape", basic("c%zz", "s"), "", grant.Credentials{}, oauth.InvalidClient},
		{"post", "", "client_id=c1&client_secret=s1", grant.Credentials{ID: "c1", Secret: "s1", Method: grant.AuthPost}, ""},
		{"public", "", "client_id=c1", grant.Credentials{ID: "c1", Method: grant.AuthNone}, ""},
		{"other scheme", "Bearer x", "", grant.Credentials{}, oauth.InvalidClient},
		// RFC 7521 §4.2: client_id optional; the path goes along for aud.
		{"assertion", "", "client_assertion_type=t&client_assertion=a.b.c", grant.Credentials{Method: grant.AuthAssertion, AssertionType: "t", Assertion: "a.b.c", Endpoint: "/oauth2/token"}, ""},
		{"assertion with client_id", "", "client_id=c1&client_assertion_type=t&client_assertion=a.b.c", grant.Credentials{ID: "c1", Method: grant.AuthAssertion, AssertionType: "t", Assertion: "a.b.c", Endpoint: "/oauth2/token"}, ""},
		{"assertion and basic", basic("c1", "s1"), "client_assertion_type=t&client_assertion=a.b.c", grant.Credentials{}, oauth.InvalidRequest},
		{"assertion and secret", "", "client_secret=s&client_assertion_type=t&client_assertion=a.b.c", grant.Credentials{}, oauth.InvalidRequest},
		{"assertion and another scheme", "Bearer x", "client_assertion_type=t&client_assertion=a.b.c", grant.Credentials{}, oauth.InvalidRequest},
		{"assertion without type", "", "client_assertion=a.b.c", grant.Credentials{}, oauth.InvalidRequest},
		{"type without assertion", "", "client_assertion_type=t", grant.Credentials{}, oauth.InvalidRequest},
		{"empty assertion", "", "client_assertion_type=t&client_assertion=", grant.Credentials{}, oauth.InvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := formRequest(tc.body)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			form, err := ParseForm(httptest.NewRecorder(), r, 1<<10)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ClientCredentials(r, form)
			if tc.wantCode != "" {
				oe, ok := oauth.As(err)
				if !ok || oe.Code != tc.wantCode {
					t.Fatalf("err = %v, want %s", err, tc.wantCode)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	cases := []struct {
		header, want string
		status       int
	}{
		{"Bearer abc.def", "abc.def", 0},
		{"bearer abc", "abc", 0},
		{"", "", 401},
		{"Basic abc", "", 400},
		{"Bearer", "", 400},
		{"Bearer a b", "", 400},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		got, err := BearerToken(r)
		if tc.status == 0 {
			if err != nil || got != tc.want {
				t.Errorf("%q: got %q %v", tc.header, got, err)
			}
			continue
		}
		oe, ok := oauth.As(err)
		if !ok || oe.HTTPStatus() != tc.status {
			t.Errorf("%q: err %v, want status %d", tc.header, err, tc.status)
		}
	}
}

func TestWriteErrorHidesInternals(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
	}{
		{"oauth error", oauth.NewError(oauth.InvalidGrant, "bad code"), 400, "invalid_grant"},
		{"storage down", errors.Join(errors.New("dial tcp: refused"), tokenmint.ErrUnavailable), 503, "temporarily_unavailable"},
		{"bug", errors.New("secret internal detail"), 500, "server_error"},
		{"server_error with cause", &oauth.Error{Code: oauth.ServerError, Description: "x", Cause: errors.New("secret internal detail")}, 500, "server_error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, httptest.NewRequest("POST", "/", nil), slog.New(slog.DiscardHandler), tc.err)
			body := w.Body.String()
			if w.Code != tc.wantStatus || !strings.Contains(body, `"error":"`+tc.wantCode+`"`) {
				t.Fatalf("got %d %s", w.Code, body)
			}
			if strings.Contains(body, "secret internal detail") || strings.Contains(body, "refused") {
				t.Fatalf("internal detail leaked: %s", body)
			}
			if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("headers %v", w.Header())
			}
		})
	}
}

// FuzzParseForm: no body, header or query makes the form decoder or the
// client credential extraction panic, and what they accept is consistent.
func FuzzParseForm(f *testing.F) {
	f.Add("grant_type=client_credentials&scope=a%20b", "Basic YTpi", "application/x-www-form-urlencoded", "")
	f.Add("a=1&a=2", "", "application/x-www-form-urlencoded; charset=utf-8", "")
	f.Add("%zz", "Basic !!!", "text/plain", "x=1")
	f.Add(strings.Repeat("k=v&", 100), "Bearer x", "application/x-www-form-urlencoded", "")
	f.Fuzz(func(t *testing.T, body, auth, ctype, query string) {
		r := httptest.NewRequest("POST", "/oauth2/token", strings.NewReader(body))
		r.URL.RawQuery = url.PathEscape(query)
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Authorization", auth)
		form, err := ParseForm(httptest.NewRecorder(), r, 256)
		if err != nil {
			if _, ok := oauth.As(err); !ok {
				t.Fatalf("ParseForm returned a non-OAuth error %v", err)
			}
			return
		}
		for k, v := range form {
			if len(v) != 1 {
				t.Fatalf("repeated parameter %q accepted", k)
			}
		}
		cred, err := ClientCredentials(r, form)
		if err == nil && cred.Method == grant.AuthBasic && form.Get("client_secret") != "" {
			t.Fatal("two authentication methods accepted")
		}
	})
}
