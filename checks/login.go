package checks

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// IDLogin is the login request probe. Every finding about the authorize request the application
// builds shares this id; the target names the parameter ("authorize?redirect_uri"), so each
// problem is its own line and the first line (target login_url) says how the request was reached.
const IDLogin = "login.authorize-request"

// loginTarget is the target of the probe's first result.
const loginTarget = "login_url"

// loginParams are the authorize request parameters judged, one result each, in report order.
var loginParams = []struct {
	name  string
	judge func(r *run, ctx context.Context, q url.Values) Result
}{
	{"client_id", (*run).judgeClientID},
	{"redirect_uri", (*run).judgeRedirectURI},
	{"response_type", (*run).judgeResponseType},
	{"scope", (*run).judgeScope},
	{"response_mode", (*run).judgeResponseMode},
	{"state", (*run).judgeState},
	{"nonce", (*run).judgeNonce},
	{"code_challenge", (*run).judgePKCE},
	{"acr_values", (*run).judgeACR},
	{"credentials", (*run).judgeCredentials},
}

// secretishParams are parameters whose values the report does not repeat: per-login values
// tied to the browser that started sign-in, and credentials a broken application may put in
// a URL (a report is shared): a client secret or assertion, a PKCE verifier, a request object
// (which holds state and nonce), an ID token.
var secretishParams = []string{"state", "nonce", "code_challenge", "client_secret", "client_assertion",
	"code_verifier", "request", "id_token_hint"}

// frontChannelCredentials are parameters that must never travel in the browser's URL: the URL
// lands in browser history, proxy and CIS2 access logs and Referer headers. A client secret or
// assertion belongs in the token request's body only (RFC 6749 §2.3.1, RFC 7523 §2.2), and a
// code_verifier sent with the authorize request defeats PKCE (RFC 7636 §4.5).
var frontChannelCredentials = []string{"client_secret", "client_assertion", "code_verifier"}

// loginFetch is how the probe reached the authorize request, shared by all its results.
type loginFetch struct {
	res Result     // the login_url result
	url *url.URL   // the authorize request; nil when none was reached
	q   url.Values // its query
}

// loginChecks are the login probe's checks: one skip when no login URL is known, else the
// fetch and one check per parameter, which wait for the fetch (see Check.After).
func (r *run) loginChecks() []Check {
	raw := r.opts.LoginURL
	if raw == "" {
		raw = r.cfg.LoginURL
	}
	if raw == "" {
		return []Check{{ID: IDLogin, Target: loginTarget, Run: func(context.Context) Result {
			return Result{Status: model.Skip,
				Message: "no login_url: add login_url (the page that starts a CIS2 sign-in) or pass --login-url URL to check the authorize request your application really sends"}
		}}}
	}
	var once shared[loginFetch]
	fetch := func(ctx context.Context) loginFetch {
		return once.get(func() loginFetch { return r.fetchLogin(ctx, raw) })
	}
	list := []Check{{ID: IDLogin, Target: loginTarget, Run: func(ctx context.Context) Result { return fetch(ctx).res }}}
	for _, p := range loginParams {
		list = append(list, Check{ID: IDLogin, Target: "authorize?" + p.name,
			After: func(ctx context.Context) { fetch(ctx) },
			Run: func(ctx context.Context) Result {
				f := fetch(ctx)
				if f.url == nil {
					return Result{Status: model.Skip, Message: "no authorize request reached: see " + IDLogin + " " + loginTarget}
				}
				return p.judge(r, ctx, f.q)
			}})
	}
	return list
}

