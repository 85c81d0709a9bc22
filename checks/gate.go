package checks

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// h2FirstBatch is how many requests go over a new HTTP/2 connection before the server's
// SETTINGS must have arrived: fewer than the 100 concurrent streams Go's HTTP/2 client assumes
// until SETTINGS say otherwise (RFC 9113 §6.5.2 recommends servers allow at least 100). Past
// that, the client would open a connection for each further request.
const h2FirstBatch = 90

// How long the rest of an HTTP/2 host's requests wait for its SETTINGS when no answer comes
// first: as long again as the first connection took to open (about the round trips SETTINGS
// takes), within these bounds, since that time also holds any wait on this machine. A longer
// round trip than the maximum costs a few extra connections, not a failure.
const (
	h2SettingsMin = 10 * time.Millisecond
	h2SettingsMax = 200 * time.Millisecond
)

// firstConnGate holds back requests to a host until the first one to it has a connection.
// Without it, 200 requests started at once each dial and complete a TLS handshake before
// finding that the host speaks HTTP/2, which would have carried all of them over the first
// connection: on a 2-core machine those handshakes alone take longer than the answers, and
// they are 200 connections to a server the user asked only to be checked.
//
// After the first connection an HTTP/1.1 host gets its connections in parallel, one handshake
// later than it would have. An HTTP/2 host gets h2FirstBatch requests at once and the rest as
// soon as the server has surely said how many streams it allows: at the first response byte,
// or once about a round trip has passed (the SETTINGS frame is the first thing a server
// sends, one round trip after the handshake; see h2SettingsMax).
//
// Critical checks have gates of their own: the first request to a host may be a redirect
// URI's, stuck behind who knows what.
type firstConnGate struct {
	base  http.RoundTripper
	gates *gates
}

func (t firstConnGate) CloseIdleConnections() { closeIdle(t.base) }

func (t firstConnGate) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	key := req.URL.Scheme + "://" + strings.ToLower(req.URL.Host)
	if scopeOf(ctx).priority >= Critical {
		key += " critical"
	}
	g, first := t.gates.get(key)
	if !first {
		if err := g.wait(ctx); err != nil {
			return nil, err
		}
		return t.base.RoundTrip(req)
	}
	start := time.Now()
	trace := &httptrace.ClientTrace{
		GotConn:              func(info httptrace.GotConnInfo) { g.connected(isHTTP2(info.Conn), time.Since(start)) },
		GotFirstResponseByte: g.release,
	}
	resp, err := t.base.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	g.connected(false, 0) // when the request failed before it had a connection
	g.release()
	return resp, err
}

func isHTTP2(c any) bool {
	tc, ok := c.(*tls.Conn)
	return ok && tc.ConnectionState().NegotiatedProtocol == "h2"
}

// gate is one host's: open once the first request has a connection, all once every request
// may go.
type gate struct {
	openOnce, allOnce sync.Once
	open, all         chan struct{}
	http2             bool         // set before open is closed
	let               atomic.Int32 // requests let through before all
}

// connected opens the gate for the first batch.
func (g *gate) connected(http2 bool, took time.Duration) {
	g.openOnce.Do(func() {
		g.http2 = http2
		close(g.open)
		if !http2 {
			g.release()
			return
		}
		time.AfterFunc(min(max(took, h2SettingsMin), h2SettingsMax), g.release)
	})
}

// release lets every request through.
func (g *gate) release() { g.allOnce.Do(func() { close(g.all) }) }

// wait holds a request until the gate lets it through, or its context ends.
func (g *gate) wait(ctx context.Context) error {
	select {
	case <-g.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	if !g.http2 || g.let.Add(1) < h2FirstBatch {
		return nil
	}
	select {
	case <-g.all:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gates are one client's first-connection gates, by scheme, host and priority.
type gates struct {
	mu sync.Mutex
	m  map[string]*gate
}

func newGates() *gates { return &gates{m: map[string]*gate{}} }

// get returns the gate for key, and whether the caller is the first to ask (and so opens it).
func (gs *gates) get(key string) (*gate, bool) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	if g, ok := gs.m[key]; ok {
		return g, false
	}
	g := &gate{open: make(chan struct{}), all: make(chan struct{})}
	gs.m[key] = g
	return g, true
}
