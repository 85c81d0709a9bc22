// Package golive decides whether a configuration is ready to send to NHS England, and writes
// the files a submission is made of. It is the one home of that rule: `check`, `submission`,
// `checklist` and both front-ends of the wizard (checks screen, review, checklist tick, final
// write) ask it, and none keeps a rule of its own. It sits above model, checks and report.
package golive

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// Kind is what sort of reason a blocker is. Each kind has its own override (the CLI's
// --allow-failures, --allow-warnings, --offline), so writing over one never also waves
// another through.
type Kind string

// The kinds of blocker.
const (
	// Failed: a rule or a live check failed, or the configuration is not for production.
	Failed Kind = "failed"
	// NonProduction: a production value still on a non-production host. It is a warning
	// (a production host may be named so by chance) that still blocks: NHS would deploy it.
	NonProduction Kind = "non-production"
	// Warning: a warning the classification (Classify) says blocks: CIS2 would very likely
	// refuse it, or NHS would deploy a setting that does not work. A warning may be a false
	// alarm where a failure is not, so it has the warnings' override.
	Warning Kind = "warning"
	// Unverified: the live checks did not run or did not finish, so nothing has tested the
	// endpoints. The offline rules read the file; they cannot see a JWKS or a logout endpoint.
	Unverified Kind = "unverified"
)

// Blocker is one reason a configuration is not ready to send to NHS.
type Blocker struct {
	Kind Kind
	// ID is the result's id (config.uri.non-production, bcl.rejects-bogus-token…), or
	// IDEnvironment / IDLiveChecks.
	ID string
	// Rule is, for a blocking warning of a result that reports several rules, the rule that
	// blocks (keys.RuleKIDMissing for jwks.lint); "" otherwise.
	Rule string
	// Target is the field the blocker is about, when it is about one.
	Target  string
	Message string
	Fix     string
	// AllowedBy is the testing allowance a result passed only because of (checks.AllowedByFlag…),
	// for a blocker that is one; "" otherwise.
	AllowedBy string
}

// The ids of blockers that are not a check result.
const (
	IDEnvironment = "environment"
	IDLiveChecks  = "live-checks"
)

// String is the blocker on one line: "jwks_uri: production still points at …".
func (b Blocker) String() string {
	if b.Target == "" {
		return b.Message
	}
	return b.Target + ": " + b.Message
}

// Live is how far the live checks got.
type Live int

// How far the live checks got.
const (
	// NotRun: only the offline rules ran (--offline, or a results file without live checks).
	NotRun Live = iota
	// Running: the live checks started and have not all finished.
	Running
	// Done: the live checks ran to the end (each result may still be a failure).
	Done
)

// LiveIn says whether results hold live checks: every offline rule's id starts with
// "config." (checks.Offline), every live check's does not.
func LiveIn(results []checks.Result) Live {
	if slices.ContainsFunc(results, func(r checks.Result) bool { return !isOffline(r) }) {
		return Done
	}
	return NotRun
}

func isOffline(r checks.Result) bool { return strings.HasPrefix(r.ID, "config.") }

// idNonProduction is the warning that blocks as its own kind (NonProduction): a value NHS
// would deploy that points somewhere other than production.
const idNonProduction = "config." + model.RuleNonProduction

// blocks reports whether a result alone stops the configuration being sent: it failed, or
// one of its warnings blocks (Classify).
func blocks(r checks.Result) bool {
	ids, _ := blockingWarnings(r)
	return r.Status == model.Fail || len(ids) > 0
}

// Evidence is the results a verdict is drawn from: the offline rules run afresh on cfg
// against the INT configuration (nil for none), with the loader's notes, then every live
// result of results. A results file's own offline results are replaced, so a file made
// without --int, or by an older version of the rules, cannot hide a finding; but a finding
// of the file's that blocks, on the value cfg still has, stays when this run does not repeat
// it (a file made with --int, read without): a failure a results file records is never
// dropped. With cfg nil (only a results file is known) it is results as they are.
func Evidence(cfg, intCfg *model.Config, notes []model.Finding, results []checks.Result) []checks.Result {
	if cfg == nil {
		return results
	}
	out := checks.OfflineAgainstINT(cfg, intCfg, notes)
	current := map[string]string{}
	for _, fv := range cfg.Values() {
		current[fv.Field] = fv.Value
	}
	rank := map[model.Severity]int{model.Warn: 1, model.Fail: 2}
	var kept, live []checks.Result
	for _, r := range results {
		if !isOffline(r) {
			live = append(live, r)
			continue
		}
		if v, ok := r.Evidence["value"]; !ok || v != current[r.Target] || !blocks(r) {
			continue
		}
		// One result a rule and field, the worse: the file's replaces this run's milder one.
		switch i := slices.IndexFunc(out, func(f checks.Result) bool { return f.ID == r.ID && f.Target == r.Target }); {
		case i < 0:
			kept = append(kept, r)
		case rank[out[i].Status] < rank[r.Status]:
			out[i] = r
		}
	}
	return append(append(out, kept...), live...)
}

