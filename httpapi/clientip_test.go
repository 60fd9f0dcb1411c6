package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// fuzzTrusted are the trusted proxies of FuzzClientIP.
var fuzzTrusted = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// FuzzClientIP: whatever the peer address and X-Forwarded-For headers,
// ClientIP answers a valid IP address in its canonical form, and never an
// untrusted hop's claim: the answer is the peer, or a hop of the header
// such that the peer and every hop right of it are trusted proxies (only
// a trusted proxy's word is taken for who is behind it).
func FuzzClientIP(f *testing.F) {
	for _, s := range [][3]string{
		{"203.0.113.7:5555", "1.2.3.4", ""},
		{"10.1.2.3:80", "6.6.6.6, 198.51.100.9", "10.9.9.9"},
		{"10.1.2.3:80", "198.51.100.9, bogus", ""},
		{"[::1]:80", "2001:db8::1, ::ffff:10.0.0.1", "::ffff:203.0.113.9"},
		{"[::ffff:10.0.0.1]:1", " 198.51.100.9 ,", ""},
		{"10.0.0.1:1", "fe80::1%eth0", ""},
		{"", "1.2.3.4", ""},
		{"@", "", ""},
		{"10.0.0.1", "192.0.2.1,10.0.0.2", "1.1.1.1"},
		{"[fe80::1%lo]:80", "", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, remote, xff1, xff2 string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{}}
		for _, v := range []string{xff1, xff2} {
			if v != "" {
				r.Header.Add("X-Forwarded-For", v)
			}
		}
		got := ClientIP(r, fuzzTrusted)
		a, err := netip.ParseAddr(got)
		if err != nil || a.String() != got {
			t.Fatalf("ClientIP(%q, %q) = %q: not a canonical IP address (%v)", remote, r.Header.Values("X-Forwarded-For"), got, err)
		}
		if !vouched(got, remote, r.Header.Values("X-Forwarded-For")) {
			t.Fatalf("ClientIP(%q, %q) = %q: not the peer, nor a hop every nearer hop of which is trusted", remote, r.Header.Values("X-Forwarded-For"), got)
		}
	})
}

// vouched reports whether got is the peer or a hop that only trusted
// proxies stand between: walking from the server outwards, got is met
// before any untrusted or unparsable hop. A peer that is not an address
// at all vouches for nothing, and is reported as the unspecified address.
func vouched(got, remote string, xff []string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return got == netip.IPv4Unspecified().String()
	}
	chain := []netip.Addr{peer.Unmap()}
	hops := strings.Split(strings.Join(xff, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		chain = append(chain, a.Unmap())
	}
	for _, a := range chain {
		if a.String() == got {
			return true
		}
		if !isTrusted(a, fuzzTrusted) {
			return false
		}
	}
	return false
}
