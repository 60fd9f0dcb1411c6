package jwksfetch

import (
	"errors"
	"net/netip"
)

// ErrForbiddenAddress is wrapped by the error of a fetch that would
// connect to an address outside the public internet.
var ErrForbiddenAddress = errors.New("jwksfetch: refusing to connect to a loopback, private or reserved address")

// reserved are the ranges IsGlobalUnicast and IsPrivate leave in that no
// client's keys are served from: shared, benchmarking, documentation,
// IETF protocol assignments, future use (IPv4); discard, documentation,
// the deprecated site-local range (IPv6). Translation prefixes (NAT64,
// 6to4, Teredo) are checked by the IPv4 address they carry.
var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
		"100::/64", "2001:db8::/32", "fec0::/10",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	nat64L = netip.MustParsePrefix("64:ff9b:1::/48")
	sixTo4 = netip.MustParsePrefix("2002::/16")
	teredo = netip.MustParsePrefix("2001::/32")
)

// PublicAddress reports whether a is an address of the public internet:
// global unicast, and neither private (RFC 1918, RFC 4193), shared (RFC
// 6598) nor reserved for another use. An IPv4-mapped address, and an IPv6
// address embedding an IPv4 one (NAT64, 6to4, Teredo), is judged by its
// IPv4 address.
func PublicAddress(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is6() {
		if v4, ok := embeddedIPv4(a); ok {
			return PublicAddress(v4)
		}
	}
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// embeddedIPv4 returns the IPv4 address an IPv6 translation address
// carries.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case nat64.Contains(a), nat64L.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixTo4.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case teredo.Contains(a): // the client's address, obfuscated (RFC 4380 §4)
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}
