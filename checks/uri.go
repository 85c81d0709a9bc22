package checks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// What a result records when it passed only because the run allowed what CIS2 never would:
// Evidence[EvidenceAllowedBy] names the allowance, so that a report, a results file and
// golive's verdict all see that the pass is a test's, not CIS2's. golive never counts such
// a result on a URI CIS2 calls as ready.
const (
	EvidenceAllowedBy = "allowed_by"
	// AllowedByFlag: --allow-private (Options.AllowPrivate).
	AllowedByFlag = "--allow-private"
	// AllowedBySandbox: the sandbox's own resolver (SandboxResolver), in this process.
	AllowedBySandbox = "sandbox"
)

// SandboxResolver is the resolver of package sandbox: it resolves only the sandbox's own
// made-up names, and only to loopback, so a run with it checks nothing but the sandbox. What
// a run with it lets pass on a loopback address is the sandbox's by construction, and is
// marked so in this process (Result.Sandboxed). No flag or file can choose it: only code
// that hands the sandbox's resolver to the run.
type SandboxResolver interface {
	Resolver
	SandboxLoopbackOnly()
}

// CalledByCIS2 reports whether target is a field whose URI CIS2 itself calls from the
// internet (the back-channel logout and JWKS URIs), not one only users' browsers follow.
func CalledByCIS2(target string) bool {
	return target == "backchannel_logout_uri" || target == "jwks_uri"
}

// allow marks res as passed only because of the run's allowance for private addresses and
// custom CAs: the sandbox's when the host was resolved by the sandbox's resolver to
// loopback only (never an IP literal, which no resolver answers), else --allow-private.
func (r *run) allow(ctx context.Context, res *Result, host string, ips []netip.Addr) {
	res.Evidence[EvidenceAllowedBy] = AllowedByFlag
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil || !r.sandboxResolver() {
		return
	}
	if ips == nil {
		ips, _ = lookupHost(ctx, r.opts.Resolver, host) // the run's cached answer
	}
	if len(ips) > 0 && !slices.ContainsFunc(ips, func(ip netip.Addr) bool { return !ip.IsLoopback() }) {
		res.Evidence[EvidenceAllowedBy] = AllowedBySandbox
		res.sandboxed = true
	}
}

// sandboxResolver reports whether the run resolves through the sandbox's resolver.
func (r *run) sandboxResolver() bool {
	res := r.opts.Resolver
	if c, ok := res.(*cachingResolver); ok {
		res = c.next
	}
	_, ok := res.(SandboxResolver)
	return ok
}

// resolve is uri.resolve: the host has A/AAAA records, and for URIs CIS2 calls, public ones.
func (r *run) resolve(ctx context.Context, e endpoint) Result {
	if e.url == nil {
		return e.unparsed()
	}
	host := e.url.Hostname()
	ev := e.evidence()
	ips, err := lookupHost(ctx, r.opts.Resolver, host)
	if err != nil {
		res := Result{Status: model.Fail, Message: fmt.Sprintf("%s does not resolve: %s", host, describeErr(err)),
			Fix: "publish an A or AAAA record for " + host + " in public DNS", Evidence: ev}
		if !e.internetFacing() {
			res.Status = model.Warn
			res.Message += "; your users' browsers must be able to resolve it"
		}
		return res
	}
	var all, private []string
	for _, ip := range ips {
		all = append(all, ip.String())
		if !model.IsPublicAddr(ip) {
			private = append(private, ip.String())
		}
	}
	ev["addresses"] = sanitize.Join(all, ", ")
	msg := fmt.Sprintf("%s resolves to %s", host, ev["addresses"])
	switch {
	case len(private) == 0:
		return Result{Status: model.Pass, Message: msg, Evidence: ev}
	case r.opts.AllowPrivate:
		res := Result{Status: model.Pass, Evidence: ev}
		r.allow(ctx, &res, host, ips)
		why := "private or loopback, allowed by --allow-private"
		if res.AllowedBy() == AllowedBySandbox {
			why = "loopback: the sandbox on this machine"
		}
		res.Message = msg + " (" + why + ")"
		return res
	case !e.internetFacing():
		return Result{Status: model.Warn, Message: msg + ": a private or loopback address, reachable only from inside your network",
			Fix: "fine for an internal application; otherwise publish a public address for " + host, Evidence: ev}
	}
	return Result{Status: model.Fail,
		Message: fmt.Sprintf("%s: CIS2 calls this URI from the internet but %s is private, loopback or link-local",
			msg, sanitize.Join(private, ", ")),
		Fix: "publish " + host + " in public DNS with an internet-reachable address", Evidence: ev}
}

