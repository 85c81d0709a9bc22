package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

var submittedDate = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func item(t *testing.T, c Checklist, id string) ChecklistItem {
	t.Helper()
	for _, it := range c.Items {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("no item %q", id)
	return ChecklistItem{}
}

// The verdicts golive gives for the tool's own item; report only renders them.
var (
	checkedEvidence   = Evidence{Done: true, Text: "7 passed · 0 warnings · 0 failed · 0 skipped"}
	uncheckedEvidence = Evidence{Text: "6 passed · 0 warnings · 0 failed · 0 skipped; not ready: the live checks did not run"}
)

func TestChecklistGolden(t *testing.T) {
	cl := NewChecklist(exampleConfig(t), uncheckedEvidence, map[string]bool{ItemAssurance: true, ItemConnectionAgreement: true}, submittedDate)
	for _, f := range []struct {
		format Format
		file   string
	}{{Markdown, "checklist.md.golden"}, {JSON, "checklist.json.golden"}} {
		var buf bytes.Buffer
		if err := WriteChecklist(&buf, f.format, cl); err != nil {
			t.Fatal(err)
		}
		golden(t, f.file, buf.Bytes())
	}
}

func TestChecklistEarliestGoLiveIsSubmittedPlusTwoWeeks(t *testing.T) {
	cl := NewChecklist(nil, Evidence{}, nil, submittedDate)
	if got := cl.EarliestGoLive.Format(DateLayout); got != "2026-03-16" {
		t.Errorf("EarliestGoLive = %s, want 2026-03-16", got)
	}
	if it := item(t, cl, ItemConfigSubmitted); !it.Done || !strings.Contains(it.Text, "2026-03-02") {
		t.Errorf("submitted item = %+v, want done with the date", it)
	}
	if it := item(t, cl, ItemConfigDeployed); it.Done || !strings.Contains(it.Text, "not before 2026-03-16") {
		t.Errorf("deployed item = %+v, want not done with the earliest date", it)
	}
	none := NewChecklist(nil, Evidence{}, nil, time.Time{})
	if !none.EarliestGoLive.IsZero() || item(t, none, ItemConfigSubmitted).Done {
		t.Errorf("no submission date: want no earliest date and submitted not done, got %+v", none)
	}
}

// TestChecklistEvidenceIsRendered: the tool's item shows golive's verdict as given, and a
// person's tick cannot change it.
func TestChecklistEvidenceIsRendered(t *testing.T) {
	for _, ev := range []Evidence{checkedEvidence, uncheckedEvidence} {
		it := item(t, NewChecklist(nil, ev, map[string]bool{ItemConfigChecked: true}, time.Time{}), ItemConfigChecked)
		if it.Done != ev.Done || !it.FromEvidence || it.Evidence != ev.Text {
			t.Errorf("got %+v, want done=%v evidence %q", it, ev.Done, ev.Text)
		}
	}
}

func TestChecklistTicksAndStableIDs(t *testing.T) {
	ticks := map[string]bool{}
	for _, id := range ChecklistIDs() {
		ticks[id] = true
	}
	ticks["not-an-item"] = true
	cl := NewChecklist(exampleConfig(t), checkedEvidence, ticks, time.Time{})
	for _, it := range cl.Items {
		if !it.Done {
			t.Errorf("%s not done with every id ticked and a passing config", it.ID)
		}
		if it.ID == "" || it.Section == "" || it.Text == "" || !strings.Contains(it.Why, "https://") {
			t.Errorf("item %+v lacks id, section, text or a why link", it)
		}
	}
	want := []string{ItemAssurance, ItemConformance, ItemConnectionAgreement, ItemConfigChecked, ItemConfigSubmitted,
		ItemConfigDeployed, ItemEndUserOrgs, ItemHandover, ItemReleaseNotes, ItemResubmitConformance, ItemWatch}
	if got := ChecklistIDs(); !slices.Equal(got, want) {
		t.Errorf("ChecklistIDs() = %v, want %v", got, want)
	}
	var buf bytes.Buffer
	if err := WriteChecklist(&buf, Markdown, cl); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "- [x] "); n != len(want) {
		t.Errorf("markdown has %d ticked boxes, want %d:\n%s", n, len(want), buf.String())
	}
}

func TestChecklistText(t *testing.T) {
	for _, tc := range []struct {
		name     string
		evidence Evidence
		want     []string
	}{
		{"live results", checkedEvidence, []string{"2 of 11 done · submitted 2026-03-02 · earliest go-live 2026-03-16",
			"[x] Production configuration passes cis2-golive checks (nothing blocks sending\n    it) config.checks-passed\n    evidence: 7 passed · 0 warnings",
			"[ ] Connection Agreement signed connection-agreement.signed"}},
		{"offline rules only", uncheckedEvidence, []string{"1 of 11 done",
			"[ ] Production configuration passes cis2-golive checks (nothing blocks sending\n    it) config.checks-passed\n",
			"    evidence: 6 passed · 0 warnings · 0 failed · 0 skipped; not ready: the live\n              checks did not run"}},
	} {
		var buf bytes.Buffer
		if err := WriteChecklist(&buf, Text, NewChecklist(exampleConfig(t), tc.evidence, nil, submittedDate)); err != nil {
			t.Fatal(err)
		}
		got := ansi.Strip(buf.String())
		for _, want := range tc.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s: text output lacks %q:\n%s", tc.name, want, got)
			}
		}
		for _, line := range strings.Split(got, "\n") {
			if w := ansi.StringWidth(line); w > TextWidth {
				t.Errorf("%s: line of %d columns: %q", tc.name, w, line)
			}
			if strings.HasSuffix(line, " ") {
				t.Errorf("%s: trailing space: %q", tc.name, line)
			}
		}
	}
}

func TestChecklistJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteChecklist(&buf, JSON, NewChecklist(nil, Evidence{}, nil, time.Time{})); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["submitted"]; ok {
		t.Errorf("unknown submission date must be omitted: %s", buf.String())
	}
	if got["total"].(float64) != 11 || got["done"].(float64) != 0 {
		t.Errorf("done/total = %v/%v", got["done"], got["total"])
	}
}