// fetchLogin GETs the login page and follows its redirects while they stay within the
// application's own sites (at most MaxRedirects, never https→http, cookies kept as a browser
// would), until one leaves for CIS2. Nothing is sent to CIS2: the authorize URL is only read.
func (r *run) fetchLogin(ctx context.Context, raw string) loginFetch {
	ev := map[string]string{"url": raw}
	fail := func(msg, fix string) loginFetch {
		return loginFetch{res: Result{Status: model.Fail, Message: msg, Fix: fix, Evidence: ev}}
	}
	cur, err := url.Parse(raw)
	if err != nil || !cur.IsAbs() || cur.Host == "" || (cur.Scheme != "https" && cur.Scheme != "http") {
		return fail("login_url is not an absolute http(s) URL", "give the full URL of the page that starts sign-in, such as https://app.example.nhs.uk/login")
	}
	expected, source, skip := r.authorizeEndpoint(ctx)
	if skip != nil {
		skip.Evidence = ev
		return loginFetch{res: *skip}
	}
	own := r.ownSites(cur)
	jar, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	client := noRedirects(r.client)
	client.Jar = jar
	var hops []string
	for hop := 0; ; hop++ {
		// A URL the application redirected to is shown without its query, where per-sign-in
		// values travel; the login URL is shown as given.
		shown := sanitize.Clean(cur.String())
		if hop > 0 {
			shown = sanitize.Clean(withoutQuery(cur))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cur.String(), nil)
		if err != nil {
			return fail("cannot request "+shown, "check the login URL")
		}
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
		resp, err := client.Do(req)
		if err != nil && strings.Contains(err.Error(), "failed to parse Location header") {
			// net/http quotes the whole Location, query and all.
			return fail(shown+" redirects to a Location that does not parse as a URL", "send an absolute, percent-encoded Location")
		}
		if err != nil {
			return fail("could not fetch "+shown+": "+describeErr(err),
				"check the login page is up and reachable from here")
		}
		_, _ = readBody(resp.Body, MaxSmallBody)
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
			ev["hops"] = sanitize.Join(hops, " → ")
			return fail(fmt.Sprintf("%s answered %d without redirecting to CIS2", shown, resp.StatusCode),
				"give the URL that answers with the redirect to CIS2 (often /login or /auth/cis2/login); if sign-in starts from a button or script, use the URL it opens")
		}
		next, err := cur.Parse(loc)
		if err != nil {
			return fail(shown+" redirects to a Location that does not parse as a URL", "send an absolute, percent-encoded Location")
		}
		hops = append(hops, fmt.Sprintf("%d %s", resp.StatusCode, sanitize.CleanN(withoutQuery(next), 120)))
		ev["hops"] = sanitize.Join(hops, " → ")
		if cur.Scheme == "https" && next.Scheme != "https" {
			return fail("refused a redirect from https to http: "+sanitize.Clean(withoutQuery(next)),
				"redirect to https only; behind a TLS-terminating proxy, make the application trust X-Forwarded-Proto")
		}
		if r.isCIS2Authorize(next, expected) || !own(next.Hostname()) {
			return r.judgeEndpoint(next, expected, source, ev)
		}
		if hop+1 >= MaxRedirects {
			return fail(fmt.Sprintf("stopped after %d redirects within the application without reaching CIS2", MaxRedirects),
				"redirect to CIS2's authorize endpoint in a few hops")
		}
		cur = next
	}
}

// authorizeEndpoint is the environment's CIS2 authorize endpoint and where it came from: the
// live discovery document's when fetched, else the embedded snapshot's. Like every check that
// needs the document, the probe skips when the one asked for cannot be had, or belongs to
// another CIS2 environment (see cis2.algs): it never compares with an endpoint nobody chose.
func (r *run) authorizeEndpoint(ctx context.Context) (endpoint, source string, skip *Result) {
	d := r.discovery(ctx)
	if skip := d.unavailable(); skip != nil {
		return "", "", skip
	}
	if other, ok := d.otherEnvironment(r.cfg); ok {
		return "", "", &Result{Status: model.Skip,
			Message: fmt.Sprintf("not compared: the discovery document is CIS2 %s's, not %s's (see cis2.algs)", other, r.cfg.EffectiveEnvironment()),
			Fix:     "pass --discovery " + r.cfg.CIS2().Discovery}
	}
	if a := d.doc.AuthorizationEndpoint; a != "" {
		return a, d.source(), nil
	}
	return r.cfg.CIS2().AuthorizeEndpoint, "cis2-golive's table of CIS2 endpoints", nil
}

