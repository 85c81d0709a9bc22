package watch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// discoveryField is one discovery value a relying party depends on, and how much a change
// to it matters for this configuration.
type discoveryField struct {
	name string
	get  func(*checks.Discovery) []string
	// judge returns the status of a change from old to new, and why it matters.
	judge func(cfg *model.Config, old, new []string) (model.Severity, string)
}

// needs fails when the value the configuration declares was listed and no longer is.
func needs(declared func(*model.Config) string, what string) func(*model.Config, []string, []string) (model.Severity, string) {
	return func(cfg *model.Config, old, new []string) (model.Severity, string) {
		v := declared(cfg)
		if v != "" && slices.Contains(old, v) && !slices.Contains(new, v) {
			return model.Fail, fmt.Sprintf("%s %s is no longer listed: CIS2 may refuse it", what, v)
		}
		return model.Pass, "the values this configuration uses are still listed"
	}
}

// removalWarns warns when a value was withdrawn: the relying party may use it without
// declaring it in the configuration (an acr value it asks for, an ID token alg it accepts).
func removalWarns(use string) func(*model.Config, []string, []string) (model.Severity, string) {
	return func(_ *model.Config, old, new []string) (model.Severity, string) {
		var gone []string
		for _, v := range old {
			if !slices.Contains(new, v) {
				gone = append(gone, v)
			}
		}
		if len(gone) > 0 {
			return model.Warn, fmt.Sprintf("withdrawn: %s; check your service does not %s", sanitize.Join(gone, ", "), use)
		}
		return model.Pass, "values were only added"
	}
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// discoveryFields are the values drift.discovery compares, in report order.
var discoveryFields = []discoveryField{
	{"issuer", func(d *checks.Discovery) []string { return one(d.Issuer) },
		func(*model.Config, []string, []string) (model.Severity, string) {
			return model.Fail, "ID tokens now carry the new issuer: a relying party that checks iss against the old value refuses every login"
		}},
	{"token_endpoint", func(d *checks.Discovery) []string { return one(d.TokenEndpoint) },
		func(*model.Config, []string, []string) (model.Severity, string) {
			return model.Warn, "client assertions must name the token endpoint as aud, and the code is exchanged there: check your client reads it from discovery"
		}},
	{"token_endpoint_auth_methods_supported", func(d *checks.Discovery) []string { return d.AuthMethods },
		needs(func(c *model.Config) string { return string(c.TokenEndpointAuthMethod) }, "token_endpoint_auth_method")},
	{"token_endpoint_auth_signing_alg_values_supported", func(d *checks.Discovery) []string { return d.TokenAuthAlgs },
		needs(func(c *model.Config) string {
			if c.UsesPrivateKeyJWT() {
				return c.TokenEndpointAuthSigningAlg
			}
			return ""
		}, "token_endpoint_auth_signing_alg")},
	{"userinfo_signing_alg_values_supported", func(d *checks.Discovery) []string { return d.UserinfoAlgs },
		needs(func(c *model.Config) string { return c.UserinfoSignedResponseAlg }, "userinfo_signed_response_alg")},
	{"id_token_signing_alg_values_supported", func(d *checks.Discovery) []string { return d.IDTokenAlgs },
		removalWarns("accept ID tokens only with a withdrawn algorithm")},
	{"acr_values_supported", func(d *checks.Discovery) []string { return d.ACRValues },
		removalWarns("request a withdrawn acr value")},
	{"response_modes_supported", func(d *checks.Discovery) []string { return d.ResponseModes },
		removalWarns("use a withdrawn response mode")},
}

// discoveryRule is drift.discovery: with --discovery, the CIS2 values this configuration
// depends on against the last document read.
func (e *evaluation) discoveryRule() {
	res := checks.Result{ID: IDDiscovery, Target: "discovery", Status: model.Skip}
	defer func() { e.add(res) }()
	if e.o.DiscoveryURL == "" {
		res.Message = "no --discovery URL given: pass CIS2's discovery document URL to watch it for changes"
		return
	}
	res.Evidence = map[string]string{"url": sanitize.Clean(e.o.DiscoveryURL)}
	cur := e.o.Discovery
	if cur == nil {
		res.Message = "the live discovery document could not be read: see cis2.algs"
		return
	}
	before := e.next.Discovery // the previous run's, carried over
	e.next.Discovery = &DiscoverySeen{URL: e.o.DiscoveryURL, SeenAt: e.o.Now, Discovery: *cur}
	switch {
	case before == nil:
		res.Message = "no earlier discovery document to compare with: recorded this one as the baseline"
		return
	case before.URL != e.o.DiscoveryURL:
		res.Message = "the --discovery URL is not the one watched before: recorded this document as the new baseline"
		return
	}
	res.Status = model.Pass
	res.Evidence["since"] = since(before.SeenAt)
	var notes []string
	for _, f := range discoveryFields {
		old, now := f.get(&before.Discovery), f.get(cur)
		if slices.Equal(old, now) {
			continue
		}
		status, why := f.judge(e.o.Config, old, now)
		e.change(Change{ID: IDDiscovery, Target: f.name, Kind: KindChanged, Status: status,
			Old: strings.Join(old, " "), New: strings.Join(now, " "), Message: why})
		notes = append(notes, f.name+" changed ("+why+")")
		if rank(status) > rank(res.Status) {
			res.Status = status
			res.Fix = "read NHS's CIS2 change notices, and confirm with the CIS2 team whether your configuration must change"
		}
	}
	if len(notes) == 0 {
		res.Message = "every value this configuration depends on is as on " + since(before.SeenAt)
		return
	}
	res.Message = "since " + since(before.SeenAt) + ": " + strings.Join(notes, "; ")
}

// configRule is drift.config: the configuration watched against the one submitted to NHS,
// judged by the rules of `diff` (model.DiffLive): what NHS must receive again fails, what NHS's
// pages leave unsettled warns.
func (e *evaluation) configRule() {
	res := checks.Result{ID: IDConfigDrift, Target: "config", Status: model.Skip}
	defer func() { e.add(res) }()
	if e.o.Submitted == nil {
		res.Message = "no --submitted file given: pass the cis2-production-config.json sent to NHS to watch for changes NHS must receive"
		return
	}
	res.Target = sanitize.Clean(e.o.SubmittedPath)
	live := e.o.Config.Clone()
	live.Environment = live.EffectiveEnvironment() // the submission records the effective one
	submitted := e.o.Submitted.Clone()
	submitted.Environment = submitted.EffectiveEnvironment()
	// NHS never receives the login page, and a submission file does not record it.
	submitted.LoginURL = live.LoginURL
	cs := model.DiffLive(&submitted, &live)
	res.Status = model.Pass
	if len(cs) == 0 {
		res.Message = "the configuration matches the one submitted to NHS"
		return
	}
	var yes, unsure, no []string
	for _, c := range cs {
		status := model.Pass
		switch c.NHSUpdate {
		case model.UpdateYes:
			status, yes = model.Fail, append(yes, c.Field)
		case model.UpdateUnconfirmed:
			status, unsure = model.Warn, append(unsure, c.Field)
		default:
			no = append(no, c.Field)
		}
		e.change(Change{ID: IDConfigDrift, Target: c.Field, Kind: KindChanged, Status: status,
			Old: c.Old, New: c.New, Message: "NHS update needed: " + string(c.NHSUpdate) + "; " + c.Why})
	}
	var parts []string
	if len(yes) > 0 {
		res.Status = model.Fail
		res.Fix = "send NHS England the updated configuration (`cis2-golive submission --config FILE`), or put the submitted values back"
		parts = append(parts, "NHS must receive an update for "+strings.Join(yes, ", "))
	}
	if len(unsure) > 0 {
		if res.Status == model.Pass {
			res.Status = model.Warn
			res.Fix = "ask the CIS2 team whether these changes need an updated configuration"
		}
		parts = append(parts, "ask NHS about "+strings.Join(unsure, ", "))
	}
	if len(no) > 0 {
		parts = append(parts, "no update needed for "+strings.Join(no, ", "))
	}
	res.Message = fmt.Sprintf("differs from the submitted configuration in %d field(s): %s", len(cs), strings.Join(parts, "; "))
}

// rank orders statuses by how bad they are.
func rank(s model.Severity) int {
	switch s {
	case model.Fail:
		return 3
	case model.Warn:
		return 2
	case model.Pass:
		return 1
	}
	return 0
}

// markRegressions compares every result with the previous run's (or, for one that skipped
// then, with the last run it did not skip: see outcomes): pass or warn then, fail now is a
// regression (marked in the result's evidence and listed as a change); the reverse is a
// recovery. Results new since the previous run are neither.
func markRegressions(prev *State, rs []checks.Result) []Change {
	if prev == nil {
		return nil
	}
	before := map[[2]string]Outcome{}
	for _, o := range prev.Results {
		if _, ok := before[[2]string{o.ID, o.Target}]; !ok {
			if o.SeenAt.IsZero() {
				o.SeenAt = prev.RunAt
			}
			before[[2]string{o.ID, o.Target}] = o
		}
	}
	var cs []Change
	for i, r := range rs {
		o, ok := before[[2]string{r.ID, r.Target}]
		if !ok {
			continue
		}
		was := o.Status
		switch {
		case (was == model.Pass || was == model.Warn) && r.Status == model.Fail:
			ev := map[string]string{}
			for k, v := range r.Evidence {
				ev[k] = v
			}
			ev["regression"] = "was " + string(was) + " on " + since(o.SeenAt)
			rs[i].Evidence = ev
			cs = append(cs, Change{ID: r.ID, Target: sanitize.Clean(r.Target), Kind: KindRegression, Status: model.Fail,
				Old: string(was), New: string(r.Status), Message: sanitize.Clean(r.Message)})
		case was == model.Fail && (r.Status == model.Pass || r.Status == model.Warn):
			cs = append(cs, Change{ID: r.ID, Target: sanitize.Clean(r.Target), Kind: KindRecovered, Status: model.Pass,
				Old: string(was), New: string(r.Status), Message: sanitize.Clean(r.Message)})
		}
	}
	return cs
}
