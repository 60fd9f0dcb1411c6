package tokenmint

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestCheckRedirectURI(t *testing.T) {
	cases := []struct {
		uri  string
		rule string // a word of the error; "" means accepted
	}{
		{"https://app.example.com/cb", ""},
		{"https://app.example.com:8443/cb?tenant=a", ""},
		{"http://127.0.0.1:41999/cb", ""},
		{"http://127.0.0.1/cb", ""},
		{"http://[::1]:8080/cb", ""},
		{"http://[::1]/cb", ""},
		{"http://localhost:3000/callback", ""},
		{"com.example.app:/oauth2redirect", ""},
		{"com.example.app://callback", ""},
		{"http://app.example.com/cb", "loopback"},
		{"http://127.0.0.2/cb", "loopback"},
		{"http://127.0.0.1.nip.io/cb", "loopback"},
		{"http://LOCALHOST/cb", "loopback"},
		{"http://[::2]/cb", "loopback"},
		{"javascript:alert(1)", "javascript: scheme"},
		{"JavaScript:alert(1)", "javascript: scheme"},
		{"data:text/html,<script>alert(1)</script>", "data: scheme"},
		{"file:///etc/passwd", "file: scheme"},
		{"vbscript:msgbox", "vbscript: scheme"},
		{"myapp:/cb", "reverse domain"},
		{"urn:ietf:wg:oauth:2.0:oob", "reverse domain"},
		{"https://app.example.com/cb#frag", "fragment"},
		{"https://app.example.com/cb#", "fragment"},
		{"https://*.example.com/cb", "wildcard"},
		{"https://app.example.com/*", "wildcard"},
		{"https://app.example.com/cb?x=*", "wildcard"},
		{"https://user@app.example.com/cb", "userinfo"},
		{"https://app.example.com:pw@evil.example/cb", "userinfo"},
		{"http://evil.example@127.0.0.1/cb", "userinfo"},
		{"/cb", "absolute"},
		{"app.example.com/cb", "absolute"},
		{"https:app.example.com/cb", "needs a host"},
		{"https://app.example.com/c\x7fb", "not a URI"},
	}
	for _, tc := range cases {
		err := CheckRedirectURI(tc.uri)
		switch {
		case tc.rule == "" && err != nil:
			t.Errorf("CheckRedirectURI(%q) = %v, want accepted", tc.uri, err)
		case tc.rule == "":
		case err == nil:
			t.Errorf("CheckRedirectURI(%q) accepted, want refused for %s", tc.uri, tc.rule)
		case !errors.Is(err, ErrInvalidRedirectURI) || !strings.Contains(err.Error(), tc.rule) ||
			!strings.Contains(err.Error(), strconv.Quote(tc.uri)) || strings.Contains(err.Error(), "\n"):
			t.Errorf("CheckRedirectURI(%q) = %q, want one line wrapping ErrInvalidRedirectURI naming the URI and %q", tc.uri, err, tc.rule)
		}
	}
}

func TestMatchRedirectURI(t *testing.T) {
	c := Client{RedirectURIs: []string{
		"http://127.0.0.1:41999/cb", "http://[::1]/cb?x=1", "http://localhost:3000/callback",
		"https://app.example.com:8443/cb", "com.example.app:/cb",
	}}
	cases := []struct {
		uri  string
		want bool
	}{
		{"http://127.0.0.1:41999/cb", true},
		{"http://127.0.0.1:52000/cb", true},
		{"http://127.0.0.1/cb", true},
		{"http://127.0.0.1:1/cb", true},
		{"http://[::1]:65535/cb?x=1", true},
		{"http://localhost:49152/callback", true},
		{"https://app.example.com:8443/cb", true},
		{"com.example.app:/cb", true},

		{"http://127.0.0.1:52000/cb2", false},    // path differs
		{"http://127.0.0.1:52000/", false},       // path differs
		{"http://127.0.0.1:52000", false},        // path differs
		{"http://127.0.0.1:52000/cb?y=1", false}, // query differs
		{"http://127.0.0.1:52000/cb#f", false},   // fragment
		{"http://[::1]:52000/cb", false},         // query differs
		{"http://localhost:52000/cb", false},     // host differs
		{"http://[::1]:52000/callback", false},   // host differs
		{"http://127.0.0.1:0/cb", false},         // no such port
		{"http://127.0.0.1:65536/cb", false},     // no such port
		{"http://127.0.0.1:/cb", false},          // empty port, not as registered
		{"http://127.0.0.1:52000@evil.example/cb", false},
		{"http://127.0.0.1.evil.example:52000/cb", false},
		{"http://evil.example@127.0.0.1:52000/cb", false},
		{"https://127.0.0.1:52000/cb", false},      // scheme differs
		{"https://app.example.com:9443/cb", false}, // only loopback ports vary
		{"https://app.example.com/cb", false},
	}
	for _, tc := range cases {
		if got := c.MatchRedirectURI(tc.uri); got != tc.want {
			t.Errorf("MatchRedirectURI(%q) = %v, want %v", tc.uri, got, tc.want)
		}
	}
}
