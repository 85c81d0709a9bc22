package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/report"
)

// TestExitSummary: what the terminal keeps after the wizard, for a configuration that is
// ready, one written anyway, and one with a key made on the way; each fits 80 columns.
func TestExitSummary(t *testing.T) {
	cfg := filled()
	written := []string{"out/" + report.SubmissionJSONFile, "out/" + report.SubmissionMarkdownFile, "out/" + ChecklistFile, "out/" + ConfigFile}
	submitted := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	for name, res := range map[string]*Result{
		"ready": {Config: *cfg, Written: written,
			Checklist: report.NewChecklist(cfg, report.Evidence{}, map[string]bool{report.ItemConnectionAgreement: true}, time.Time{})},
		"submitted": {Config: *cfg, Written: written,
			Checklist: report.NewChecklist(cfg, report.Evidence{}, nil, submitted)},
		"written-anyway": {Config: *cfg, Written: written, Unresolved: []string{"2 checks failed"},
			Checklist: report.NewChecklist(cfg, report.Evidence{}, nil, time.Time{}),
			KeyFiles:  &keys.Files{KeyPath: "out/keys/private-key-AbCd.pem", JWKSPath: "out/keys/jwks.json"}},
		"not-written": {Config: *cfg, Unresolved: []string{"the live checks did not run"}},
		// With --from-int the command to see the findings again compares with INT too.
		"from-int": {Config: *cfg, Written: written, Unresolved: []string{"1 check failed"}, INTPath: "int export.json",
			Checklist: report.NewChecklist(cfg, report.Evidence{}, nil, time.Time{})},
	} {
		t.Run(name, func(t *testing.T) {
			got := res.Summary(fixedNow())
			for _, l := range strings.Split(got, "\n") {
				if w := len([]rune(l)); w > 80 {
					t.Errorf("line of %d columns: %q", w, l)
				}
			}
			if want := "cis2-golive check --config out/cis2-golive.yaml --int 'int export.json'"; res.INTPath != "" && !strings.Contains(got, want) {
				t.Errorf("the next step lacks %q:\n%s", want, got)
			}
			golden.RequireEqual(t, []byte(got))
		})
	}
}
