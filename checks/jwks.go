package checks

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strconv"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// jwksFetch is the outcome of the run's one JWKS fetch, shared by jwks.* and assertion.*.
type jwksFetch struct {
	set *keys.Set // nil when the fetch failed
	res Result    // the jwks.fetch result
}

// jwks fetches the JWKS once per run, as a critical check whoever asks (see asCritical).
// Every caller waits for it in Check.After, jwks.fetch included, so the HTTP client's own
// timeout (Options.Timeout, from the request's start) bounds it, not one caller's deadline.
func (r *run) jwks(ctx context.Context) jwksFetch {
	return r.jwksOnce.get(func() jwksFetch { return r.fetchJWKS(asCritical(ctx)) })
}

// FetchedJWKS is a JWKS URI's answer: 200 and a body of at most MaxDocumentBody.
type FetchedJWKS struct {
	Body        []byte
	ContentType string // as served, sanitised
}

// FetchError is why a JWKS URI gave no document: Msg says what happened, Fix what to do.
type FetchError struct {
	Msg, Fix string
	Cause    string // the transport or read failure alone ("connection refused"), if any
	Status   int    // the HTTP status, when the server answered
	Err      error  // the transport or read error, if any
}

func (e *FetchError) Error() string { return e.Msg }
func (e *FetchError) Unwrap() error { return e.Err }

// Timeout reports whether the fetch ran out of time (the client's one timeout).
func (e *FetchError) Timeout() bool {
	var ne net.Error
	return errors.Is(e.Err, context.DeadlineExceeded) || errors.As(e.Err, &ne) && ne.Timeout()
}

// FetchJWKS is the one GET of a JWKS URI, shared by jwks.fetch and `keys inspect URL` so they
// cannot disagree: through client (NewHTTPClient: its limits and timeout), asking for a JWK
// Set, and reading at most MaxDocumentBody. A failure is a *FetchError.
func FetchJWKS(ctx context.Context, client *http.Client, rawURL string) (FetchedJWKS, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return FetchedJWKS{}, &FetchError{Msg: "not a URL: " + sanitize.Clean(rawURL), Fix: "give the JWKS URI as https://host/path", Err: err}
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := client.Do(req)
	if err != nil {
		cause := describeErr(err)
		return FetchedJWKS{}, &FetchError{Msg: "could not fetch the JWKS: " + cause, Cause: cause,
			Fix: "publish the JWKS at jwks_uri over https, reachable from the internet", Err: err}
	}
	defer resp.Body.Close()
	got := FetchedJWKS{ContentType: sanitize.Clean(resp.Header.Get("Content-Type"))}
	if resp.StatusCode != http.StatusOK {
		return got, &FetchError{Msg: fmt.Sprintf("answered HTTP %d; CIS2 needs 200 with the JWK Set", resp.StatusCode),
			Fix: "serve the JWK Set at exactly this URL", Status: resp.StatusCode}
	}
	if got.Body, err = readBody(resp.Body, MaxDocumentBody); err != nil {
		cause := describeErr(err)
		return got, &FetchError{Msg: "could not read the JWKS: " + cause, Cause: cause,
			Fix: "serve a JWK Set of a few keys, promptly", Status: resp.StatusCode, Err: err}
	}
	return got, nil
}

