package dpop

import (
	"net/url"
	"path"
	"strings"
)

// SameURL reports whether a proof's htu names the request URL want,
// ignoring query and fragment (RFC 9449 §4.3 check 9), after the
// syntax-based and scheme-based normalisation of RFC 3986 §6.2.2 and
// §6.2.3: scheme and host compared without case, the default port of
// the scheme dropped, an empty path read as "/", percent-encoded
// unreserved characters decoded and the hex digits of the others
// upper-cased, dot segments removed. Only http and https URLs with a
// host match; a URL with userinfo never does.
func SameURL(htu, want string) bool {
	a, ok := NormalizeURL(htu)
	if !ok {
		return false
	}
	b, ok := NormalizeURL(want)
	return ok && a == b
}

// NormalizeURL returns the normal form SameURL compares, and false for a
// URL that is not an absolute http(s) URL with a host.
func NormalizeURL(raw string) (string, bool) {
	if len(raw) > 4096 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Host == "" {
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" {
		return "", false
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	p, ok := normalizePath(u.EscapedPath())
	if !ok {
		return "", false
	}
	return scheme + "://" + host + p, true
}

// normalizePath decodes percent-encoded unreserved characters, upper-cases
// the hex of the others (RFC 3986 §6.2.2.1, §6.2.2.2) and removes dot
// segments (§6.2.2.3).
func normalizePath(p string) (string, bool) {
	if p == "" {
		return "/", true
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			return "", false
		}
		d := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isUnreserved(d) {
			b.WriteByte(d)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
		}
		i += 2
	}
	out := b.String()
	if strings.Contains(out, "/.") {
		trailing := strings.HasSuffix(out, "/") || strings.HasSuffix(out, "/.") || strings.HasSuffix(out, "/..")
		out = path.Clean(out)
		if trailing && out != "/" {
			out += "/"
		}
	}
	return out, true
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
