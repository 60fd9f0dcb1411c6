package tokenmint

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalidRedirectURI is wrapped by every error of CheckRedirectURI, so
// that a registration endpoint can answer invalid_redirect_uri (RFC 7591
// §3.2.2) for it.
var ErrInvalidRedirectURI = errors.New("invalid redirect URI")

// loopbackHosts are the hosts an http redirect URI may name, as written in
// the URI's authority. RFC 8252 §7.3 names the IP literals; localhost is
// accepted too, though §8.3 calls it NOT RECOMMENDED (a name can resolve
// elsewhere, and a firewall may treat it differently).
var loopbackHosts = []string{"127.0.0.1", "[::1]", "localhost"}

// forbiddenSchemes run code or read local files where a browser follows
// them; named in their own error, though the reverse-domain rule would
// refuse them too.
var forbiddenSchemes = []string{"javascript", "data", "file", "vbscript"}

// CheckRedirectURI reports whether uri may be registered as a redirect
// URI. The error, one line, names the URI and the rule it breaks:
//   - absolute and without a fragment (RFC 6749 §3.1.2);
//   - no wildcard "*" anywhere: redirect URIs are compared exactly, never
//     as patterns (RFC 9700 §2.1, §4.1.1);
//   - no userinfo ("user@host"), which makes a URI read as one host and
//     go to another (RFC 9700 §4.1.1, RFC 3986 §7.6);
//   - https with a host; http only to a loopback host, 127.0.0.1, [::1]
//     or localhost (RFC 9700 §2.6, RFC 8252 §7.3);
//   - any other scheme is a native app's private-use scheme, which must be
//     a reverse domain name, so contain a dot (com.example.app:/cb, RFC
//     8252 §7.1); javascript:, data:, file: and vbscript: never.
//
// It is the one rule of every path that registers clients.
func CheckRedirectURI(uri string) error {
	if reason := redirectURIProblem(uri); reason != "" {
		return fmt.Errorf("%w %q: %s", ErrInvalidRedirectURI, uri, reason)
	}
	return nil
}

func redirectURIProblem(uri string) string {
	u, err := url.Parse(uri)
	switch {
	case err != nil:
		return "not a URI (RFC 3986)"
	case !u.IsAbs():
		return "it must be absolute, with a scheme (RFC 6749 §3.1.2)"
	case strings.Contains(uri, "#"):
		return "it must not carry a fragment (RFC 6749 §3.1.2)"
	case strings.Contains(uri, "*"):
		return "wildcards are not allowed: redirect URIs are compared exactly (RFC 9700 §2.1)"
	case u.User != nil:
		return "userinfo (user@host) is not allowed (RFC 9700 §4.1.1)"
	}
	return schemeProblem(u)
}

func schemeProblem(u *url.URL) string {
	switch {
	case u.Scheme == "https":
		if u.Host == "" {
			return "an https redirect URI needs a host"
		}
	case u.Scheme == "http":
		if !slices.Contains(loopbackHosts, hostOnly(u.Host)) {
			return "http is allowed only to the loopback hosts 127.0.0.1, [::1] and localhost; use https (RFC 9700 §2.6, RFC 8252 §7.3)"
		}
	case slices.Contains(forbiddenSchemes, u.Scheme):
		return "the " + u.Scheme + ": scheme is never allowed"
	case !strings.Contains(u.Scheme, "."):
		return "a private-use scheme must be a reverse domain name such as com.example.app (RFC 8252 §7.1)"
	}
	return ""
}

// hostOnly strips the port from a URL's host as written ("[::1]:80" →
// "[::1]"), keeping the brackets of an IPv6 literal.
func hostOnly(hostport string) string {
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.HasSuffix(hostport, "]") {
		return hostport[:i]
	}
	return hostport
}

// splitLoopback splits an http loopback URI into its host and what
// follows the port; ok is false for any other URI. RFC 8252 §7.3 has the
// IP literals match on any port; localhost, which registration accepts,
// is given the same rule, as its native app needs it just the same.
// The URI is read as written, not parsed and re-encoded, so that two URIs
// match only when they are the same string but for the port.
func splitLoopback(uri string) (host, rest string, ok bool) {
	after, ok := strings.CutPrefix(uri, "http://")
	if !ok {
		return "", "", false
	}
	for _, h := range loopbackHosts {
		tail, found := strings.CutPrefix(after, h)
		if !found {
			continue
		}
		tail, ok = cutPort(tail)
		if ok && (tail == "" || tail[0] == '/' || tail[0] == '?') {
			return h, tail, true
		}
		return "", "", false
	}
	return "", "", false
}

// cutPort removes a leading ":port" (1 to 65535) from s; s without one is
// returned as it is.
func cutPort(s string) (string, bool) {
	if !strings.HasPrefix(s, ":") {
		return s, true
	}
	i := 1
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(s[1:i])
	if err != nil || i > 6 || n < 1 || n > 65535 {
		return "", false
	}
	return s[i:], true
}
