package sandbox

import (
	"context"
	"net"
	"net/netip"
	"strings"
)

// The fake host names the sandbox serves. ".demo" is not a reserved test suffix, so a
// configuration using them passes the production format rules; the names never resolve
// outside the sandbox because only Resolver knows them.
const (
	RPHost   = "rp.cis2-golive.demo"
	CIS2Host = "cis2.cis2-golive.demo"
)

// loopback is the only address the sandbox listens on or resolves to.
var loopback = netip.MustParseAddr("127.0.0.1")

// Resolver maps the sandbox host names to 127.0.0.1 and refuses every other name, so a check
// pointed at the sandbox can never reach, or even look up, anything outside this machine.
// Its LookupNetIP has the signature of (*net.Resolver).LookupNetIP.
type Resolver struct{}

// LookupNetIP resolves host for network "ip", "ip4" or "ip6". Only the sandbox names
// resolve, and only to 127.0.0.1; anything else is a not-found DNS error.
func (Resolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if (name == RPHost || name == CIS2Host) && network != "ip6" {
		return []netip.Addr{loopback}, nil
	}
	return nil, &net.DNSError{Err: "no such host (the sandbox resolves only " + RPHost + " and " + CIS2Host + ")",
		Name: host, IsNotFound: true}
}

// dialContext dials addr ("host:port") through the Resolver: it is the sandbox's own way of
// reaching its servers (the fake CIS2 fetching the relying party's JWKS, tests' clients).
func (r Resolver) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := r.LookupNetIP(ctx, "ip4", host)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp4", net.JoinHostPort(ips[0].String(), port))
}

// SandboxLoopbackOnly marks Resolver as the sandbox's (checks.SandboxResolver): a run with it
// checks only the sandbox, so what it lets pass on loopback is the sandbox's, never a real
// configuration's.
func (Resolver) SandboxLoopbackOnly() {}
