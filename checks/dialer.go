package checks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// What one run may hold at once. Checks themselves are not limited: a check that needs no
// network never waits, and 200 URIs start together. What is bounded is what is scarce.
const (
	// maxConnsPerHost bounds open connections to one host:port. HTTP/2 servers carry every
	// request over one or two connections however many URIs they serve, so this binds only
	// HTTP/1.1-only servers; it is high enough that even one of those with 200 redirect URIs is
	// checked in one wave, while a list of thousands cannot open thousands of sockets.
	maxConnsPerHost = 256
	// maxHandshakesPerHost bounds TLS handshakes in progress to one host:port. A handshake is
	// the one CPU-heavy step of a check: 200 at once on a 2-core machine take longer than the
	// answers and starve every other check of CPU. 16 still overlap a distant server's round
	// trips, and a host that stalls handshakes holds up only its own.
	maxHandshakesPerHost = 16
)

// maxConns bounds open connections in total: each is a file descriptor. It is half of what
// the open-file limit leaves after a reserve for everything else (with the sandbox, in demo
// and tests, both ends of every connection are in this process), at most 1024.
func maxConns() int {
	n := openFileLimit()
	if n <= 0 {
		return 512
	}
	return min(max((n-64)/2, 16), 1024)
}

// errNoConnection means a check waited its whole timeout for one of this tool's own
// connection or handshake slots: the limit was reached, which says nothing about the server.
var errNoConnection = errors.New("waited the whole timeout for a free connection")

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// dialer opens one run's connections: to the address the run resolved (see resolvingDialer),
// each holding a connection slot until it is closed, each TLS handshake holding a handshake
// slot while it runs. Both limiters serve critical checks first (see limiter).
type dialer struct {
	timeout    time.Duration
	resolved   dialFunc
	conns      *limiter
	handshakes *limiter
	// tls is the HTTP client's TLS configuration: verified against the run's roots, with
	// sessions resumed so that a host's later connections skip most of the handshake's work.
	tls *tls.Config
	// open is every connection still open, so that a finished run can close them all
	// (Observed.Release) whatever wraps the HTTP transport.
	open openConns
}

func newDialer(opts Options) *dialer {
	return &dialer{
		timeout:    opts.Timeout,
		resolved:   resolvingDialer(opts),
		conns:      newLimiter(maxConnsPerHost, maxConns()),
		handshakes: newLimiter(maxHandshakesPerHost, maxConns()),
		tls: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.RootCAs,
			NextProtos: []string{"h2", "http/1.1"}, ClientSessionCache: tls.NewLRUClientSessionCache(0)},
	}
}

// dial opens a TCP connection to addr once a connection slot is free.
func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := d.conns.acquire(ctx, addr, d.timeout); err != nil {
		return nil, d.limitErr(err, addr)
	}
	c, err := d.resolved(ctx, network, addr)
	if err != nil {
		d.conns.release(addr)
		return nil, err
	}
	lc := &limitedConn{Conn: c}
	lc.release = sync.OnceFunc(func() { d.open.remove(lc); d.conns.release(addr) })
	d.open.add(lc)
	return lc, nil
}

// dialTLS is the HTTP client's https dial: a connection from dial and a verified handshake.
func (d *dialer) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := d.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(addr)
	cfg := d.tls.Clone()
	cfg.ServerName = host
	tc := tls.Client(conn, cfg)
	if err := d.handshake(ctx, addr, tc); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// handshake runs tc's handshake once a handshake slot for addr is free, bounded by the
// timeout and by the check it is for (the transport's dial context never ends by itself).
func (d *dialer) handshake(ctx context.Context, addr string, tc *tls.Conn) error {
	if err := d.handshakes.acquire(ctx, addr, d.timeout); err != nil {
		return d.limitErr(err, addr)
	}
	defer d.handshakes.release(addr)
	hctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	defer context.AfterFunc(scopeOf(ctx).check, cancel)()
	return tc.HandshakeContext(hctx)
}

// limitErr says which of the tool's own limits a wait ran into.
func (d *dialer) limitErr(err error, addr string) error {
	if !errors.Is(err, errNoSlot) {
		return err
	}
	return fmt.Errorf("%w to %s (%s)", errNoConnection, addr, limitsText())
}

// limitsText describes the limits, for messages about waiting on them.
func limitsText() string {
	return fmt.Sprintf("this tool opens at most %d connections at once to one host and %d in all, and runs %d TLS handshakes at once to one host",
		maxConnsPerHost, maxConns(), maxHandshakesPerHost)
}

// limitedConn gives its connection slot back when closed (once, however often Close is
// called).
type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
