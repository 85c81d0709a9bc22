package model

import (
	"net/netip"
	"testing"
)

func TestIsPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8":            true,
		"2a00:1450:4009::1":  true,
		"127.0.0.1":          false,
		"::1":                false,
		"10.1.2.3":           false,
		"172.16.0.1":         false,
		"192.168.1.1":        false,
		"169.254.169.254":    false, // cloud metadata, link-local
		"fe80::1":            false,
		"fd00::1":            false, // unique local
		"100.64.1.2":         false, // carrier-grade NAT
		"0.0.0.0":            false,
		"198.18.0.1":         false,
		"240.0.0.1":          false,
		"224.0.0.1":          false,
		"::ffff:192.168.1.1": false, // mapped IPv4 is judged as IPv4
		"::ffff:8.8.8.8":     true,
	} {
		if got := IsPublicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("IsPublicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}
