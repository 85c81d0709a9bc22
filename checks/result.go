// Package checks verifies a relying party configuration: offline format rules and live checks
// against the endpoints it names. Each check is a small unit returning a Result; a runner
// executes them concurrently under timeouts. It has no terminal or UI imports.
package checks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cis2-golive/cis2-golive/model"
)

// Result is what one check observed about one target. Evidence records what was seen (status
// code, certificate expiry, kids…) and never a secret.
type Result struct {
	ID       string            `json:"id"`
	Target   string            `json:"target"`
	Status   model.Severity    `json:"status"`
	Message  string            `json:"message"`
	Fix      string            `json:"fix"`
	Evidence map[string]string `json:"evidence,omitempty"`
	// Rules are the rules a check applied that found something, for a check that reports
	// several in one line (jwks.lint's key problems, uri.tls's observations): each rule's
	// own status, so that a reader (golive's verdict, a CI script) can tell which rule warned
	// without parsing Message. Empty for a check with one meaning per status.
	Rules []Rule `json:"rules,omitempty"`
	// sandboxed is set, in this process only, on a result that passed because the run's
	// resolver is the sandbox's (see SandboxResolver): loopback by construction. It is not
	// part of the JSON, so a results file can never claim it.
	sandboxed bool
}

// Rule is one rule of a result that reports several (Result.Rules): its stable id (a keys
// rule such as keys.RuleKIDMissing, or one of the check's Rule constants), what it found, and
// what it is about when the result covers several things (a key's kid or key[i], a field).
type Rule struct {
	ID      string         `json:"id"`
	Status  model.Severity `json:"status"`
	Subject string         `json:"subject,omitempty"`
}

// Warned lists the ids of r's rules that warned, in order, each once.
func (r Result) Warned() []string {
	var out []string
	for _, rl := range r.Rules {
		if rl.Status == model.Warn && !slices.Contains(out, rl.ID) {
			out = append(out, rl.ID)
		}
	}
	return out
}

// AllowedBy is the testing allowance a result passed only because of (Evidence
// EvidenceAllowedBy: AllowedByFlag or AllowedBySandbox), "" for none.
func (r Result) AllowedBy() string { return r.Evidence[EvidenceAllowedBy] }

// Sandboxed reports whether r passed because of the sandbox of this very process (the demo),
// rather than a testing flag or a results file: only then may it count towards a verdict.
func (r Result) Sandboxed() bool { return r.sandboxed && r.AllowedBy() == AllowedBySandbox }

// Summary counts results by status.
type Summary struct {
	Pass int `json:"pass"`
	Warn int `json:"warn"`
	Fail int `json:"fail"`
	Skip int `json:"skip"`
}

// Summarise counts the results by status.
func Summarise(rs []Result) Summary {
	var s Summary
	for _, r := range rs {
		switch r.Status {
		case model.Pass:
			s.Pass++
		case model.Warn:
			s.Warn++
		case model.Fail:
			s.Fail++
		case model.Skip:
			s.Skip++
		}
	}
	return s
}

// Failed reports whether any result failed.
func (s Summary) Failed() bool { return s.Fail > 0 }

// Offline turns the model's offline rules into results: one per finding, and a pass for each
// configured field that has none, so a report shows what was checked and not only what failed.
func Offline(c *model.Config, notes []model.Finding) []Result {
	return OfflineAgainstINT(c, nil, notes)
}

// OfflineAgainstINT is Offline with the INT configuration production replicates (nil for
// none): a production URI on a host INT uses fails (model.ValidateAgainstINT).
func OfflineAgainstINT(c, in *model.Config, notes []model.Finding) []Result {
	findings := append(append([]model.Finding(nil), notes...), model.ValidateAgainstINT(c, in)...)
	flagged := map[string]bool{}
	var rs []Result
	for _, f := range findings {
		flagged[f.Field] = true
		r := Result{ID: "config." + f.Rule, Target: f.Field, Status: f.Severity, Message: f.Message, Fix: f.Fix}
		if f.Value != "" {
			r.Evidence = map[string]string{"value": f.Value}
		}
		rs = append(rs, r)
	}
	for _, fv := range configuredFields(c) {
		if !flagged[fv.field] {
			rs = append(rs, Result{ID: "config." + fv.id, Target: fv.field, Status: model.Pass,
				Message: "well-formed", Evidence: map[string]string{"value": fv.value}})
		}
	}
	slices.SortStableFunc(rs, func(a, b Result) int { return fieldRank(a.Target) - fieldRank(b.Target) })
	return rs
}

// fieldRank orders results as the fields appear in the file, redirect URIs by index.
func fieldRank(target string) int {
	name, idx, _ := strings.Cut(strings.TrimSuffix(target, "]"), "[")
	rank := slices.Index(model.Fields, name)
	if rank < 0 {
		rank = -1 // load notes and unknown fields first
	}
	n, _ := strconv.Atoi(idx)
	return rank*10000 + n
}

type fieldValue struct{ id, field, value string }

// configuredFields are the values the checks judge, each recorded by its offline result
// (Evidence "value") so that results of another version of the configuration show as such:
// the URIs and algorithms, and the environment and client id the live checks ran with (CIS2's
// endpoints, issuer and lists; the client id the login probe compared, the assertion and the
// token probe signed as).
func configuredFields(c *model.Config) []fieldValue {
	var fvs []fieldValue
	add := func(id, v string) {
		if v != "" {
			fvs = append(fvs, fieldValue{id, id, v})
		}
	}
	add("environment", string(c.Environment))
	add("client_id", c.ClientID)
	for i, u := range c.RedirectURIs {
		fvs = append(fvs, fieldValue{"redirect_uris", fmt.Sprintf("redirect_uris[%d]", i), u})
	}
	add("backchannel_logout_uri", c.BackchannelLogoutURI)
	add("token_endpoint_auth_method", string(c.TokenEndpointAuthMethod))
	add("jwks_uri", c.JWKSURI)
	add("token_endpoint_auth_signing_alg", c.TokenEndpointAuthSigningAlg)
	add("userinfo_signed_response_alg", c.UserinfoSignedResponseAlg)
	add("login_url", c.LoginURL)
	return fvs
}

// A check that Run ended before it finished records why in Evidence[EvidenceUnfinished]. It
// is a skip either way: nothing was verified, and nothing was found wrong.
const (
	EvidenceUnfinished = "unfinished"
	// UnfinishedCancelled: the run was interrupted (Ctrl+C, a closed wizard).
	UnfinishedCancelled = "cancelled"
	// UnfinishedTimeLimit: the whole run's time limit (Options.SuiteTimeout) came first.
	UnfinishedTimeLimit = "time-limit"
)

// Unfinished reports whether a result stands for a check that Run ended before it finished
// (interrupted, or out of the suite's time): its endpoint has not been tested.
func (r Result) Unfinished() bool {
	return r.Status == model.Skip && (r.Evidence[EvidenceUnfinished] != "" || r.Message == "cancelled" ||
		strings.HasPrefix(r.Message, "not started") || strings.HasPrefix(r.Message, "not finished"))
}

// OutOfTime reports whether the run's time limit cut r short: unverified, not failed, yet
// `check` still exits 1 for it, since the run did not do what it was asked.
func (r Result) OutOfTime() bool {
	return r.Unfinished() && r.Evidence[EvidenceUnfinished] == UnfinishedTimeLimit
}