// isCIS2Authorize reports whether u is the expected authorize endpoint or any known CIS2
// environment's (the wrong environment is judged, not followed).
func (r *run) isCIS2Authorize(u *url.URL, expected string) bool {
	if sameEndpoint(u, expected) {
		return true
	}
	_, ok := cis2EnvironmentOf(u)
	return ok
}

// cis2EnvironmentOf names the CIS2 environment whose host u is on.
func cis2EnvironmentOf(u *url.URL) (model.Environment, bool) {
	for name, e := range model.CIS2.Environments {
		if strings.EqualFold(u.Hostname(), e.Host) {
			return name, true
		}
	}
	return "", false
}

// judgeEndpoint is the login_url result for the request that left the application.
func (r *run) judgeEndpoint(u *url.URL, expected, source string, ev map[string]string) loginFetch {
	ev["authorize_endpoint"] = sanitize.CleanN(withoutQuery(u), 300)
	ev["expected_endpoint"] = expected
	q := u.Query()
	for k, vs := range q {
		v := strings.Join(vs, " ")
		if slices.Contains(secretishParams, k) {
			v = fmt.Sprintf("(%d characters, not shown)", len(v))
		}
		ev["param."+sanitize.CleanN(k, 40)] = sanitize.Clean(v)
	}
	looksOAuth := q.Has("client_id") || q.Has("response_type")
	env := r.cfg.EffectiveEnvironment()
	res := Result{Evidence: ev}
	switch other, known := cis2EnvironmentOf(u); {
	case sameEndpoint(u, expected):
		res.Status = model.Pass
		res.Message = fmt.Sprintf("redirects to CIS2 %s's authorize endpoint (as %s gives it)", env, source)
	case known && other != env:
		res.Status = model.Fail
		res.Message = fmt.Sprintf("redirects to CIS2 %s's authorize endpoint, but this configuration is for %s", other, env)
		res.Fix = "point the deployment's CIS2 settings (issuer or discovery URL) at " + expected
	default:
		res.Status = model.Fail
		res.Message = "redirects to " + ev["authorize_endpoint"] + ", not CIS2's authorize endpoint " + expected
		res.Fix = "send the browser to " + expected + " (read it from CIS2's discovery document); if sign-in goes through a broker, give --login-url the broker's page that redirects to CIS2"
	}
	var notes []string
	for _, p := range []string{"prompt", "max_age"} {
		if q.Has(p) {
			notes = append(notes, p+"="+sanitize.Clean(q.Get(p)))
		}
	}
	if len(notes) > 0 {
		res.Message += "; asks " + strings.Join(notes, ", ")
	}
	f := loginFetch{res: res}
	if looksOAuth {
		f.url, f.q = u, q
	} else {
		res.Message += "; the URL carries no OAuth authorize parameters"
		f.res = res
	}
	return f
}

// ownSites says whether a host belongs to the application: the login page's or a configured
// URI's host, or another name under the same registrable domain (login.acme.co.uk for
// epr.acme.co.uk), so a sign-in that passes through the application's own login service is
// followed.
func (r *run) ownSites(login *url.URL) func(host string) bool {
	sites := map[string]bool{}
	add := func(host string) {
		host = strings.ToLower(host)
		if host == "" {
			return
		}
		sites[host] = true
		if net.ParseIP(host) == nil {
			if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
				sites["*."+d] = true
			}
		}
	}
	add(login.Hostname())
	for _, e := range endpoints(r.cfg) {
		if e.url != nil {
			add(e.url.Hostname())
		}
	}
	return func(host string) bool {
		host = strings.ToLower(host)
		if sites[host] {
			return true
		}
		if net.ParseIP(host) != nil {
			return false
		}
		d, err := publicsuffix.EffectiveTLDPlusOne(host)
		return err == nil && sites["*."+d]
	}
}

