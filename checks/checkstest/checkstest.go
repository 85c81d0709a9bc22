// Package checkstest holds check results for tests of the packages above checks: what a run
// of `check` returns, without contacting anything.
package checkstest

import (
	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// PassingRun is what `check` returns for cfg when every live check passes: the offline rules
// on cfg, then one result per check checks.Plan lists (nothing is contacted), each on a
// configured URI recording it as the URL checked.
func PassingRun(cfg *model.Config) []checks.Result {
	return append(checks.Offline(cfg, nil), PassingLive(cfg)...)
}

// PassingLive is PassingRun's live results alone.
func PassingLive(cfg *model.Config) []checks.Result {
	urls := map[string]string{}
	for _, fv := range cfg.Values() {
		urls[fv.Field] = fv.Value
	}
	var rs []checks.Result
	for _, c := range checks.Plan(cfg, checks.Options{}) {
		r := checks.Result{ID: c.ID, Target: c.Target, Status: model.Pass, Message: "passed"}
		if u := urls[c.Target]; u != "" {
			r.Evidence = map[string]string{"url": u}
		}
		rs = append(rs, r)
	}
	return rs
}
