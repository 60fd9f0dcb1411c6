package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/grant"
)

func TestDecodeAuthorize(t *testing.T) {
	for _, tc := range []struct {
		name    string
		query   string
		want    grant.AuthorizeRequest
		err     string // substring of the error description; "" for none
		trusted bool
		stateOK bool
	}{
		{
			name:  "all parameters",
			query: "response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fa.test%2Fcb&scope=openid+profile&state=s&nonce=n&code_challenge=x&code_challenge_method=S256&response_mode=fragment&prompt=login",
			want: grant.AuthorizeRequest{ResponseType: "code", ClientID: "c", RedirectURI: "https://a.test/cb", Scope: "openid profile",
				State: "s", Nonce: "n", CodeChallenge: "x", CodeChallengeMethod: "S256", ResponseMode: "fragment", Prompt: "login"},
		},
		{name: "resource repeated (RFC 8707 §2)", query: "client_id=c&resource=https%3A%2F%2Fa.test%2Fapi&resource=urn%3Ax",
			want: grant.AuthorizeRequest{ClientID: "c", Resources: []string{"https://a.test/api", "urn:x"}}},
		{name: "unknown parameters ignored", query: "client_id=c&foo=1&foo=2&legacy_no_pkce=1", want: grant.AuthorizeRequest{ClientID: "c"}},
		{name: "empty", query: "", want: grant.AuthorizeRequest{}},
		{name: "repeated state", query: "client_id=c&state=a&state=b", want: grant.AuthorizeRequest{ClientID: "c", State: "a"},
			err: "state is repeated", trusted: true, stateOK: false},
		{name: "repeated client_id", query: "client_id=c&client_id=d", want: grant.AuthorizeRequest{ClientID: "c"},
			err: "client_id is repeated", trusted: false, stateOK: true},
		{name: "repeated redirect_uri", query: "redirect_uri=a&redirect_uri=a", want: grant.AuthorizeRequest{RedirectURI: "a"},
			err: "redirect_uri is repeated", trusted: false, stateOK: true},
		{name: "repeated empty", query: "scope=&scope=", err: "scope is repeated", trusted: true, stateOK: true},
		{name: "bad escape", query: "client_id=c&state=%zz", want: grant.AuthorizeRequest{ClientID: "c"}, err: "not a valid URL query"},
		{name: "semicolon", query: "client_id=c;state=s", err: "not a valid URL query"},
		{name: "request object", query: "client_id=c&request=x", want: grant.AuthorizeRequest{ClientID: "c"}, err: "request objects", trusted: true, stateOK: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, derr := decodeAuthorize(tc.query)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("request = %+v, want %+v", got, tc.want)
			}
			if tc.err == "" {
				if derr != nil {
					t.Fatalf("unexpected error %v", derr.err)
				}
				return
			}
			if derr == nil || !strings.Contains(derr.err.Description, tc.err) {
				t.Fatalf("error = %v, want one containing %q", derr, tc.err)
			}
			if derr.trusted != tc.trusted || derr.stateOK != tc.stateOK {
				t.Errorf("trusted, stateOK = %v, %v; want %v, %v", derr.trusted, derr.stateOK, tc.trusted, tc.stateOK)
			}
		})
	}
}

// FuzzDecodeAuthorize: decoding never panics; a decoded request agrees
// with url.ParseQuery, survives a round trip through its encoding, and no
// request the decoder accepts has a repeated parameter.
func FuzzDecodeAuthorize(f *testing.F) {
	for _, s := range []string{
		"response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fa.test%2Fcb&state=s",
		"client_id=c&client_id=d", "state=%zz", "a;b", "scope=openid+profile&prompt=none",
		"request_uri=x", "=&=&&", "client_id=%00%ff", "", "resource=a&resource=&resource=a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req, derr := decodeAuthorize(raw)
		if derr != nil {
			if derr.err == nil || derr.err.Code == "" {
				t.Fatalf("decode error without an OAuth error: %+v", derr)
			}
			return
		}
		q, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatalf("accepted a query url.ParseQuery refuses: %v", err)
		}
		for _, p := range authorizeParams {
			if len(q[p.name]) > 1 {
				t.Fatalf("accepted repeated %s", p.name)
			}
			if got := *p.field(&req); got != q.Get(p.name) {
				t.Fatalf("%s = %q, want %q", p.name, got, q.Get(p.name))
			}
		}
		if !slices.Equal(req.Resources, q["resource"]) {
			t.Fatalf("resources = %q, want %q", req.Resources, q["resource"])
		}
		again, derr := decodeAuthorize(encodeAuthorize(req).Encode())
		if derr != nil || !reflect.DeepEqual(again, req) {
			t.Fatalf("round trip: %+v (%v), want %+v", again, derr, req)
		}
	})
}

