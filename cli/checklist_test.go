package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChecklistCommand(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "go-live.md")

	code, _, stderr := execReport(t, "checklist", "--config", "../examples/production.yaml", "--submitted", "2026-03-02",
		"--done", "assurance.complete,connection-agreement.signed", "-o", md)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(md)
	// The offline rules alone cannot tick "checks passed" (QA D10).
	for _, want := range []string{"- [x] Assurance complete", "- [ ] Production configuration passes cis2-golive checks",
		"7 passed · 0 warnings · 0 failed · 0 skipped; not ready: the live checks did not run",
		"- [x] Production configuration submitted to NHS England on 2026-03-02", "not before 2026-03-16", "- [ ] Handover"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("checklist lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "\x1b") {
		t.Errorf("file holds escape sequences")
	}

	if code, _, stderr := execReport(t, "checklist", "-o", md); code != ExitUsage || !strings.Contains(stderr, "--force") {
		t.Errorf("overwrite without --force: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := execReport(t, "checklist", "-o", md, "--force"); code != ExitOK {
		t.Errorf("--force: exit %d: %s", code, stderr)
	}
	if after, _ := os.ReadFile(md); strings.Contains(string(after), "- [x]") {
		t.Errorf("--force did not replace the file:\n%s", after)
	}

	js := filepath.Join(dir, "go-live.json")
	if code, _, stderr := execReport(t, "checklist", "--checks", "testdata/failing-results.json", "-o", js); code != ExitOK {
		t.Fatalf("json: exit %d: %s", code, stderr)
	}
	var got struct {
		Items []struct {
			ID       string `json:"id"`
			Done     bool   `json:"done"`
			Evidence string `json:"evidence"`
		} `json:"items"`
	}
	data, _ = os.ReadFile(js)
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf(".json output is not JSON: %v\n%s", err, data)
	}
	for _, it := range got.Items {
		if it.ID == "config.checks-passed" && (it.Done || !strings.Contains(it.Evidence, "1 failed")) {
			t.Errorf("failing results must leave the item unticked: %+v", it)
		}
	}
}

// With live results that passed, the item is ticked; the text form fits 80 columns.
func TestChecklistTickedFromLiveResults(t *testing.T) {
	results := passingResults(t, t.TempDir(), "../examples/production.yaml")
	code, out, stderr := execReport(t, "checklist", "--config", "../examples/production.yaml", "--checks", results, "--format", "text")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The offline rules run afresh on --config: 7 of them, and the 22 live checks.
	if !strings.Contains(out, "[x] Production configuration passes cis2-golive checks") || !strings.Contains(out, "evidence: 29 passed · 0 warnings") {
		t.Errorf("live results that passed must tick the item:\n%s", out)
	}
	assertFits80(t, "checklist --format text", out)
}

func TestChecklistUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"checklist", "--submitted", "02/03/2026"},
		{"checklist", "--done", "nope"},
		{"checklist", "--done", "config.checks-passed"},
		{"checklist", "--checks", "does-not-exist.json"},
		{"checklist", "--checks", "../examples/production.yaml"},
		{"checklist", "--format", "html"},
	} {
		if code, _, stderr := execReport(t, args...); code != ExitUsage || !strings.Contains(stderr, "Error:") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with an error", args, code, stderr)
		}
	}
}
