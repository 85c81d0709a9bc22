package golive

import (
	"fmt"
	"strings"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// SecretInResults is model.FindSecret for check results, which are copied into the
// submission: it names the result, never the value. Nothing overrides it.
func SecretInResults(rs []checks.Result) error {
	for _, r := range rs {
		vals := []string{r.ID, r.Target, r.Message, r.Fix}
		for _, v := range r.Evidence {
			vals = append(vals, v)
		}
		for _, v := range vals {
			if what := model.SecretIn(v); what != "" {
				return fmt.Errorf("check result %s (%s) holds what looks like %s; re-run `check` rather than editing its output", report.Clean(r.ID), report.Clean(r.Target), what)
			}
		}
	}
	return nil
}

// StaleEvidence lists offline results in a results file whose recorded value no longer matches
// the configuration: the file was produced from another version of it, so its live results
// are about other endpoints.
func StaleEvidence(cfg *model.Config, rs []checks.Result) []string {
	current := map[string]string{}
	for _, fv := range cfg.Values() {
		current[fv.Field] = fv.Value
	}
	var stale []string
	for _, r := range rs {
		v, ok := r.Evidence["value"]
		want, known := current[r.Target]
		if !ok || !isOffline(r) {
			continue
		}
		if !known && strings.HasPrefix(r.Target, "redirect_uris[") {
			stale = append(stale, fmt.Sprintf("%s: results have %q, the configuration has no such redirect URI", report.Clean(r.Target), report.Clean(v)))
			continue
		}
		if !known {
			continue
		}
		if v != want {
			stale = append(stale, fmt.Sprintf("%s: results have %q, the configuration has %q", report.Clean(r.Target), report.Clean(v), report.Clean(want)))
		}
	}
	return stale
}
