package checks

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// DefaultTimeout bounds one check: long enough for a slow TLS handshake across the internet,
// short enough that a go-live call is not kept waiting by one dead endpoint.
const DefaultTimeout = 10 * time.Second

// Check is one unit of checking. Run must honour ctx: the runner cancels it at the timeout.
type Check struct {
	ID     string
	Target string
	Run    func(ctx context.Context) Result
	// Priority says who goes first when connections are scarce (see Priority).
	Priority Priority
	// After, when set, is waited for before the check's own timeout starts. It is for checks
	// that build on another check's fetch (jwks.* on the one JWKS fetch): the fetch has its own
	// timeout, and charging the wait to each dependant would turn one hanging endpoint into
	// several "no answer" failures instead of one failure and honest skips.
	After func(ctx context.Context)
}

// Priority orders checks when they compete for connections: a freed connection slot goes to
// the most important check waiting for one. Checks all start at once; those that need no
// network never wait at all.
type Priority int

const (
	// Ordinary checks: redirect URIs, which only the user's browser follows.
	Ordinary Priority = iota
	// Critical checks: the endpoints CIS2 itself calls (back-channel logout, JWKS) and the
	// CIS2 discovery and token endpoints. A long list of slow redirect URIs must never leave
	// these unchecked.
	Critical
)

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
	// SuiteTimeout bounds the whole run (default: 2 × Timeout, the longest chain of checks:
	// the JWKS fetch, then the token probe signed with its kid).
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
	// SignCommand, instead of KeyPath, signs with a key that never leaves a KMS or HSM: the
	// shell command reads the JWS signing input on stdin and writes the raw signature on
	// stdout (see keys.CommandSigner). It is run, never stored or printed.
	SignCommand string
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
		o.SuiteTimeout = 2 * o.Timeout
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
// result as it finishes. It returns all results in the order of list.
//
// Every check starts at once: what is scarce is connections, and those are bounded where they
// are opened (see connLimiter), most important checks first. A check that outlives its own
// timeout ends as a Fail ("no answer within"); one still running when the whole run's time is
// up, or when ctx is cancelled, ends as a Skip saying so (Result.Unfinished), since nothing
// was verified either way.
func Run(ctx context.Context, list []Check, opts Options, emit func(int, Result)) []Result {
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeoutCause(ctx, opts.SuiteTimeout, errRunLimit)
	defer cancel()

	type done struct {
		i int
		r Result
	}
	ch := make(chan done, len(list))
	for _, i := range startOrder(list) {
		c := list[i]
		go func() {
			cctx := withScope(ctx, c.Priority)
			// Wait for what the check builds on before its own timeout starts (see After).
			if r, ok := await(cctx, c); !ok {
				ch <- done{i, r}
				return
			}
			if ctx.Err() != nil {
				ch <- done{i, cut(ctx, c, opts, "not started")}
				return
			}
			ch <- done{i, runOne(ctx, c, opts)}
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

// startOrder lists the checks' indexes most important first, otherwise in list order. The
// goroutines start in this order, so on a busy machine the critical ones also get the CPU
// first.
func startOrder(list []Check) []int {
	order := make([]int, len(list))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(list[b].Priority) - int(list[a].Priority) })
	return order
}

// errRunLimit is the cause of the whole run's deadline, told apart from a check's own.
var errRunLimit = errors.New("the run's time limit was reached")

// errCheckTimeout is the cause of a check's own deadline.
var errCheckTimeout = errors.New("the check's timeout was reached")

// cut is the result of a check the run ended before it finished: cancelled by the user, or
// stopped by the run's time limit. Either is a skip that says why (EvidenceUnfinished): the
// endpoint may be fine or broken, nothing was verified, so it is neither a pass nor a
// failure to write over with --allow-failures (golive counts it as unverified).
func cut(ctx context.Context, c Check, opts Options, what string) Result {
	r := Result{ID: c.ID, Target: c.Target, Status: model.Skip, Message: "cancelled",
		Evidence: map[string]string{EvidenceUnfinished: UnfinishedCancelled}}
	if errors.Is(context.Cause(ctx), errRunLimit) {
		r.Evidence[EvidenceUnfinished] = UnfinishedTimeLimit
		r.Message = fmt.Sprintf("%s: the run's time limit of %s was reached", what, opts.SuiteTimeout)
		r.Fix = "re-run with a longer --timeout (the whole run may take twice as long), or check the slow endpoints on their own"
	}
	return r
}

func runOne(parent context.Context, c Check, opts Options) (r Result) {
	ctx, cancel := context.WithTimeoutCause(parent, opts.Timeout, errCheckTimeout)
	defer cancel()
	ctx = withScope(ctx, c.Priority)
	waited := scopeOf(ctx).waited
	defer func() { r = withheld(noteWait(r, waited.Load(), opts)) }()
	out := make(chan Result, 1)
	go func() {
		defer func() {
			// A bug in one check must not take down the run on a go-live call.
			if p := recover(); p != nil {
				out <- internalError(p)
			}
		}()
		out <- c.Run(ctx)
	}()
	select {
	case r = <-out:
		// A check that returns because the run was cut describes what it saw ("no answer
		// before the timeout"), which would blame the endpoint: say what really happened.
		// A pass that made it in time stands.
		if parent.Err() != nil && r.Status != model.Pass {
			return cut(parent, c, opts, "not finished")
		}
	case <-ctx.Done():
		if parent.Err() != nil {
			return cut(parent, c, opts, "not finished")
		}
		r = Result{Status: model.Fail, Message: fmt.Sprintf("no answer within %s", opts.Timeout),
			Fix: "check the endpoint is up and reachable from the internet, or raise --timeout"}
	}
	if r.ID == "" {
		r.ID = c.ID
	}
	if r.Target == "" {
		r.Target = c.Target
	}
	return r
}

// await runs c.After, if any, and is false with c's result when it panicked: After runs
// outside runOne, whose recover would not catch it.
func await(ctx context.Context, c Check) (r Result, ok bool) {
	if c.After == nil {
		return Result{}, true
	}
	defer func() {
		if p := recover(); p != nil {
			r = withheld(internalError(p))
			r.ID, r.Target = c.ID, c.Target
		}
	}()
	c.After(ctx)
	return Result{}, true
}

// internalError is the result of a check that panicked.
func internalError(p any) Result {
	return Result{Status: model.Fail, Message: fmt.Sprintf("internal error in check: %v", p),
		Fix: "please report this as a cis2-golive bug"}
}

// withheld replaces every text of r that holds what looks like a secret (model.SecretIn), and
// every evidence value under a credential's name: a server may echo the logout token or the
// client assertion back, an application may put a client secret in its authorize request,
// and results reach the terminal, JSON and the files for NHS.
func withheld(r Result) Result {
	hide := func(s string) string {
		if what := model.SecretIn(s); what != "" {
			return "(withheld: it holds what looks like " + what + ")"
		}
		return s
	}
	r.Message, r.Fix = hide(r.Message), hide(r.Fix)
	var ev map[string]string
	for k, v := range r.Evidence {
		w := hide(v)
		if w == v && v != "" && model.IsCredentialName(k) {
			w = "(withheld: " + k + " carries a credential)"
		}
		if w != v {
			if ev == nil {
				ev = maps.Clone(r.Evidence)
			}
			ev[k] = w
		}
	}
	if ev != nil {
		r.Evidence = ev
	}
	return r
}

// noteWait adds to a failure that the check spent a good part of its time waiting for a
// connection slot: then the tool's own limit, not only the server, made it late.
func noteWait(r Result, waited int64, opts Options) Result {
	w := time.Duration(waited)
	if r.Status != model.Fail || w < opts.Timeout/10 {
		return r
	}
	r.Message += fmt.Sprintf(" (%s of its %s went on waiting for a free connection: %s)",
		w.Round(10*time.Millisecond), opts.Timeout, limitsText())
	return r
}

// scope is what the runner tells the code under a check through its context: how important
// the check is, and the check's own context, which outlives the detached contexts the HTTP
// transport dials with (see connLimiter.acquire).
type scope struct {
	priority Priority
	check    context.Context
	waited   *atomic.Int64 // nanoseconds spent waiting for connection slots
}

type scopeKey struct{}

func withScope(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, scopeKey{}, scope{priority: p, check: ctx, waited: new(atomic.Int64)})
}

// asCritical is ctx with its check's scope raised to Critical, for work a check does on behalf
// of checks of what CIS2 depends on: the run's one JWKS fetch and one discovery fetch are made
// by whichever check asks first, and clock.skew and the login probe, ordinary checks, ask too.
func asCritical(ctx context.Context) context.Context {
	sc := scopeOf(ctx)
	sc.priority = Critical
	return context.WithValue(ctx, scopeKey{}, sc)
}

// scopeOf is the scope of the check ctx belongs to; outside a run, an ordinary check that
// never ends.
func scopeOf(ctx context.Context) scope {
	if sc, ok := ctx.Value(scopeKey{}).(scope); ok {
		return sc
	}
	return scope{check: context.Background(), waited: new(atomic.Int64)}
}

func (s scope) done() <-chan struct{} { return s.check.Done() }
func (s scope) err() error            { return s.check.Err() }