// nhsTLS12Suites are the TLS 1.2 suites NHS's security team recommends (CIS2 security
// considerations: https://digital.nhs.uk/services/care-identity-service/applications-and-services/cis2-authentication/guidance-for-developers/detailed-guidance/security-considerations).
var nhsTLS12Suites = []uint16{
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
}

// The rules of uri.tls (Result.Rules): what the handshake showed, beyond a plain pass.
const (
	RuleTLSExpired   = "cert-expired"  // the certificate has expired
	RuleTLSChain     = "cert-invalid"  // the chain or name does not verify
	RuleTLSExpiring  = "cert-expiring" // it expires within expiryWarning
	RuleTLSPrivateCA = "private-ca"    // it verifies only with --ca-cert, not the system roots
	RuleTLSSuite     = "tls12-suite"   // TLS 1.2 with a suite outside NHS's recommended four
)

// expiryWarning is how early uri.tls warns about a certificate running out: NHS needs at least
// two weeks to deploy a configuration, so a month leaves time to renew first.
const expiryWarning = 30 * 24 * time.Hour

// tlsCheck is uri.tls: TLS ≥ 1.2, a chain to a trusted root, the right name, not expiring soon, and
// a suite NHS recommends.
func (r *run) tlsCheck(ctx context.Context, e endpoint) Result {
	if e.url == nil {
		return e.unparsed()
	}
	if e.url.Scheme != "https" {
		return Result{Status: model.Skip, Message: "not an https URI, so there is no TLS to check", Evidence: e.evidence()}
	}
	host := e.url.Hostname()
	state, err := r.handshake(ctx, host, e.port())
	if err != nil {
		if res := r.unresolved(ctx, e, err); res != nil {
			return *res
		}
		return Result{Status: model.Fail, Message: "TLS handshake failed: " + describeErr(err),
			Fix: "serve TLS 1.2 or 1.3 with a valid certificate for " + host, Evidence: e.evidence()}
	}
	leaf := state.PeerCertificates[0]
	now := r.opts.Now()
	ev := e.evidence()
	ev["tls_version"] = tls.VersionName(state.Version)
	ev["cipher_suite"] = tls.CipherSuiteName(state.CipherSuite)
	ev["not_after"] = leaf.NotAfter.UTC().Format(time.RFC3339)
	ev["subject"] = sanitize.Clean(leaf.Subject.String())
	ev["issuer"] = sanitize.Clean(leaf.Issuer.String())
	ev["dns_names"] = sanitize.Join(leaf.DNSNames, ", ")

	res := Result{Status: model.Pass, Evidence: ev}
	var notes []string
	note := func(rule string, s model.Severity, msg, fix string) {
		notes = append(notes, msg)
		res.Rules = append(res.Rules, Rule{ID: rule, Status: s})
		if rank(s) > rank(res.Status) {
			res.Status = s
		}
		if fix != "" && res.Fix == "" {
			res.Fix = fix
		}
	}
	days := int(leaf.NotAfter.Sub(now).Hours() / 24)
	ev["days_left"] = strconv.Itoa(days)

	if err := r.verify(host, e.port(), state, r.opts.RootCAs); err != nil {
		var certErr x509.CertificateInvalidError
		switch {
		case errors.As(err, &certErr) && certErr.Reason == x509.Expired && now.After(leaf.NotAfter):
			note(RuleTLSExpired, model.Fail, fmt.Sprintf("the certificate expired on %s", leaf.NotAfter.UTC().Format(time.DateOnly)),
				"renew the certificate for "+host)
		default:
			note(RuleTLSChain, model.Fail, describeErr(err),
				"serve a certificate for "+host+" with the full chain (leaf and intermediates) to a public root CA")
		}
	} else {
		if leaf.NotAfter.Sub(now) < expiryWarning {
			note(RuleTLSExpiring, model.Warn, fmt.Sprintf("the certificate expires in %d days (%s)", days, leaf.NotAfter.UTC().Format(time.DateOnly)),
				"renew it before submitting: NHS needs at least two weeks to deploy the configuration")
		}
		if r.opts.RootCAs != nil && r.verify(host, e.port(), state, nil) != nil {
			// Trusted here because of --ca-cert only: CIS2 trusts public roots, and a user's
			// browser trusts what its machine trusts. Passing it would hide that.
			switch {
			case r.opts.AllowPrivate:
				r.allow(ctx, &res, host, nil)
				what := "allowed for testing by --allow-private"
				if res.AllowedBy() == AllowedBySandbox {
					what = "the sandbox's own CA"
				}
				notes = append(notes, "the chain verifies only with the custom CA ("+what+")")
			case e.internetFacing(): // as without --ca-cert: CIS2 trusts public roots only, so it would refuse it
				note(RuleTLSPrivateCA, model.Fail, "the chain verifies only with the custom CA (--ca-cert), not the system roots; "+
					"CIS2 calls this URI and needs a chain to a public root CA", "use a certificate from a public CA for "+host)
			default:
				note(RuleTLSPrivateCA, model.Warn, "the chain verifies only with the custom CA (--ca-cert), not the system roots; "+
					"every user's browser must trust that CA too", "use a certificate from a public CA for "+host+
					", or make sure every user's machine trusts your CA")
			}
			ev["public_root"] = "no"
		}
	}
	if state.Version == tls.VersionTLS12 && !slices.Contains(nhsTLS12Suites, state.CipherSuite) {
		note(RuleTLSSuite, model.Warn, fmt.Sprintf("TLS 1.2 negotiated %s, outside NHS's recommended ECDHE-AES-GCM suites", ev["cipher_suite"]),
			"enable ECDHE-RSA/ECDSA-AES128/256-GCM suites, or TLS 1.3")
	}
	summary := fmt.Sprintf("%s, %s, certificate not after %s", ev["tls_version"], ev["cipher_suite"],
		leaf.NotAfter.UTC().Format(time.DateOnly))
	res.Message = strings.Join(append(notes, summary), "; ")
	return res
}

