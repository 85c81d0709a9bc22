package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
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

// withLive is the offline rules on cfg plus one passing live check, as `check` would give.
func withLive(cfg *model.Config) []checks.Result {
	return append(checks.Offline(cfg, nil), checks.Result{ID: "jwks.public-only", Target: "jwks_uri", Status: model.Pass})
}

func TestChecklistGolden(t *testing.T) {
	cl := NewChecklist(exampleConfig(t), nil, map[string]bool{ItemAssurance: true, ItemConnectionAgreement: true}, submittedDate)
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
	cl := NewChecklist(nil, nil, nil, submittedDate)
	if got := cl.EarliestGoLive.Format(DateLayout); got != "2026-03-16" {
		t.Errorf("EarliestGoLive = %s, want 2026-03-16", got)
	}
	if it := item(t, cl, ItemConfigSubmitted); !it.Done || !strings.Contains(it.Text, "2026-03-02") {
		t.Errorf("submitted item = %+v, want done with the date", it)
	}
	if it := item(t, cl, ItemConfigDeployed); it.Done || !strings.Contains(it.Text, "not before 2026-03-16") {
		t.Errorf("deployed item = %+v, want not done with the earliest date", it)
	}
	none := NewChecklist(nil, nil, nil, time.Time{})
	if !none.EarliestGoLive.IsZero() || item(t, none, ItemConfigSubmitted).Done {
		t.Errorf("no submission date: want no earliest date and submitted not done, got %+v", none)
	}
}

func TestChecklistEvidence(t *testing.T) {
	fail := []checks.Result{{ID: "config.uri.scheme", Target: "jwks_uri", Status: model.Fail}}
	pass := []checks.Result{{ID: "config.jwks_uri", Target: "jwks_uri", Status: model.Pass}, {ID: "x", Status: model.Warn}}
	offlineOnly := []checks.Result{{ID: "config.jwks_uri", Target: "jwks_uri", Status: model.Pass}, {ID: "config.uri.query", Status: model.Warn}}
	liveFail := append(slices.Clone(offlineOnly), checks.Result{ID: "bcl.rejects-bogus-token", Status: model.Fail})
	intCfg := &model.Config{Environment: model.Integration}
	tests := []struct {
		name    string
		cfg     *model.Config
		results []checks.Result
		ticks   map[string]bool
		want    bool
		evid    string
	}{
		{"no evidence", nil, nil, nil, false, "no check results"},
		{"a person cannot tick it", nil, nil, map[string]bool{ItemConfigChecked: true}, false, "no check results"},
		{"passing results", nil, pass, nil, true, "1 passed · 1 warning · 0 failed"},
		{"offline rules only, passing", nil, offlineOnly, nil, false, "1 passed · 1 warning · 0 failed · 0 skipped; " + OfflineOnlyEvidence},
		{"offline config, no results file", exampleConfig(t), nil, nil, false, "6 passed · 0 warnings · 0 failed · 0 skipped; only the offline rules ran"},
		{"offline config with live results", exampleConfig(t), withLive(exampleConfig(t)), nil, true, "7 passed"},
		{"a live check failed", nil, liveFail, nil, false, "1 failed"},
		{"failing results", nil, fail, map[string]bool{ItemConfigChecked: true}, false, "1 failed"},
		{"offline rules run on the config", &model.Config{Environment: model.Production, RedirectURIs: []string{"http://localhost/cb"}}, nil, nil, false, "failed"},
		{"integration config never counts", intCfg, pass, nil, false, "not production"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := item(t, NewChecklist(tt.cfg, tt.results, tt.ticks, time.Time{}), ItemConfigChecked)
			if it.Done != tt.want || !it.FromEvidence || !strings.Contains(it.Evidence, tt.evid) {
				t.Errorf("got %+v, want done=%v evidence containing %q", it, tt.want, tt.evid)
			}
		})
	}
}

func TestChecklistTicksAndStableIDs(t *testing.T) {
	ticks := map[string]bool{}
	for _, id := range ChecklistIDs() {
		ticks[id] = true
	}
	ticks["not-an-item"] = true
	cl := NewChecklist(exampleConfig(t), withLive(exampleConfig(t)), ticks, time.Time{})
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
		name    string
		results []checks.Result
		want    []string
	}{
		{"live results", withLive(exampleConfig(t)), []string{"2 of 11 done · submitted 2026-03-02 · earliest go-live 2026-03-16",
			"[x] Production configuration passes cis2-golive checks (no failures)\n    config.checks-passed\n    evidence: 7 passed · 0 warnings",
			"[ ] Connection Agreement signed connection-agreement.signed"}},
		{"offline rules only", nil, []string{"1 of 11 done",
			"[ ] Production configuration passes cis2-golive checks (no failures)\n    config.checks-passed\n",
			"    evidence: 6 passed · 0 warnings · 0 failed · 0 skipped; only the offline\n              rules ran: run"}},
	} {
		var buf bytes.Buffer
		if err := WriteChecklist(&buf, Text, NewChecklist(exampleConfig(t), tc.results, nil, submittedDate)); err != nil {
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
	if err := WriteChecklist(&buf, JSON, NewChecklist(nil, nil, nil, time.Time{})); err != nil {
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
