package model

import (
	"net/netip"
	"slices"
)

// nonPublic are ranges IsPrivate and friends miss but that are not reachable from the internet.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved
}

// IsPublicAddr reports whether CIS2, calling from the internet, could reach the address. The
// offline rules apply it to IP literals in the file and the live checks to what a host
// resolves to, so both say the same thing about the same address.
func IsPublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	return !slices.ContainsFunc(nonPublic, func(p netip.Prefix) bool { return p.Contains(a) })
}