// sameEndpoint compares two endpoint URLs as a browser would reach them: scheme, host, port
// (443 written or not) and path; the query is the request's own.
func sameEndpoint(u *url.URL, want string) bool {
	w, err := url.Parse(want)
	if err != nil || u == nil {
		return false
	}
	return strings.EqualFold(u.Scheme, w.Scheme) && strings.EqualFold(u.Hostname(), w.Hostname()) &&
		effectivePort(u) == effectivePort(w) && u.EscapedPath() == w.EscapedPath()
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "80"
	}
	return "443"
}

// withoutQuery is the URL up to its path: what a report may show of an authorize request.
func withoutQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.RawFragment, c.User = "", "", "", nil
	return c.String()
}

// param returns a parameter's value and whether it was sent (once).
func param(q url.Values, name string) (string, bool) {
	vs, ok := q[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// repeated is the result for a parameter sent more than once: RFC 6749 §3.1 says a parameter
// must not be included more than once, and servers differ on which copy they read.
func repeated(q url.Values, name string) *Result {
	if len(q[name]) > 1 {
		return &Result{Status: model.Fail, Message: fmt.Sprintf("%s is sent %d times; RFC 6749 §3.1 allows it once", name, len(q[name])),
			Fix: "send each parameter once"}
	}
	return nil
}

func (r *run) judgeClientID(_ context.Context, q url.Values) Result {
	if res := repeated(q, "client_id"); res != nil {
		return *res
	}
	got, ok := param(q, "client_id")
	ev := map[string]string{"sent": sanitize.Clean(got), "configured": r.cfg.ClientID}
	switch {
	case !ok || got == "":
		return Result{Status: model.Fail, Evidence: ev, Message: "the authorize request has no client_id",
			Fix: "send the client_id CIS2 issued for this environment"}
	case r.cfg.ClientID == "":
		return Result{Status: model.Warn, Evidence: ev,
			Message: fmt.Sprintf("sends client_id %s; the configuration has no client_id to compare it with", ev["sent"]),
			Fix:     "add the client_id CIS2 issued to the configuration"}
	case got == r.cfg.ClientID:
		return Result{Status: model.Pass, Evidence: ev, Message: "sends the configuration's client_id " + r.cfg.ClientID}
	}
	return Result{Status: model.Fail, Evidence: ev,
		Message: fmt.Sprintf("sends client_id %s, not the configuration's %s: the deployment still carries another client id (INT's?)", ev["sent"], r.cfg.ClientID),
		Fix:     fmt.Sprintf("set this deployment's CIS2 client id to %s", r.cfg.ClientID)}
}

func (r *run) judgeRedirectURI(_ context.Context, q url.Values) Result {
	if res := repeated(q, "redirect_uri"); res != nil {
		return *res
	}
	got, ok := param(q, "redirect_uri")
	ev := map[string]string{"sent": sanitize.CleanN(got, 300)}
	if !ok || got == "" {
		return Result{Status: model.Fail, Evidence: ev, Message: "the authorize request has no redirect_uri",
			Fix: "send one of the registered redirect_uris exactly"}
	}
	reg := r.cfg.RedirectURIs
	if i := slices.Index(reg, got); i >= 0 {
		return Result{Status: model.Pass, Evidence: ev, Message: fmt.Sprintf("sends redirect_uris[%d] exactly: %s", i, ev["sent"])}
	}
	if len(reg) == 0 {
		return Result{Status: model.Fail, Evidence: ev, Message: "sends redirect_uri " + ev["sent"] + ", and the configuration registers none",
			Fix: "add it under redirect_uris"}
	}
	// Only the scheme differs: the application built the URI from the request it received,
	// which a TLS-terminating proxy forwarded as plain http.
	if rest, isHTTP := strings.CutPrefix(got, "http://"); isHTTP {
		if i := slices.Index(reg, "https://"+rest); i >= 0 {
			return Result{Status: model.Fail, Evidence: ev,
				Message: fmt.Sprintf("sends redirect_uri %s, the http form of redirect_uris[%d] %s: http behind a TLS-terminating proxy (the application builds the URL from the plain-http request the proxy forwards)",
					ev["sent"], i, reg[i]),
				Fix: "make the application trust the proxy's X-Forwarded-Proto (or set its external base URL) so it builds https:// URLs"}
		}
	}
	i := nearest(got, reg)
	ev["nearest"] = reg[i]
	return Result{Status: model.Fail, Evidence: ev,
		Message: fmt.Sprintf("sends redirect_uri %s, which is not registered; nearest is redirect_uris[%d] %s (%s); CIS2 compares byte for byte",
			ev["sent"], i, reg[i], difference(got, reg[i])),
		Fix: "make the application send exactly a registered redirect URI, or register this one"}
}

// nearest is the index of the candidate closest to s by edit distance.
func nearest(s string, candidates []string) int {
	best, bestD := 0, -1
	for i, c := range candidates {
		if d := model.EditDistance(s, c); bestD < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// difference says in a few words how a sent URI differs from a registered one.
func difference(sent, registered string) string {
	a, errA := url.Parse(sent)
	b, errB := url.Parse(registered)
	switch {
	case errA != nil || errB != nil:
		return "different text"
	case !strings.EqualFold(a.Scheme, b.Scheme):
		return "the scheme differs"
	case a.Host != b.Host && strings.EqualFold(a.Host, b.Host):
		return "the host's letter case differs"
	case a.Hostname() != b.Hostname():
		return "the host differs"
	case a.Port() != b.Port():
		return "the port differs"
	case strings.TrimSuffix(a.Path, "/") == strings.TrimSuffix(b.Path, "/") && a.Path != b.Path:
		return "a trailing slash differs"
	case strings.EqualFold(a.Path, b.Path) && a.Path != b.Path:
		return "the path's letter case differs"
	case a.Path != b.Path:
		return "the path differs"
	case a.RawQuery != b.RawQuery:
		return "the query differs"
	}
	return "the encoding differs"
}

func (r *run) judgeResponseType(_ context.Context, q url.Values) Result {
	if res := repeated(q, "response_type"); res != nil {
		return *res
	}
	got, _ := param(q, "response_type")
	ev := map[string]string{"sent": sanitize.Clean(got)}
	if got == "code" {
		return Result{Status: model.Pass, Evidence: ev, Message: "response_type=code (the authorization code flow, the only one CIS2 supports)"}
	}
	msg := "the authorize request has no response_type"
	if got != "" {
		msg = "response_type=" + ev["sent"]
	}
	return Result{Status: model.Fail, Evidence: ev, Message: msg + "; CIS2 supports only the authorization code flow (response_type=code)",
		Fix: "send response_type=code"}
}

func (r *run) judgeScope(ctx context.Context, q url.Values) Result {
	if res := repeated(q, "scope"); res != nil {
		return *res
	}
	got, _ := param(q, "scope")
	scopes := strings.Fields(got)
	ev := map[string]string{"sent": sanitize.Clean(got)}
	known, source := model.CIS2.Scopes, "the scopes NHS documents"
	if d := r.discovery(ctx); d.live && len(d.doc.Scopes) > 0 {
		known, source = d.doc.Scopes, "the live discovery document's scopes_supported"
	}
	var unknown []string
	for _, s := range scopes {
		if !slices.Contains(known, s) {
			unknown = append(unknown, sanitize.Clean(s))
		}
	}
	switch {
	case !slices.Contains(scopes, "openid"):
		return Result{Status: model.Fail, Evidence: ev,
			Message: fmt.Sprintf("scope %q lacks openid: without it CIS2 treats the request as plain OAuth and returns no ID token", ev["sent"]),
			Fix:     "add openid to the scope"}
	case len(unknown) > 0:
		return Result{Status: model.Fail, Evidence: ev,
			Message: fmt.Sprintf("scope asks for %s, not in %s: CIS2 refuses unknown scopes (invalid_scope)", strings.Join(unknown, ", "), source),
			Fix:     "ask only for scopes CIS2 lists: " + strings.Join(known, " ")}
	}
	return Result{Status: model.Pass, Evidence: ev, Message: "scope " + ev["sent"] + ": openid, and only scopes CIS2 lists"}
}

func (r *run) judgeResponseMode(_ context.Context, q url.Values) Result {
	if res := repeated(q, "response_mode"); res != nil {
		return *res
	}
	got, ok := param(q, "response_mode")
	ev := map[string]string{"sent": sanitize.Clean(got)}
	switch {
	case !ok:
		return Result{Status: model.Pass, Evidence: ev, Message: "no response_mode: the code comes back in the query, as CIS2 requires"}
	case slices.Contains(model.CIS2.ResponseModes, got):
		return Result{Status: model.Pass, Evidence: ev, Message: "response_mode=" + ev["sent"]}
	}
	why, withdrawn := model.CIS2.WithdrawnResponseModes[got]
	if !withdrawn {
		why = "CIS2 accepts only " + strings.Join(model.CIS2.ResponseModes, ", ")
	}
	return Result{Status: model.Fail, Evidence: ev, Message: "response_mode=" + ev["sent"] + ": " + why,
		Fix: "drop response_mode (query is the default) and read the code from the callback's query string"}
}

func (r *run) judgeState(_ context.Context, q url.Values) Result {
	if res := repeated(q, "state"); res != nil {
		return *res
	}
	got, _ := param(q, "state")
	ev := map[string]string{"length": strconv.Itoa(len(got))}
	method, _ := param(q, "code_challenge_method")
	switch {
	case got == "" && q.Get("code_challenge") != "" && method == "S256":
		// RFC 9700 §4.7.1: a client using PKCE with S256 may rely on it against CSRF.
		return Result{Status: model.Warn, Evidence: ev,
			Message: "no state: PKCE S256 protects the callback against login CSRF (RFC 9700 §4.7.1); state is still what RFC 6749 §10.12 asks for",
			Fix:     "send a fresh random state per sign-in and check it on the callback"}
	case got == "":
		return Result{Status: model.Fail, Evidence: ev,
			Message: "no state: the callback cannot be tied to the browser that started sign-in (login CSRF, RFC 6749 §10.12)",
			Fix:     "send a fresh random state per sign-in and check it on the callback"}
	}
	return unguessable("state", got, ev)
}

func (r *run) judgeNonce(_ context.Context, q url.Values) Result {
	if res := repeated(q, "nonce"); res != nil {
		return *res
	}
	got, _ := param(q, "nonce")
	ev := map[string]string{"length": strconv.Itoa(len(got))}
	if got == "" {
		return Result{Status: model.Fail, Evidence: ev,
			Message: "no nonce: a replayed or injected ID token cannot be detected (OpenID Connect Core §3.1.2.1, §15.5.2)",
			Fix:     "send a fresh random nonce per sign-in and check the ID token's nonce claim equals it"}
	}
	return unguessable("nonce", got, ev)
}

// unguessable judges a state or nonce that is present: it protects only if nobody can guess
// it, so under 16 characters (about 96 random bits in base64url) warns.
func unguessable(name, got string, ev map[string]string) Result {
	if len(got) < 16 {
		return Result{Status: model.Warn, Evidence: ev,
			Message: fmt.Sprintf("%s is only %d characters: too short to be unguessable", name, len(got)),
			Fix:     "use at least 128 random bits (22 base64url characters)"}
	}
	return Result{Status: model.Pass, Evidence: ev, Message: fmt.Sprintf("%s present (%d characters)", name, len(got))}
}

// s256Challenge is the form of an S256 code_challenge: a SHA-256 digest in base64url without
// padding (RFC 7636 §4.2).
var s256Challenge = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

func (r *run) judgePKCE(_ context.Context, q url.Values) Result {
	if res := repeated(q, "code_challenge"); res != nil {
		return *res
	}
	challenge, _ := param(q, "code_challenge")
	method, _ := param(q, "code_challenge_method")
	ev := map[string]string{"code_challenge_method": sanitize.Clean(method), "length": strconv.Itoa(len(challenge))}
	switch {
	case challenge == "":
		return Result{Status: model.Warn, Evidence: ev,
			Message: "no PKCE code_challenge: a stolen authorization code could be redeemed (RFC 9700 §2.1.1 recommends PKCE for confidential clients too); CIS2 supports S256",
			Fix:     "send code_challenge with code_challenge_method=S256, and the code_verifier in the token request"}
	case method == "S256" && !s256Challenge.MatchString(challenge):
		// The token request's verifier can then never hash to it: sign-in fails at the token
		// endpoint (invalid_grant). Hex digests and padded standard base64 are the usual slips.
		return Result{Status: model.Fail, Evidence: ev,
			Message: fmt.Sprintf("code_challenge is %d characters, not the 43 base64url characters of BASE64URL(SHA-256(code_verifier)) (RFC 7636 §4.2): the token request will fail (invalid_grant)", len(challenge)),
			Fix:     "encode the SHA-256 digest of the verifier as base64url without padding (not hex, not standard base64)"}
	case method == "S256":
		return Result{Status: model.Pass, Evidence: ev, Message: "PKCE with code_challenge_method=S256"}
	case method == "":
		return Result{Status: model.Warn, Evidence: ev,
			Message: "code_challenge without code_challenge_method means plain (RFC 7636 §4.3): the verifier travels as it is",
			Fix:     "send code_challenge_method=S256 with the SHA-256 challenge"}
	}
	return Result{Status: model.Warn, Evidence: ev,
		Message: "code_challenge_method=" + ev["code_challenge_method"] + "; use S256 (RFC 7636 §7.2)",
		Fix:     "send code_challenge_method=S256 with the SHA-256 challenge"}
}

// judgeCredentials fails an authorize request that carries a credential; values are never
// shown (see secretishParams).
func (r *run) judgeCredentials(_ context.Context, q url.Values) Result {
	var found []string
	for _, p := range frontChannelCredentials {
		if q.Has(p) {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return Result{Status: model.Pass, Message: "no client secret, client assertion or code_verifier in the browser's URL"}
	}
	return Result{Status: model.Fail, Evidence: map[string]string{"parameters": strings.Join(found, ", ")},
		Message: fmt.Sprintf("the authorize request carries %s in the browser's URL, where browser history, proxies and CIS2's access logs keep it", strings.Join(found, ", ")),
		Fix:     "send client credentials only in the token request's body, to CIS2's token endpoint; rotate any client secret or key that has been sent this way"}
}

func (r *run) judgeACR(ctx context.Context, q url.Values) Result {
	if res := repeated(q, "acr_values"); res != nil {
		return *res
	}
	got, ok := param(q, "acr_values")
	ev := map[string]string{"sent": sanitize.Clean(got)}
	if !ok || strings.TrimSpace(got) == "" {
		return Result{Status: model.Pass, Evidence: ev, Message: "no acr_values: CIS2 applies its default authentication level"}
	}
	known, source := model.CIS2.ACRValues, "CIS2's acr_values_supported"
	if d := r.discovery(ctx); d.live && len(d.doc.ACRValues) > 0 {
		known, source = d.doc.ACRValues, "the live discovery document's acr_values_supported"
	}
	var unknown []string
	for _, v := range strings.Fields(got) {
		if !slices.Contains(known, v) {
			unknown = append(unknown, sanitize.Clean(v))
		}
	}
	if len(unknown) > 0 {
		return Result{Status: model.Fail, Evidence: ev,
			Message: fmt.Sprintf("acr_values asks for %s, not in %s: the user is not authenticated at the level you meant", strings.Join(unknown, ", "), source),
			Fix:     "use values CIS2 lists: " + strings.Join(known, " ")}
	}
	return Result{Status: model.Pass, Evidence: ev, Message: "acr_values " + ev["sent"] + ": each one CIS2 lists"}
}
