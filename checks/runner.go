package checks

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// DefaultTimeout bounds one check: long enough for a slow TLS handshake across the internet,
// short enough that a go-live call is not kept waiting by one dead endpoint.
const DefaultTimeout = 10 * time.Second

// MaxParallel bounds how many checks run at once. Each holds at most one connection, so this
// keeps a long list of URIs under the open-file limit (256 by default on macOS) while a
// normal configuration (a few dozen checks) still runs all at once.
const MaxParallel = 64

// Check is one unit of checking. Run must honour ctx: the runner cancels it at the timeout.
type Check struct {
	ID     string
	Target string
	Run    func(ctx context.Context) Result
	// After, when set, is waited for before the check's own timeout starts. It is for checks
	// that build on another check's fetch (jwks.* on the one JWKS fetch): the fetch has its own
	// timeout, and charging the wait to each dependant would turn one hanging endpoint into
	// several "no answer" failures instead of one failure and honest skips.
	After func(ctx context.Context)
}

// Resolver looks up a host's addresses. *net.Resolver satisfies it; the sandbox and tests
// pass one that maps fake names to loopback.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options tune a run and the live checks. The zero value is a safe default: system roots,
// the system resolver, no private addresses, no key, nothing sent to NHS.
type Options struct {
	// Timeout bounds each check (default DefaultTimeout).
	Timeout time.Duration
	// SuiteTimeout bounds the whole run (default: 3 × Timeout).
	SuiteTimeout time.Duration

	// RootCAs verifies server certificates; nil means the system roots (which honour
	// SSL_CERT_FILE). When set, TLS results also say whether the chain reaches a public root,
	// because CIS2 itself only trusts public roots.
	RootCAs *x509.CertPool
	// AllowPrivate turns "resolves to a private/loopback address" and "chain only verifies
	// with the custom CA" into passes with a note (for the sandbox and tests).
	AllowPrivate bool
	// KeyPath is the PEM private key for assertion.sign-verify and token.probe. It is read
	// from disk only, never sent, stored or printed.
	KeyPath string
	// Discovery is a CIS2 discovery document URL to fetch live instead of relying only on
	// the embedded snapshot. Empty means nothing is fetched from NHS.
	Discovery string
	// ProbeTokenEndpoint opts in to token.probe, which sends one request to the CIS2 token
	// endpoint. Off by default: without it, no check sends anything to NHS.
	ProbeTokenEndpoint bool
	// Resolver resolves host names (nil: net.DefaultResolver).
	Resolver Resolver
	// Now is the clock for certificate expiry and token lifetimes (nil: time.Now).
	Now func() time.Time
	// LoginURL, when set, is the page the login probe starts from instead of the
	// configuration's login_url.
	LoginURL string
	// Observe, when set, records the JWKS and discovery document the run fetched (`watch`
	// compares them with the previous run's).
	Observe *Observed
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.SuiteTimeout <= 0 {
		o.SuiteTimeout = 3 * o.Timeout
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Run executes the checks concurrently and calls emit (from one goroutine at a time) with each
// result as it finishes. It returns all results in the order of list. A check that outlives its
// timeout, or the suite's, ends as a Fail; a cancelled ctx ends the rest as Skip.
func Run(ctx context.Context, list []Check, opts Options, emit func(int, Result)) []Result {
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.SuiteTimeout)
	defer cancel()

	type done struct {
		i int
		r Result
	}
	ch := make(chan done, len(list))
	slots := make(chan struct{}, MaxParallel)
	for i, c := range list {
		go func() {
			// Wait for what the check builds on before taking a slot, so dependants never
			// hold every slot while the fetch they wait for queues behind them.
			if c.After != nil {
				c.After(ctx)
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				ch <- done{i, notStarted(ctx, c)}
				return
			}
			defer func() { <-slots }()
			ch <- done{i, runOne(ctx, c, opts.Timeout)}
		}()
	}
	results := make([]Result, len(list))
	for range list {
		d := <-ch
		results[d.i] = d.r
		if emit != nil {
			emit(d.i, d.r)
		}
	}
	return results
}

// notStarted is the result of a check that never got a slot before the run ended.
func notStarted(ctx context.Context, c Check) Result {
	msg := "not started: the whole run's time ran out"
	if ctx.Err() == context.Canceled {
		msg = "cancelled"
	}
	return Result{ID: c.ID, Target: c.Target, Status: model.Skip, Message: msg}
}

func runOne(parent context.Context, c Check, timeout time.Duration) (r Result) {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	out := make(chan Result, 1)
	go func() {
		defer func() {
			// A bug in one check must not take down the run on a go-live call.
			if p := recover(); p != nil {
				out <- Result{Status: model.Fail, Message: fmt.Sprintf("internal error in check: %v", p),
					Fix: "please report this as a cis2-golive bug"}
			}
		}()
		out <- c.Run(ctx)
	}()
	select {
	case r = <-out:
	case <-ctx.Done():
		r = Result{Status: model.Fail, Message: fmt.Sprintf("no answer within %s", timeout),
			Fix: "check the endpoint is up and reachable from the internet, or raise --timeout"}
		if parent.Err() == context.Canceled {
			r = Result{Status: model.Skip, Message: "cancelled"}
		}
	}
	if r.ID == "" {
		r.ID = c.ID
	}
	if r.Target == "" {
		r.Target = c.Target
	}
	return r
}