// causedBy is the skip for a check of e whose own request failed with err for a reason an
// earlier check already reports for e's host: it does not resolve (uri.resolve), or TLS to
// it fails (uri.tls). The check then names that root cause instead of failing with it again,
// so one DNS or certificate problem is one failure, not one per check. It is asked only
// after such a failure, and asks the run's shared lookup and handshake (no new traffic); a
// failure elsewhere (a redirect to another host, a timeout) stays the check's own.
func (r *run) causedBy(ctx context.Context, e endpoint, err error) *Result {
	if res := r.unresolved(ctx, e, err); res != nil {
		return res
	}
	var (
		hostErr x509.HostnameError
		authErr x509.UnknownAuthorityError
		certErr x509.CertificateInvalidError
		alert   tls.AlertError
	)
	tlsFault := errors.As(err, &hostErr) || errors.As(err, &authErr) || errors.As(err, &certErr) ||
		errors.As(err, &alert) || err != nil && strings.Contains(describeErr(err), "TLS 1.2 or later")
	if !tlsFault || e.url.Scheme != "https" {
		return nil
	}
	host := e.url.Hostname()
	state, herr := r.handshake(ctx, host, e.port())
	if herr == nil {
		herr = r.verify(host, e.port(), state, r.opts.RootCAs)
	}
	if herr != nil {
		return skipBecause(e, fmt.Sprintf("TLS to %s fails (see %s)", host, IDTLS))
	}
	return nil
}

// unresolved is causedBy for a DNS failure alone: uri.tls uses it, being the check that
// reports a TLS failure.
func (r *run) unresolved(ctx context.Context, e endpoint, err error) *Result {
	var dnsErr *net.DNSError
	if err == nil || !errors.As(err, &dnsErr) && !errors.Is(err, ErrNoAddress) {
		return nil
	}
	host := e.url.Hostname()
	if _, lerr := lookupHost(ctx, r.opts.Resolver, host); lerr != nil {
		return skipBecause(e, fmt.Sprintf("%s does not resolve (see %s)", host, IDResolve))
	}
	return nil
}

func skipBecause(e endpoint, why string) *Result {
	return &Result{Status: model.Skip, Message: "not checked: " + why, Evidence: e.evidence()}
}

// port is the URI's port, 443 when it names none.
func (e endpoint) port() string {
	if p := e.url.Port(); p != "" {
		return p
	}
	return "443"
}

// handshake is the server's TLS answer for host:port: one handshake per run, shared by every
// URI on that host and port. The path plays no part in TLS, so 200 redirect URIs on one
// host get the same answer from one handshake as from 200. It is made as a critical check's,
// whichever check asks first: the logout and JWKS URIs may share it.
func (r *run) handshake(ctx context.Context, host, port string) (tls.ConnectionState, error) {
	return r.tls.get(net.JoinHostPort(strings.ToLower(host), port), func() (tls.ConnectionState, error) {
		return r.handshakeOnce(withScope(ctx, Critical), host, port)
	})
}

