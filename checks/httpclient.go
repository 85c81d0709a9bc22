package checks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cis2-golive/cis2-golive/sanitize"
)

// Limits of the live checks' HTTP client. Every byte and second the tool spends on a server is
// bounded, because the servers checked are not ours and may be slow, broken or hostile.
const (
	// MaxRedirects: a relying party endpoint that needs more than a few hops is misconfigured,
	// and CIS2 will not follow a long chain either; the cap also ends redirect loops.
	MaxRedirects = 5
	// MaxDocumentBody caps a JWKS or discovery document. Real ones are a few KiB; 1 MiB leaves
	// room for many keys while a hostile or broken server cannot exhaust memory.
	MaxDocumentBody = 1 << 20
	// MaxSmallBody caps any other body (error pages, logout and token responses): the checks
	// only quote a short excerpt.
	MaxSmallBody = 16 << 10
	// maxHeaderBytes caps response headers for the same reason as the bodies.
	maxHeaderBytes = 64 << 10
)

// Sentinel errors of the live checks' HTTP client.
var (
	// ErrTooManyRedirects means a URL redirected more than MaxRedirects times.
	ErrTooManyRedirects = fmt.Errorf("stopped after %d redirects", MaxRedirects)
	// ErrInsecureRedirect means an https URL redirected to http. It is refused rather than
	// followed: a downgrade would send the request, and trust the answer, in clear text.
	ErrInsecureRedirect = errors.New("refused a redirect from https to http")
	// ErrBodyTooLarge means a response body was larger than the limit for its kind.
	ErrBodyTooLarge = errors.New("response body is larger than the size limit")
	// ErrNoAddress means a host name resolved to no address at all.
	ErrNoAddress = errors.New("host name has no address")
)

// NewHTTPClient returns the one HTTP client every live check uses. It enforces the limits
// above, TLS 1.2 or later verified against opts.RootCAs (nil: system roots, which honour
// SSL_CERT_FILE), and a per-request timeout of opts.Timeout that covers the whole exchange
// including the body, so a server dripping one byte a second still ends at the timeout.
//
// It resolves host names with opts.Resolver and dials the address it got (the TLS server
// name stays the host name). That lets the sandbox map fake names to loopback, and, with the
// run's resolution cache (see Plan), guarantees the address a check reports is the address
// the other checks talk to: a name cannot be re-resolved elsewhere mid-run.
//
// It ignores HTTP(S)_PROXY on purpose: the checks measure what CIS2 will see when it connects
// to the endpoint directly, which a proxy would hide.
//
// Connections and TLS handshakes are bounded per host and in total (see dialer) and shared: HTTP/2
// multiplexes every request to a host over one connection, HTTP/1.1 ones are kept alive for
// the next request, and TLS sessions are resumed.
func NewHTTPClient(opts Options) *http.Client {
	opts = opts.withDefaults()
	return newHTTPClient(opts, newDialer(opts))
}

func newHTTPClient(opts Options, d *dialer) *http.Client {
	transport := func() *http.Transport {
		return &http.Transport{
			Proxy:       nil,
			DialContext: d.dial,
			// The transport would do the TLS itself, unbounded; this dial does it under the
			// run's handshake limit, with the same verification (d.tls) and HTTP/2 offered.
			DialTLSContext:         d.dialTLS,
			ResponseHeaderTimeout:  opts.Timeout,
			MaxResponseHeaderBytes: maxHeaderBytes,
			ForceAttemptHTTP2:      true,
			// Idle connections hold connection slots: keep enough to reuse, not so many that
			// a run of many hosts holds every slot with connections nobody will use again.
			MaxIdleConns:        64,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		}
	}
	return &http.Client{
		Transport: deadlineTransport{firstConnGate{aloneAfterDrop{byPriority{critical: transport(), ordinary: transport()}, transport},
			newGates()}, opts.Timeout},
		Timeout:       opts.Timeout,
		CheckRedirect: checkRedirect,
	}
}

// byPriority gives critical and ordinary checks connection pools of their own over the same
// dialer (so the same limits and TLS sessions). On an HTTP/1.1 host, a connection a critical
// check has finished with would otherwise go to the next ordinary request waiting for that
// host, which may never give it back (a hanging redirect URI), and the next critical request
// would pay a new connection.
type byPriority struct{ critical, ordinary *http.Transport }

