package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// maxCheckFile bounds a results file: a full run is a few kilobytes.
const maxCheckFile = 4 << 20

// ReadCheckReport reads the output of `check --format json`. The file is bounded in size and
// must hold a results list; its text is cleaned when rendered, not here.
func ReadCheckReport(path string) (CheckReport, error) {
	var rep CheckReport
	f, err := os.Open(path)
	if err != nil {
		return rep, fmt.Errorf("read check results %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCheckFile+1))
	if err != nil {
		return rep, fmt.Errorf("read check results %s: %w", path, err)
	}
	if len(data) > maxCheckFile {
		return rep, fmt.Errorf("read check results %s: larger than 4 MiB; pass the output of `check --format json`", path)
	}
	var probe struct {
		Results *[]checks.Result `json:"results"`
	}
	if err := json.Unmarshal(data, &probe); err != nil || probe.Results == nil {
		return rep, fmt.Errorf("read check results %s: not the output of `cis2-golive check --format json` (want an object with \"results\")", path)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return rep, fmt.Errorf("read check results %s: %w", path, err)
	}
	// A check's status is its worst rule's, so a rule worse than its result is a file edited
	// by hand (the status changed, its rules not): the verdict reads the status, and would
	// call ready what the rules say failed.
	rank := map[model.Severity]int{model.Warn: 1, model.Fail: 2}
	for i, r := range rep.Results {
		if !knownStatus(r.Status) {
			// An unknown status would be copied into the submission as is, and not counted.
			return rep, fmt.Errorf("read check results %s: result %d has status %q; want pass, warn, fail or skip",
				path, i, Clean(string(r.Status)))
		}
		for _, rl := range r.Rules {
			switch {
			case !knownStatus(rl.Status):
				return rep, fmt.Errorf("read check results %s: result %d's rule %s has status %q; want pass, warn, fail or skip",
					path, i, Clean(rl.ID), Clean(string(rl.Status)))
			case rank[rl.Status] > rank[r.Status]:
				return rep, fmt.Errorf("read check results %s: result %d (%s on %s) has status %q but its rule %s %q: re-run `cis2-golive check` rather than editing its output",
					path, i, Clean(r.ID), Clean(r.Target), r.Status, Clean(rl.ID), rl.Status)
			}
		}
	}
	// Recount rather than trust the file's summary.
	rep.Summary = checks.Summarise(rep.Results)
	return rep, nil
}

func knownStatus(s model.Severity) bool {
	switch s {
	case model.Pass, model.Warn, model.Fail, model.Skip:
		return true
	}
	return false
}