// handshakeOnce opens a TLS connection to host at the address the run resolved, records what
// the server presented and closes it. Verification is skipped here and done by verifyChain
// right after, so that a failing certificate can still be described (expiry date, names).
// Nothing is sent over this connection.
func (r *run) handshakeOnce(ctx context.Context, host, port string) (tls.ConnectionState, error) {
	addr := net.JoinHostPort(host, port)
	conn, err := r.dialer.dial(ctx, "tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	tc := tls.Client(conn, &tls.Config{
		ServerName:         host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // verified by verifyChain; no data is exchanged
	})
	if err := r.dialer.handshake(ctx, addr, tc); err != nil {
		return tls.ConnectionState{}, err
	}
	state := tc.ConnectionState()
	if len(state.PeerCertificates) == 0 {
		return state, errors.New("the server presented no certificate")
	}
	return state, nil
}

// verify is verifyChain for the run's handshake with host:port, once per run for each pool
// (roots nil: the system's): every URI on the host shares the answer, as it shares the
// handshake, and 200 of them do not verify the same chain 400 times.
func (r *run) verify(host, port string, state tls.ConnectionState, roots *x509.CertPool) error {
	key := net.JoinHostPort(strings.ToLower(host), port) + " system roots"
	if roots != nil {
		key = net.JoinHostPort(strings.ToLower(host), port) + " custom roots"
	}
	r.tls.mu.Lock()
	f, ok := r.tls.verified[key]
	if !ok {
		f = sync.OnceValue(func() error { return verifyChain(state, host, roots, r.opts.Now()) })
		r.tls.verified[key] = f
	}
	r.tls.mu.Unlock()
	return f()
}

// handshakes holds one run's TLS handshakes by host:port, and their verifications. The first
// caller's ctx bounds the handshake; the checks of a run start together with the same
// timeout, so that is everyone's.
type handshakes struct {
	mu       sync.Mutex
	m        map[string]func() (tls.ConnectionState, error)
	verified map[string]func() error
}

func newHandshakes() *handshakes {
	return &handshakes{m: map[string]func() (tls.ConnectionState, error){}, verified: map[string]func() error{}}
}

func (h *handshakes) get(key string, do func() (tls.ConnectionState, error)) (tls.ConnectionState, error) {
	h.mu.Lock()
	f, ok := h.m[key]
	if !ok {
		f = sync.OnceValues(do)
		h.m[key] = f
	}
	h.mu.Unlock()
	return f()
}

// verifyChain verifies the presented chain for host at time now against roots (nil: system).
func verifyChain(state tls.ConnectionState, host string, roots *x509.CertPool, now time.Time) error {
	inter := x509.NewCertPool()
	for _, c := range state.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := state.PeerCertificates[0].Verify(x509.VerifyOptions{
		DNSName: host, Roots: roots, Intermediates: inter, CurrentTime: now,
	})
	return err
}

// rank orders statuses by severity so a check can keep the worst of several observations.
func rank(s model.Severity) int {
	switch s {
	case model.Warn:
		return 1
	case model.Fail:
		return 2
	}
	return 0
}

// reachable is uri.reachable: the URI answers HTTP at all, following at most MaxRedirects
// redirects and never from https to http.
func (r *run) reachable(ctx context.Context, e endpoint) Result {
	if e.url == nil {
		return e.unparsed()
	}
	ev := e.evidence()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.raw, nil)
	if err != nil {
		return e.unparsed()
	}
	resp, err := r.client.Do(req)
	if err != nil {
		if res := r.causedBy(ctx, e, err); res != nil {
			return *res
		}
		return Result{Status: model.Fail, Message: "no HTTP answer: " + describeErr(err),
			Fix: "make sure the endpoint is deployed and reachable from the internet over https", Evidence: ev}
	}
	defer resp.Body.Close()
	ev["status"] = strconv.Itoa(resp.StatusCode)
	msg := "answered HTTP " + ev["status"]
	// Read (a bounded part of) the body too: an endpoint that sends headers and then stalls
	// has not really answered.
	if _, err := readBody(resp.Body, MaxSmallBody); err != nil && !errors.Is(err, ErrBodyTooLarge) {
		return Result{Status: model.Fail, Message: msg + " but the body did not finish: " + describeErr(err),
			Fix: "check the application behind this URI answers promptly", Evidence: ev}
	}
	if final := resp.Request.URL.String(); final != e.raw {
		ev["final_url"] = sanitize.Clean(final)
		msg += " after redirects to " + ev["final_url"]
	}
	if resp.StatusCode >= 500 && e.internetFacing() {
		return Result{Status: model.Warn, Message: msg + " (a server error)",
			Fix: "check the application behind this URI is running", Evidence: ev}
	}
	return Result{Status: model.Pass, Message: msg, Evidence: ev}
}