func (t byPriority) RoundTrip(req *http.Request) (*http.Response, error) {
	if scopeOf(req.Context()).priority >= Critical {
		return t.critical.RoundTrip(req)
	}
	return t.ordinary.RoundTrip(req)
}

func (t byPriority) CloseIdleConnections() {
	t.critical.CloseIdleConnections()
	t.ordinary.CloseIdleConnections()
}

// aloneAfterDrop asks again, on a connection of its own, for a URI whose HTTP/2 connection was
// lost under its request. HTTP/2 carries every request to a host over one connection, so a
// server that drops it over one URI (a handler that crashes behind a proxy, a protocol error)
// fails every request in flight on it: each of those URIs would be blamed for another's fault,
// though a user's browser, asking for it alone, gets an answer. The second answer is the
// URI's own, so the one that drops its connection still fails. Only requests that may be sent
// twice are asked again (a GET or HEAD without a body): a logout token is posted once.
type aloneAfterDrop struct {
	base http.RoundTripper
	// alone makes a transport with no connection yet, over the same dialer (the run's limits
	// and TLS sessions).
	alone func() *http.Transport
}

func (t aloneAfterDrop) CloseIdleConnections() { closeIdle(t.base) }

func (t aloneAfterDrop) RoundTrip(req *http.Request) (*http.Response, error) {
	var multiplexed atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { multiplexed.Store(isHTTP2(info.Conn)) }}
	resp, err := t.base.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err == nil || !multiplexed.Load() || !connLost(err) || req.Context().Err() != nil ||
		(req.Method != http.MethodGet && req.Method != http.MethodHead) || (req.Body != nil && req.Body != http.NoBody) {
		return resp, err
	}
	alone := t.alone()
	resp, err = alone.RoundTrip(req)
	if err != nil {
		alone.CloseIdleConnections()
		return nil, err
	}
	resp.Body = &closingBody{ReadCloser: resp.Body, after: alone.CloseIdleConnections}
	return resp, nil
}

// connLost reports whether err is the loss of the connection itself (closed, reset, or sent
// away), as opposed to an answer, a timeout, or a reset of the request's own stream.
func connLost(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	s := err.Error() // net/http's bundled HTTP/2 errors are not exported
	for _, lost := range []string{"http2: client conn", "GOAWAY"} {
		if strings.Contains(s, lost) { // "… connection lost", "… force closed", "… conn is closed"
			return true
		}
	}
	return false
}

// closingBody runs after once the body is closed.
type closingBody struct {
	io.ReadCloser
	after func()
}

func (b *closingBody) Close() error {
	err := b.ReadCloser.Close()
	b.after()
	return err
}

// closeIdler is what http.Client.CloseIdleConnections looks for in its transport; the
// wrappers below pass it on.
type closeIdler interface{ CloseIdleConnections() }

func closeIdle(rt http.RoundTripper) {
	if c, ok := rt.(closeIdler); ok {
		c.CloseIdleConnections()
	}
}

// deadlineTransport makes a body that ends at or after the request's deadline read as the
// timeout it is. When the client gives up on a server that is still dripping bytes, the body
// can end cleanly (io.EOF) rather than with an error, depending on how the connection is torn
// down; read as complete, the few bytes received would be reported as a malformed document
// instead of "no answer".
type deadlineTransport struct {
	base    http.RoundTripper
	timeout time.Duration
}

func (t deadlineTransport) CloseIdleConnections() { closeIdle(t.base) }

func (t deadlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	deadline := time.Now().Add(t.timeout)
	if d, ok := req.Context().Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		resp.Body = &deadlineBody{ReadCloser: resp.Body, deadline: deadline}
	}
	return resp, err
}

type deadlineBody struct {
	io.ReadCloser
	deadline time.Time
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !time.Now().Before(b.deadline) {
		err = context.DeadlineExceeded
	}
	return n, err
}

// checkRedirect caps the chain and refuses downgrades (see the sentinel errors).
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return ErrTooManyRedirects
	}
	if req.URL.Scheme != "https" && via[len(via)-1].URL.Scheme == "https" {
		return ErrInsecureRedirect
	}
	return nil
}