// fetchJWKS is jwks.fetch: the JWKS URI answers 200 with a JSON JWK Set of at most 1 MiB.
func (r *run) fetchJWKS(ctx context.Context) jwksFetch {
	e, _ := endpointFor(r.cfg, "jwks_uri")
	if e.url == nil {
		return jwksFetch{res: e.unparsed()}
	}
	ev := e.evidence()
	fail := func(msg, fix string) jwksFetch {
		return jwksFetch{res: Result{Status: model.Fail, Message: msg, Fix: fix, Evidence: ev}}
	}
	got, err := FetchJWKS(ctx, r.client, e.raw)
	var fe *FetchError
	if errors.As(err, &fe) && fe.Status != 0 {
		ev["status"] = strconv.Itoa(fe.Status)
		ev["content_type"] = got.ContentType
	}
	if err != nil {
		if res := r.causedBy(ctx, e, err); res != nil {
			return jwksFetch{res: *res}
		}
		if errors.As(err, &fe) {
			return fail(fe.Msg, fe.Fix)
		}
		return fail(err.Error(), "")
	}
	ev["status"] = strconv.Itoa(http.StatusOK)
	ev["content_type"] = got.ContentType
	ev["bytes"] = strconv.Itoa(len(got.Body))
	set, err := keys.ParseSet(got.Body)
	if err != nil {
		return fail("rejected the JWKS: "+sanitize.Clean(err.Error()),
			`serve {"keys": [...]} as written by `+"`cis2-golive keys new`")
	}
	if set.Single {
		return fail("the body is a single JWK, not a JWK Set",
			`wrap it: {"keys": [ <your JWK> ]}`)
	}
	r.opts.Observe.recordJWKS(set)
	kids := make([]string, len(set.Keys))
	for i, k := range set.Keys {
		kids[i] = sanitize.Clean(k.Label())
	}
	ev["keys"] = strconv.Itoa(len(set.Keys))
	ev["kids"] = sanitize.Join(kids, ", ")
	res := Result{Status: model.Pass, Evidence: ev,
		Message: fmt.Sprintf("fetched a JWK Set with %d key(s): %s", len(set.Keys), ev["kids"])}
	if mt, _, _ := mime.ParseMediaType(got.ContentType); mt != "application/json" && mt != "application/jwk-set+json" {
		res.Status = model.Warn
		res.Message += fmt.Sprintf("; served as %q rather than application/json or application/jwk-set+json", ev["content_type"])
		res.Fix = "serve it with Content-Type: application/jwk-set+json (or application/json)"
	}
	return jwksFetch{set: set, res: res}
}

// jwksFetchCheck is the jwks.fetch check itself. Like the checks built on the fetch, it
// waits for it before its own timeout starts (Check.After) and then reports the fetch's
// result: had the runner's "no answer within" been its line while a fetch that ended just
// after that timeout (parsing a large set is work of our own) handed the keys to jwks.*, the
// lines would disagree. A JWKS URI that never answers fails the fetch at the client's timeout.
func (r *run) jwksFetchCheck() Check {
	return Check{ID: IDJWKSFetch, Target: "jwks_uri", Priority: Critical, After: r.awaitJWKS,
		Run: func(ctx context.Context) Result { return r.jwks(ctx).res }}
}

// msgNoJWKS is the skip of every check that needs the fetched JWKS when jwks.fetch failed:
// the failure is counted once, on jwks.fetch, not once per dependant.
const msgNoJWKS = "JWKS not fetched: see jwks.fetch"

// awaitJWKS is the Check.After of the checks that need the fetched JWKS.
func (r *run) awaitJWKS(ctx context.Context) { r.jwks(ctx) }

// msgRefused is the skip of the checks that would use the keys when jwks.public-only failed:
// a verifier may refuse the whole set, so passing them would overstate it.
const msgRefused = "the JWKS would be refused: see jwks.public-only"

// SkippedForTheJWKS reports whether r is the skip of a check that uses the published keys
// because jwks.fetch or jwks.public-only failed: that failure is the finding, not this skip.
func (r Result) SkippedForTheJWKS() bool {
	return r.Status == model.Skip && (r.Message == msgNoJWKS || r.Message == msgRefused)
}

// inspection judges the fetched set once per run, by the rules `keys inspect` applies, against
// the declared signing alg (or, when none is declared, any CIS2 accepts). nil when jwks.fetch
// failed.
func (r *run) inspection(ctx context.Context) *keys.Inspection {
	return r.inspectOnce.get(func() *keys.Inspection {
		set := r.jwks(ctx).set
		if set == nil {
			return nil
		}
		var algs []string
		if a := r.cfg.TokenEndpointAuthSigningAlg; a != "" {
			algs = []string{a}
		}
		return keys.InspectSet(set, keys.InspectOptions{Source: r.cfg.JWKSURI, Remote: true, Algs: algs})
	})
}

// withJWKS runs f on the judged set, or skips when jwks.fetch failed.
func (r *run) withJWKS(ctx context.Context, f func(*keys.Inspection) Result) Result {
	ins := r.inspection(ctx)
	if ins == nil {
		return Result{Status: model.Skip, Message: msgNoJWKS}
	}
	return f(ins)
}

