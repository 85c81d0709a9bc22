package report

import (
	"fmt"
	"strings"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// FindSecretInResults is model.FindSecret for a results file, which is copied into the
// submission.
func FindSecretInResults(rs []checks.Result) error {
	for _, r := range rs {
		vals := []string{r.ID, r.Target, r.Message, r.Fix}
		for _, v := range r.Evidence {
			vals = append(vals, v)
		}
		for _, v := range vals {
			if what := model.SecretIn(v); what != "" {
				return fmt.Errorf("check result %s (%s) holds what looks like %s; re-run `check` rather than editing its output", Clean(r.ID), Clean(r.Target), what)
			}
		}
	}
	return nil
}

// StaleEvidence lists offline results in a results file whose recorded value no longer matches
// the configuration: the file was produced from another version of it.
func StaleEvidence(cfg *model.Config, rs []checks.Result) []string {
	current := map[string]string{}
	for _, fv := range cfg.Values() {
		current[fv.Field] = fv.Value
	}
	var stale []string
	for _, r := range rs {
		v, ok := r.Evidence["value"]
		want, known := current[r.Target]
		if !ok || !strings.HasPrefix(r.ID, "config.") {
			continue
		}
		if !known && strings.HasPrefix(r.Target, "redirect_uris[") {
			stale = append(stale, fmt.Sprintf("%s: results have %q, the configuration has no such redirect URI", Clean(r.Target), Clean(v)))
			continue
		}
		if !known {
			continue
		}
		if v != want {
			stale = append(stale, fmt.Sprintf("%s: results have %q, the configuration has %q", Clean(r.Target), Clean(v), Clean(want)))
		}
	}
	return stale
}