func testPages() *Pages {
	return &Pages{cfg: Config{CSRFKey: []byte("0123456789abcdef0123456789abcdef")}}
}

func TestPendingRequest(t *testing.T) {
	p := testPages()
	req := grant.AuthorizeRequest{ResponseType: "code", ClientID: "c", RedirectURI: "https://a.test/cb?x=1&y=2", State: "s t", Dialect: "eptura",
		Resources: []string{"https://api.test/v1?x=1", "urn:example:b"}}
	field := p.encodePending(req)
	got, ok := p.decodePending(field)
	if !ok || !reflect.DeepEqual(got, req) {
		t.Fatalf("round trip = %+v, %v; want %+v", got, ok, req)
	}
	sig, enc, _ := strings.Cut(field, ".")
	for _, tc := range []struct{ name, field string }{
		{"empty", ""},
		{"unsigned", enc},
		{"legacy flag added", sig + "." + enc + "&legacy_no_pkce=1"},
		{"redirect swapped", sig + "." + strings.Replace(enc, "a.test", "b.test", 1)},
		{"resource added", sig + "." + enc + "&resource=https%3A%2F%2Fevil.test"},
		{"signature of another key", (&Pages{cfg: Config{CSRFKey: []byte("another key of thirty-two bytes!")}}).encodePending(req)},
		{"bad base64", "!!!." + enc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := p.decodePending(tc.field); ok {
				t.Errorf("accepted %q", tc.field)
			}
		})
	}
}

func TestResponseURI(t *testing.T) {
	params := url.Values{"code": {"c 1"}, "state": {"s&t"}}
	for _, tc := range []struct{ name, uri, mode, want string }{
		{"query", "https://a.test/cb", "query", "https://a.test/cb?code=c+1&state=s%26t"},
		{"existing query", "https://a.test/cb?x=1", "query", "https://a.test/cb?x=1&code=c+1&state=s%26t"},
		{"trailing question mark", "https://a.test/cb?", "query", "https://a.test/cb?code=c+1&state=s%26t"},
		{"trailing ampersand", "https://a.test/cb?x=1&", "query", "https://a.test/cb?x=1&code=c+1&state=s%26t"},
		{"fragment", "https://a.test/cb?x=1", "fragment", "https://a.test/cb?x=1#code=c+1&state=s%26t"},
		{"private-use scheme", "com.example.app:/oauth", "query", "com.example.app:/oauth?code=c+1&state=s%26t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := responseURI(tc.uri, tc.mode, params); got != tc.want {
				t.Errorf("responseURI = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCSPSource(t *testing.T) {
	for _, tc := range []struct{ name, uri, want string }{
		{"https", "https://App.Example.test/cb?x=1", "https://app.example.test"},
		{"port", "http://127.0.0.1:8080/cb", "http://127.0.0.1:8080"},
		{"ipv6", "http://[::1]:8080/cb", "http://[::1]:8080"},
		{"private-use scheme", "com.example.app:/oauth", "com.example.app:"},
		{"empty", "", ""},
		{"relative", "/cb", ""},
		{"header injection", "https://a.test;script-src *", ""},
		{"quote in host", "https://a'b.test/", ""},
		{"no host", "https:///cb", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cspSource(tc.uri); got != tc.want {
				t.Errorf("cspSource(%q) = %q, want %q", tc.uri, got, tc.want)
			}
		})
	}
}

func TestConsentCookieBounded(t *testing.T) {
	p := testPages()
	p.cfg.SessionTTL = 1
	var cookie string
	first := p.consentMark("sess", "client-0", []string{"openid"})
	for i := range maxConsents + 5 {
		mark := p.consentMark("sess", "client-"+string(rune('a'+i)), []string{"openid"})
		if i == 0 {
			mark = first
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: ConsentCookie, Value: cookie})
		}
		w := httptest.NewRecorder()
		p.rememberConsent(w, r, mark)
		cookie = w.Result().Cookies()[0].Value
	}
	if n := len(strings.Split(cookie, ".")); n != maxConsents {
		t.Errorf("cookie holds %d marks, want %d", n, maxConsents)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: ConsentCookie, Value: cookie})
	if p.hasConsent(r, first) {
		t.Error("the oldest consent was not dropped")
	}
	if !p.hasConsent(r, p.consentMark("sess", "client-"+string(rune('a'+maxConsents+4)), []string{"openid"})) {
		t.Error("the newest consent is missing")
	}
	if p.consentMark("sess", "c", []string{"a", "b"}) != p.consentMark("sess", "c", []string{"b", "a"}) {
		t.Error("consent marks depend on scope order")
	}
	if p.consentMark("sess", "c", []string{"a b"}) == p.consentMark("sess", "c a", []string{"b"}) {
		t.Error("consent marks are ambiguous")
	}
}