// usableJWKS is why the checks that use the set's keys cannot run (nil if they can): no set,
// or one a verifier would refuse.
func (r *run) usableJWKS(ctx context.Context) *Result {
	switch ins := r.inspection(ctx); {
	case ins == nil:
		return &Result{Status: model.Skip, Message: msgNoJWKS}
	case ins.Refused():
		return &Result{Status: model.Skip, Message: msgRefused}
	}
	return nil
}

// problemsResult turns keys problems into one result: the worst severity, every message, and
// each problem's rule and key in Rules (Evidence "problems" lists the rule ids alone, as it
// always has).
func problemsResult(ps []keys.Problem, pass string) Result {
	if len(ps) == 0 {
		return Result{Status: model.Pass, Message: pass}
	}
	res := Result{Status: model.Warn, Evidence: map[string]string{}}
	var msgs, rules []string
	for _, p := range ps {
		// The fix shown is that of the first failure (or first warning when none fails).
		if p.Severity == model.Fail && res.Status != model.Fail {
			res.Status, res.Fix = model.Fail, p.Fix
		} else if res.Fix == "" {
			res.Fix = p.Fix
		}
		msgs = append(msgs, p.Message)
		rules = append(rules, p.Rule)
		res.Rules = append(res.Rules, Rule{ID: p.Rule, Status: p.Severity, Subject: sanitize.Clean(p.KID)})
	}
	res.Message = sanitize.Join(msgs, "; ")
	res.Evidence["problems"] = sanitize.Join(rules, ", ")
	return res
}

// publicOnly is jwks.public-only: no private members, no symmetric keys, RSA ≥ 2048 bits.
func (r *run) publicOnly(ctx context.Context) Result {
	return r.withJWKS(ctx, func(ins *keys.Inspection) Result {
		return problemsResult(ins.PublicOnly, fmt.Sprintf(
			"all %d key(s) are public: no private members, no symmetric keys, RSA keys of %d bits or more",
			len(ins.Keys), keys.MinRSABits))
	})
}

// lint is jwks.lint: kids tell the keys apart, a key for signatures can verify the alg,
// alg and x5c fit the key.
func (r *run) lint(ctx context.Context) Result {
	return r.withJWKS(ctx, func(ins *keys.Inspection) Result {
		return problemsResult(ins.Lint, fmt.Sprintf(
			"%d key(s), each with its own kid, usable for signatures, alg consistent with the key", len(ins.Keys)))
	})
}

// algMatch is jwks.alg-match: some key can verify the declared token endpoint signing alg.
func (r *run) algMatch(ctx context.Context) Result {
	alg := r.cfg.TokenEndpointAuthSigningAlg
	if alg == "" {
		return Result{Status: model.Skip, Message: "no token_endpoint_auth_signing_alg declared (see the config findings)"}
	}
	if skip := r.usableJWKS(ctx); skip != nil {
		return *skip
	}
	return r.withJWKS(ctx, func(ins *keys.Inspection) Result {
		s := ins.Set
		can, cannot := keys.SplitByAlg(s.Keys, alg)
		ev := map[string]string{"alg": alg}
		var yes, no []string
		for _, k := range can {
			yes = append(yes, sanitize.Clean(k.Label()))
		}
		for _, u := range cannot {
			no = append(no, sanitize.Clean(u.Key.Label()+" ("+u.Reason+")"))
		}
		ev["matching"] = sanitize.Join(yes, ", ")
		ev["not_matching"] = sanitize.Join(no, "; ")
		if len(s.Keys) == 0 {
			return Result{Status: model.Fail, Evidence: ev, Message: "the JWKS has no keys",
				Fix: fmt.Sprintf("publish the public key you sign client assertions with (%s); see `cis2-golive keys new`", alg)}
		}
		if len(can) == 0 {
			return Result{Status: model.Fail, Evidence: ev,
				Message: fmt.Sprintf("no key in the JWKS can verify %s: %s", alg, ev["not_matching"]),
				Fix:     fmt.Sprintf("publish a key that can verify %s (an RSA key of 2048+ bits for RS*/PS*), or declare the alg your key uses", alg)}
		}
		msg := fmt.Sprintf("key(s) that can verify %s: %s", alg, ev["matching"])
		if len(no) > 0 {
			msg += "; cannot: " + ev["not_matching"]
		}
		return Result{Status: model.Pass, Message: msg, Evidence: ev}
	})
}