// Blockers is the one rule for "ready to send to NHS": it returns every reason the
// configuration is not, and none when it is. cfg may be nil when only a results file is
// known; intCfg is the INT configuration production replicates (nil for none); results are
// the check results so far (offline and live, from this run or a results file); live is how
// far the live checks got. A configuration is ready only when it is for production, no rule
// or check failed, no warning blocks (Classify: a value on a non-production host is one), and
// the live checks ran to the end.
func Blockers(cfg, intCfg *model.Config, results []checks.Result, live Live) []Blocker {
	var bs []Blocker
	if cfg != nil {
		if env := cfg.EffectiveEnvironment(); env != model.Production {
			bs = append(bs, Blocker{Kind: Failed, ID: IDEnvironment, Target: "environment",
				Message: fmt.Sprintf("the configuration is for %s, not production", env),
				Fix:     "set `environment: production` in the production configuration"})
		}
	}
	unfinished := 0
	for _, r := range Evidence(cfg, intCfg, nil, results) {
		switch {
		case r.Status == model.Fail:
			bs = append(bs, fromResult(Failed, r))
		case testingOnly(r):
			bs = append(bs, testingBlocker(r))
		case r.ID == idNonProduction && blocks(r):
			bs = append(bs, fromResult(NonProduction, r))
		case blocks(r):
			bs = append(bs, warningBlockers(r)...)
		case r.Unfinished():
			unfinished++
		case r.ID == checks.IDAssertion && r.Status == model.Skip && !r.SkippedForTheJWKS():
			// The JWKS alone does not prove the application's key is the one it publishes: a
			// mismatch is the commonest "JWT is not valid" at go-live, and only signing with
			// the key (or its KMS/HSM, --sign-cmd) and verifying against the JWKS shows it.
			bs = append(bs, Blocker{Kind: Unverified, ID: r.ID, Target: r.Target,
				Message: "no client assertion was signed with your key and verified against the published JWKS (" + r.ID + " skipped)",
				Fix:     "run `cis2-golive check --config FILE --key private.pem` (or --sign-cmd for a key in a KMS or HSM); the key is only read locally"})
		}
	}
	switch {
	case live == NotRun:
		bs = append(bs, Blocker{Kind: Unverified, ID: IDLiveChecks,
			Message: "the live checks did not run: nothing has tested the endpoints",
			Fix:     "run them: `cis2-golive check --config FILE --format json > results.json` (without --offline), and pass --checks results.json"})
	case live == Running:
		bs = append(bs, Blocker{Kind: Unverified, ID: IDLiveChecks,
			Message: "the live checks have not finished", Fix: "wait for them to finish"})
	case unfinished > 0:
		bs = append(bs, Blocker{Kind: Unverified, ID: IDLiveChecks,
			Message: report.Plural(unfinished, "live check", "live checks") + " did not finish (interrupted, or out of time)",
			Fix:     "run the live checks again to the end"})
	}
	if gaps := Unchecked(cfg, results); live == Done && len(gaps) > 0 {
		bs = append(bs, Blocker{Kind: Unverified, ID: IDLiveChecks,
			Message: "the check results are not of this configuration: " + report.SomeOf(gaps, 3, "; "),
			Fix:     "run the live checks again on this configuration"})
	}
	return bs
}

// Unchecked lists what of cfg the results do not vouch for: results of an earlier version of
// the configuration (a redirect URI added since, an algorithm changed) or of another one, or
// a results file edited down, tested other endpoints than those NHS would deploy. It is
// checks.Unchecked (a value or endpoint no result is about) and StaleEvidence (a value the
// results recorded differently). Nil for cfg nil: only a results file is known.
func Unchecked(cfg *model.Config, results []checks.Result) []string {
	if cfg == nil {
		return nil
	}
	gaps := StaleEvidence(cfg, results)
	for _, g := range checks.Unchecked(cfg, results) {
		field, _, _ := strings.Cut(g, ":")
		if !slices.ContainsFunc(gaps, func(s string) bool { return strings.HasPrefix(s, field+":") }) {
			gaps = append(gaps, g) // one line a field
		}
	}
	return gaps
}

