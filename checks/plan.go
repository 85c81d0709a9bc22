package checks

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

// The live check ids. They are the stable `id` of a result in JSON output.
const (
	IDResolve       = "uri.resolve"
	IDTLS           = "uri.tls"
	IDReachable     = "uri.reachable"
	IDBCL           = "bcl.rejects-bogus-token"
	IDJWKSFetch     = "jwks.fetch"
	IDJWKSPublic    = "jwks.public-only"
	IDJWKSLint      = "jwks.lint"
	IDJWKSAlgMatch  = "jwks.alg-match"
	IDAssertion     = "assertion.sign-verify"
	IDCIS2Algs      = "cis2.algs"
	IDTokenProbe    = "token.probe"
	targetDiscovery = "discovery"
)

// endpoint is one configured URI and what CIS2 does with it.
type endpoint struct {
	field string
	raw   string
	role  model.URIRole
	url   *url.URL // nil when the URI does not parse; the offline checks say why
}

// run is the state one Plan's checks share: one HTTP client and one dialer (so connections
// are bounded and reused across the run), one resolution and one TLS handshake per host, one
// JWKS fetch, one discovery document and one key load.
type run struct {
	cfg         *model.Config
	opts        Options
	dialer      *dialer
	client      *http.Client
	tls         *handshakes
	jwksOnce    shared[jwksFetch]
	inspectOnce shared[*keys.Inspection]
	discOnce    shared[discovery]
	signOnce    shared[signedAssertion]
	// key loads Options.KeyPath (or starts Options.SignCommand) once. The key stays in memory
	// for the run only.
	key func() (crypto.Signer, error)
}

// Plan lists the live checks for the configuration: one Check per id and target, in report
// order, so a UI can draw every line before Run streams the results in. Nothing is contacted
// until a Check runs. Hand the same opts to Run.
func Plan(cfg *model.Config, opts Options) []Check {
	r := newRun(cfg, opts)
	opts = r.opts

	var list []Check
	// add adds a check; critical ones are those CIS2 itself depends on (see Priority).
	add := func(p Priority, id, target string, f func(context.Context) Result) {
		list = append(list, Check{ID: id, Target: target, Priority: p, Run: f})
	}
	// needsJWKS adds a check that works on the fetched JWKS (see Check.After).
	needsJWKS := func(id, target string, f func(context.Context) Result) {
		list = append(list, Check{ID: id, Target: target, Priority: Critical, Run: f, After: r.awaitJWKS})
	}
	for _, e := range endpoints(cfg) {
		p := Ordinary
		if e.internetFacing() {
			p = Critical
		}
		add(p, IDResolve, e.field, func(ctx context.Context) Result { return r.resolve(ctx, e) })
		add(p, IDTLS, e.field, func(ctx context.Context) Result { return r.tlsCheck(ctx, e) })
		add(p, IDReachable, e.field, func(ctx context.Context) Result { return r.reachable(ctx, e) })
	}
	if e, ok := endpointFor(cfg, "backchannel_logout_uri"); ok {
		go throwawayKey()                  // warm up now: see throwawayKey
		list = append(list, r.bclCheck(e)) // its tokens are prepared before its timeout starts
	}
	if _, ok := endpointFor(cfg, "jwks_uri"); ok {
		list = append(list, r.jwksFetchCheck()) // it waits for the fetch as its dependants do
		needsJWKS(IDJWKSPublic, "jwks_uri", r.publicOnly)
		needsJWKS(IDJWKSLint, "jwks_uri", r.lint)
		needsJWKS(IDJWKSAlgMatch, "jwks_uri", r.algMatch)
		needsJWKS(IDAssertion, "jwks_uri", r.assertionCheck)
	}
	add(Critical, IDCIS2Algs, targetDiscovery, r.cis2Algs)
	// The login probe: what the application's sign-in really sends (checks/login.go).
	list = append(list, r.loginChecks()...)
	// Clock skew, read from the Date headers of the run's own exchanges (checks/clock.go).
	list = append(list, r.clockCheck())
	if cfg.UsesPrivateKeyJWT() {
		if _, ok := endpointFor(cfg, "jwks_uri"); ok && opts.ProbeTokenEndpoint {
			needsJWKS(IDTokenProbe, "token_endpoint", r.tokenProbe) // it signs with the published kid
		} else {
			add(Critical, IDTokenProbe, "token_endpoint", r.tokenProbe)
		}
	}
	return list
}

// newRun is the state a list of checks shares (see run), ready to plan them.
func newRun(cfg *model.Config, opts Options) *run {
	opts = opts.withDefaults()
	opts.Resolver = newCachingResolver(opts.Resolver)
	// Loading the system roots parses a few hundred certificates, once per process; start it
	// now so that the first TLS check does not spend its timeout on it.
	go x509.SystemCertPool() //nolint:errcheck // a warm-up: the checks load it themselves
	d := newDialer(opts)
	r := &run{cfg: cfg, opts: opts, dialer: d, client: newHTTPClient(opts, d), tls: newHandshakes()}
	opts.Observe.track(d)
	r.key = sync.OnceValues(r.loadSigner) // --key or --sign-cmd (checks/signer.go)
	return r
}

// endpoints lists the configured URIs in file order.
func endpoints(cfg *model.Config) []endpoint {
	var es []endpoint
	add := func(field, raw string, role model.URIRole) {
		e := endpoint{field: field, raw: raw, role: role}
		if u, err := url.Parse(raw); err == nil && u.IsAbs() && u.Host != "" {
			e.url = u
		}
		es = append(es, e)
	}
	for i, u := range cfg.RedirectURIs {
		add(fmt.Sprintf("redirect_uris[%d]", i), u, model.RedirectURI)
	}
	if cfg.BackchannelLogoutURI != "" {
		add("backchannel_logout_uri", cfg.BackchannelLogoutURI, model.LogoutURI)
	}
	if cfg.UsesPrivateKeyJWT() && cfg.JWKSURI != "" {
		add("jwks_uri", cfg.JWKSURI, model.JWKSURI)
	}
	return es
}

func endpointFor(cfg *model.Config, field string) (endpoint, bool) {
	for _, e := range endpoints(cfg) {
		if e.field == field {
			return e, true
		}
	}
	return endpoint{}, false
}

// internetFacing reports whether CIS2 itself calls the endpoint (so it must be public), as
// opposed to redirect URIs that only the user's browser follows.
func (e endpoint) internetFacing() bool { return e.role != model.RedirectURI }

// unparsed is the result for a URI the offline checks already reject.
func (e endpoint) unparsed() Result {
	return Result{Status: model.Skip, Message: "not an absolute URI; see the config findings for " + e.field,
		Evidence: map[string]string{"url": e.raw}}
}

// evidence starts a result's evidence with the URL checked.
func (e endpoint) evidence() map[string]string { return map[string]string{"url": e.raw} }

// shared is a value that one run loads at most once and every check of the run reuses (the
// JWKS, the discovery document): one fetch per run however many checks need it.
type shared[T any] struct {
	once sync.Once
	v    T
	// panicked is what load panicked with, if it did: every caller panics with it too (as
	// with sync.OnceValue), so that each check that needed the value fails as its own
	// internal error rather than reading a zero value, a result with no status.
	panicked any
}

func (s *shared[T]) get(load func() T) T {
	s.once.Do(func() {
		defer func() { s.panicked = recover() }()
		s.v = load()
	})
	if s.panicked != nil {
		panic(s.panicked)
	}
	return s.v
}