// noRedirects returns a copy of c that hands back redirect responses instead of following
// them: CIS2 does not follow redirects when it POSTs a logout token, so neither does bcl.*.
func noRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// resolvingDialer dials the address opts.Resolver gives for the host, trying each in turn.
func resolvingDialer(opts Options) dialFunc {
	d := &net.Dialer{Timeout: opts.Timeout}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		ips, err := lookupHost(ctx, opts.Resolver, host)
		if err != nil {
			return nil, err
		}
		var errs []error
		for _, ip := range ips {
			c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
		}
		return nil, errors.Join(errs...)
	}
}

// lookupHost resolves host, or parses it when it is an IP literal.
func lookupHost(ctx context.Context, r Resolver, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%s: %w", host, ErrNoAddress)
	}
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips, nil
}

// cachingResolver resolves each host once per run, so every check of the run sees (and
// connects to) the same addresses.
type cachingResolver struct {
	next Resolver
	mu   sync.Mutex
	m    map[string]func() ([]netip.Addr, error)
}

func newCachingResolver(next Resolver) *cachingResolver {
	return &cachingResolver{next: next, m: map[string]func() ([]netip.Addr, error){}}
}

// LookupNetIP implements Resolver. The first caller's ctx bounds the lookup; the checks of a
// run start together with the same timeout, so that is everyone's bound.
func (c *cachingResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	key := network + " " + strings.ToLower(host)
	c.mu.Lock()
	f, ok := c.m[key]
	if !ok {
		f = sync.OnceValues(func() ([]netip.Addr, error) { return c.next.LookupNetIP(ctx, network, host) })
		c.m[key] = f
	}
	c.mu.Unlock()
	ips, err := f()
	return append([]netip.Addr(nil), ips...), err
}

// ReadBody reads at most limit bytes; a longer body returns what fits and ErrBodyTooLarge.
// Use it on every body read through NewHTTPClient: the client bounds time, this bounds size.
func ReadBody(r io.Reader, limit int64) ([]byte, error) { return readBody(r, limit) }

// DescribeError is describeErr for other packages fetching with NewHTTPClient.
func DescribeError(err error) string { return describeErr(err) }

// readBody reads at most limit bytes; a longer body returns what fits and ErrBodyTooLarge.
func readBody(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(b)) > limit {
		return b[:limit], fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, limit)
	}
	return b, err
}

// describeErr turns a network error into one short, sanitised sentence a person can act on.
func describeErr(err error) string {
	var (
		hostErr  x509.HostnameError
		authErr  x509.UnknownAuthorityError
		certErr  x509.CertificateInvalidError
		dnsErr   *net.DNSError
		netErr   net.Error
		alertErr tls.AlertError
	)
	switch {
	case errors.Is(err, ErrTooManyRedirects), errors.Is(err, ErrInsecureRedirect),
		errors.Is(err, ErrBodyTooLarge), errors.Is(err, ErrNoAddress), errors.Is(err, errNoConnection):
		return sanitize.Clean(unwrapURLError(err).Error())
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer before the timeout"
	case errors.As(err, &hostErr):
		return sanitize.Clean("the certificate does not match the host name: " + hostErr.Error())
	case errors.As(err, &authErr):
		return "the certificate chain does not lead to a trusted root"
	case errors.As(err, &certErr):
		return sanitize.Clean("the certificate is not valid: " + certErr.Error())
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return "no such host (DNS has no record for it)"
		}
		return sanitize.Clean("DNS lookup failed: " + dnsErr.Err)
	case errors.As(err, &alertErr):
		return sanitize.Clean("the server refused the TLS handshake: " + alertErr.Error())
	case errors.As(err, &netErr) && netErr.Timeout():
		return "no answer before the timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return "the server closed the connection without an answer (connection reset)"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused (nothing listening on that port)"
	case strings.Contains(err.Error(), "unsupported protocol version"), strings.Contains(err.Error(), "protocol version not supported"):
		return "the server does not offer TLS 1.2 or later"
	}
	return sanitize.Clean(unwrapURLError(err).Error())
}

// unwrapURLError drops the "Get \"https://…\":" prefix: the URL is already in the result.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
