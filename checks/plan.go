package checks

import (
	"context"
	"crypto"
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

// run is the state one Plan's checks share: one HTTP client, one resolution per host, one
// JWKS fetch, one discovery document and one key load.
type run struct {
	cfg         *model.Config
	opts        Options
	client      *http.Client
	jwksOnce    shared[jwksFetch]
	inspectOnce shared[*keys.Inspection]
	discOnce    shared[discovery]
	signOnce    shared[signedAssertion]
	// key loads Options.KeyPath once. The key stays in memory for the run only.
	key func() (crypto.Signer, error)
}

// Plan lists the live checks for the configuration: one Check per id and target, in report
// order, so a UI can draw every line before Run streams the results in. Nothing is contacted
// until a Check runs. Hand the same opts to Run.
func Plan(cfg *model.Config, opts Options) []Check {
	opts = opts.withDefaults()
	opts.Resolver = newCachingResolver(opts.Resolver)
	r := &run{cfg: cfg, opts: opts, client: NewHTTPClient(opts)}
	opts.Observe.track(r.client)
	r.key = sync.OnceValues(func() (crypto.Signer, error) { return keys.LoadPrivateKey(opts.KeyPath) })

	var list []Check
	add := func(id, target string, f func(context.Context) Result) {
		list = append(list, Check{ID: id, Target: target, Run: f})
	}
	// needsJWKS adds a check that works on the fetched JWKS (see Check.After).
	needsJWKS := func(id, target string, f func(context.Context) Result) {
		list = append(list, Check{ID: id, Target: target, Run: f, After: r.awaitJWKS})
	}
	for _, e := range endpoints(cfg) {
		add(IDResolve, e.field, func(ctx context.Context) Result { return r.resolve(ctx, e) })
		add(IDTLS, e.field, func(ctx context.Context) Result { return r.tlsCheck(ctx, e) })
		add(IDReachable, e.field, func(ctx context.Context) Result { return r.reachable(ctx, e) })
	}
	if e, ok := endpointFor(cfg, "backchannel_logout_uri"); ok {
		go throwawayKey() // warm up now: see throwawayKey
		add(IDBCL, e.field, func(ctx context.Context) Result { return r.bcl(ctx, e) })
	}
	if _, ok := endpointFor(cfg, "jwks_uri"); ok {
		add(IDJWKSFetch, "jwks_uri", r.jwksFetchCheck)
		needsJWKS(IDJWKSPublic, "jwks_uri", r.publicOnly)
		needsJWKS(IDJWKSLint, "jwks_uri", r.lint)
		needsJWKS(IDJWKSAlgMatch, "jwks_uri", r.algMatch)
		needsJWKS(IDAssertion, "jwks_uri", r.assertionCheck)
	}
	add(IDCIS2Algs, targetDiscovery, r.cis2Algs)
	// The login probe: what the application's sign-in really sends (checks/login.go).
	list = append(list, r.loginChecks()...)
	if cfg.UsesPrivateKeyJWT() {
		if _, ok := endpointFor(cfg, "jwks_uri"); ok && opts.ProbeTokenEndpoint {
			needsJWKS(IDTokenProbe, "token_endpoint", r.tokenProbe) // it signs with the published kid
		} else {
			add(IDTokenProbe, "token_endpoint", r.tokenProbe)
		}
	}
	return list
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
}

func (s *shared[T]) get(load func() T) T {
	s.once.Do(func() { s.v = load() })
	return s.v
}