// testingOnly reports whether r, on a URI CIS2 calls, passed only because the run allowed
// what CIS2 never does (a private address, a chain to a private CA): --allow-private, or a
// sandbox result read from a file. CIS2 calls those URIs from the public internet, so such a
// pass is a test's, never evidence of being ready. Only the sandbox of this very process is
// exempt (checks.Result.Sandboxed): the demo, whose endpoints are loopback by construction.
func testingOnly(r checks.Result) bool {
	return r.AllowedBy() != "" && checks.CalledByCIS2(r.Target) && !r.Sandboxed()
}

// whyNotReachable is, by check, what CIS2 cannot do that the allowance let pass.
var whyNotReachable = map[string]string{
	checks.IDResolve: "CIS2 calls this URI from the public internet and cannot reach a private address",
	checks.IDTLS:     "CIS2 calls this URI and trusts only public root CAs, not the custom CA",
}

func testingBlocker(r checks.Result) Blocker {
	by := r.AllowedBy()
	why, ok := whyNotReachable[r.ID]
	if !ok {
		why = "CIS2 calls this URI from the public internet"
	}
	fix := "run the checks without --allow-private from a host that sees your public DNS"
	if r.ID == checks.IDTLS {
		fix = "serve a certificate from a public CA, then " + fix
	}
	if by != checks.AllowedByFlag {
		by = "the sandbox (a results file cannot vouch for it)"
		fix = "run the checks on your own configuration, " + strings.TrimPrefix(fix, "run the checks ")
	}
	return Blocker{Kind: Failed, ID: r.ID, Target: r.Target, AllowedBy: r.AllowedBy(),
		Message: fmt.Sprintf("%s passed only because of %s: %s", r.ID, by, why), Fix: fix}
}

// Sandboxed reports whether results are the sandbox's, run in this process (the demo): its
// verdict is ready only as a sandbox ("ready (sandbox)"), never for a real configuration.
func Sandboxed(results []checks.Result) bool {
	return slices.ContainsFunc(results, checks.Result.Sandboxed)
}

func fromResult(k Kind, r checks.Result) Blocker {
	return Blocker{Kind: k, ID: r.ID, Target: r.Target, Message: r.Message, Fix: r.Fix}
}

// warningBlockers are r's blocking warnings, one blocker each, saying why each blocks.
func warningBlockers(r checks.Result) []Blocker {
	ids, ps := blockingWarnings(r)
	fix := cmp.Or(r.Fix, fixUnclassified)
	out := make([]Blocker, len(ids))
	for i, id := range ids {
		out[i] = Blocker{Kind: Warning, ID: r.ID, Rule: ruleOf(id), Target: r.Target,
			Message: id + " blocks sending: " + ps[i].Reason, Fix: fix}
	}
	return out
}

// Reason is the blockers of one sort, in a sentence: short for a list ("2 checks failed"),
// why for a question ("NHS would deploy a configuration that does not work").
type Reason struct {
	Kind       Kind
	Short, Why string
}

