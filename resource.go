package tokenmint

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Bounds of a resource indicator (RFC 8707): longer values or more of
// them in one request mean abuse, not a client with many APIs.
const (
	MaxResourceLen = 2048
	MaxResources   = 16
)

// ErrInvalidResource is wrapped by every error of CheckResource.
var ErrInvalidResource = errors.New("invalid resource indicator")

// CheckResource reports whether uri is a valid resource indicator (RFC
// 8707 §2): "an absolute URI, as specified by Section 4.3 of [RFC3986],
// ... MAY include a query component, but MUST NOT include a fragment
// component". It also refuses what RFC 3986 does not allow in a URI
// (spaces, controls, non-ASCII, quotes, backslashes, braces) and values
// longer than MaxResourceLen. The same rule holds for a resource a
// client is registered with and for the resource parameter of a
// request, which is compared to the registered ones exactly.
func CheckResource(uri string) error {
	if reason := resourceProblem(uri); reason != "" {
		if len(uri) > 64 {
			uri = uri[:64] + "…"
		}
		return fmt.Errorf("%w %q: %s", ErrInvalidResource, uri, reason)
	}
	return nil
}

func resourceProblem(uri string) string {
	switch {
	case uri == "":
		return "it is empty"
	case len(uri) > MaxResourceLen:
		return fmt.Sprintf("it is longer than %d bytes", MaxResourceLen)
	case strings.Contains(uri, "#"):
		return "it must not carry a fragment (RFC 8707 §2)"
	}
	for i := 0; i < len(uri); i++ {
		if !uriByte(uri[i]) {
			return "it has a character a URI cannot contain (RFC 3986 §2)"
		}
	}
	u, err := url.Parse(uri)
	switch {
	case err != nil:
		return "not a URI (RFC 3986)"
	case !u.IsAbs():
		return "it must be an absolute URI, with a scheme (RFC 8707 §2)"
	case u.Opaque == "" && u.Host == "" && u.Path == "":
		return "it has a scheme and nothing else"
	}
	return ""
}

// uriByte reports whether b may appear in a URI: unreserved, reserved or
// '%' (RFC 3986 §2).
func uriByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=%", b) >= 0
}