// Reasons sums blockers up, one reason per sort, worst first: the environment, passes that
// only a testing allowance made, failures, non-production hosts, blocking warnings, then
// unverified endpoints.
func Reasons(bs []Blocker) []Reason {
	var out []Reason
	count := func(f func(Blocker) bool) (n int, first Blocker) {
		for _, b := range bs {
			if f(b) {
				if n == 0 {
					first = b
				}
				n++
			}
		}
		return n, first
	}
	if n, b := count(func(b Blocker) bool { return b.ID == IDEnvironment }); n > 0 {
		out = append(out, Reason{Failed, b.Message, "NHS would deploy settings meant for another environment"})
	}
	if n, b := count(func(b Blocker) bool { return b.AllowedBy != "" }); n > 0 {
		// The fix goes in the short form too: every result reads "pass", so the reason is
		// the one place a report says what to do.
		short := report.Plural(n, "check", "checks") + " passed only because of " + checks.AllowedByFlag +
			" (CIS2 cannot reach a private address or trust a private CA: run the checks without " +
			checks.AllowedByFlag + " from a host that sees your public DNS)"
		if b.AllowedBy != checks.AllowedByFlag {
			short = report.Plural(n, "check", "checks") + " passed only because of the sandbox" +
				" (a results file cannot vouch for it: run the checks on your own configuration)"
		}
		out = append(out, Reason{Failed, short, "NHS would deploy endpoints that CIS2, on the public internet, cannot use"})
	}
	if n, _ := count(func(b Blocker) bool { return b.Kind == Failed && b.ID != IDEnvironment && b.AllowedBy == "" }); n > 0 {
		out = append(out, Reason{Failed, report.Plural(n, "check failed", "checks failed"), "NHS would deploy a configuration that does not work"})
	}
	if n, b := count(func(b Blocker) bool { return b.Kind == NonProduction }); n > 0 {
		short := b.String()
		if n > 1 {
			short = report.Plural(n, "value is", "values are") + " still on non-production hosts"
		}
		out = append(out, Reason{NonProduction, short, "CIS2 production would send your users' sign-ins, logouts or key fetches to a service that is not production"})
	}
	if n, _ := count(func(b Blocker) bool { return b.Kind == Warning }); n > 0 {
		var names []string
		for _, b := range bs {
			if b.Kind == Warning {
				names = append(names, report.WarningName(b.ID, b.Rule, b.Target))
			}
		}
		short := "a warning blocks sending: " + names[0]
		if n > 1 {
			short = report.Plural(n, "warning blocks", "warnings block") + " sending: " + report.SomeOf(names, 3, ", ")
		}
		out = append(out, Reason{Warning, short, "CIS2 would very likely refuse the configuration, or NHS would deploy a setting that does not work"})
	}
	if n, b := count(func(b Blocker) bool { return b.Kind == Unverified }); n > 0 {
		short, _, _ := strings.Cut(b.Message, ":")
		out = append(out, Reason{Unverified, short, "nothing has tested your endpoints as they are configured"})
	}
	return out
}

// Shorts lists the reasons' short forms.
func Shorts(rs []Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Short
	}
	return out
}

// Verdict is the verdict in report's shape, with its reasons in short: what a check or a
// watch report ends with, and the wizards' verdict line (report.VerdictLine).
func Verdict(cfg, intCfg *model.Config, results []checks.Result, live Live) (report.Verdict, []string) {
	bs := Blockers(cfg, intCfg, results, live)
	return report.Verdict{Live: live == Done, Blockers: Rendered(bs), Sandbox: Sandboxed(results),
		Warnings: ToReview(cfg, intCfg, results)}, Shorts(Reasons(bs))
}

// ToReview are the warnings that do not block (Advisory), in report's shape: a configuration
// may be ready with them, and the verdict says how many remain ("with 2 warnings to review").
func ToReview(cfg, intCfg *model.Config, results []checks.Result) []report.Warning {
	var out []report.Warning
	for _, r := range Evidence(cfg, intCfg, nil, results) {
		if !advisory(r) || testingOnly(r) {
			continue
		}
		for _, id := range WarningIDs(r) {
			out = append(out, report.Warning{ID: r.ID, Rule: ruleOf(id), Target: r.Target, Message: r.Message})
		}
	}
	return out
}

// Rendered is the blockers in report's shape, for a submission or a check report.
func Rendered(bs []Blocker) []report.Blocker {
	out := make([]report.Blocker, len(bs))
	for i, b := range bs {
		out[i] = report.Blocker{Kind: string(b.Kind), ID: b.ID, Rule: b.Rule, Target: b.Target, Message: b.Message, Fix: b.Fix}
	}
	return out
}

// ChecklistEvidence is the verdict for the checklist item the tool ticks itself: done only
// when nothing blocks sending. It says what was seen and, when not done, why.
func ChecklistEvidence(cfg, intCfg *model.Config, results []checks.Result, live Live) report.Evidence {
	if cfg == nil && len(results) == 0 {
		return report.Evidence{Text: "no check results: run `cis2-golive check --config FILE --format json > results.json`"}
	}
	bs := Blockers(cfg, intCfg, results, live)
	text := report.SummaryLine(checks.Summarise(Evidence(cfg, intCfg, nil, results)))
	switch {
	case len(bs) > 0:
		text += "; not ready: " + strings.Join(Shorts(Reasons(bs)), "; ")
	case Sandboxed(results):
		text += "; ready in the sandbox (the demo's endpoints, on this machine)"
	}
	return report.Evidence{Done: len(bs) == 0, Text: text}
}
