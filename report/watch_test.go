package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/watch"
)

const evil = "\x1b]0;pwned\x07\x1b[2J\u202e<&>\"|"

func sampleRound() watch.Round {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return watch.Round{Config: "prod.yaml", Started: t0, Duration: 1234 * time.Millisecond, Previous: t0.Add(-time.Hour),
		Results: []checks.Result{
			{ID: "uri.tls", Target: "jwks_uri", Status: model.Pass, Message: "TLS 1.3"},
			{ID: "expiry.tls", Target: "redirect_uris[0]", Status: model.Warn, Message: "the certificate expires in 10 days (2026-03-12)",
				Fix: "renew it", Evidence: map[string]string{"not_after": "2026-03-12T09:00:00Z"}},
			{ID: "assertion.sign-verify", Target: "jwks_uri", Status: model.Fail, Message: "not in the JWKS" + evil, Fix: "publish it",
				Evidence: map[string]string{"kid": "a" + evil, "regression": "was pass on 2026-03-02T08:00:00Z"}},
			{ID: "drift.config", Target: "config", Status: model.Skip, Message: "no --submitted file given"},
		},
		Changes: []watch.Change{
			{ID: "assertion.sign-verify", Target: "jwks_uri", Kind: watch.KindRegression, Status: model.Fail, Old: "pass", New: "fail", Message: "not in the JWKS"},
			{ID: "drift.jwks.kids", Target: "jwks_uri", Kind: watch.KindAdded, Status: model.Pass, New: "kid b|c", Message: "published kid b|c"},
		}}
}

// The JUnit XML parses, counts like the summary, and carries each result's story.
func TestWatchJUnit(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWatchReport(&buf, JUnit, NewWatchReport("prod.watch-state.json", sampleRound(), notReady, []string{"1 check failed"})); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, xml.Header) {
		t.Errorf("missing XML declaration:\n%s", out)
	}
	var doc struct {
		Tests  int `xml:"tests,attr"`
		Suites []struct {
			Name      string `xml:"name,attr"`
			Tests     int    `xml:"tests,attr"`
			Failures  int    `xml:"failures,attr"`
			Skipped   int    `xml:"skipped,attr"`
			Time      string `xml:"time,attr"`
			Timestamp string `xml:"timestamp,attr"`
			Out       string `xml:"system-out"`
			Cases     []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Body    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				Out string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, out)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d testsuites, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Tests != 4 || s.Failures != 1 || s.Skipped != 1 || doc.Tests != 4 || s.Time != "1.234" || s.Timestamp != "2026-03-02T09:00:00" {
		t.Errorf("counts/times: %+v", s)
	}
	byClass := map[string]int{}
	for i, c := range s.Cases {
		byClass[c.Classname] = i
	}
	fail := s.Cases[byClass["assertion.sign-verify"]]
	if fail.Name != "jwks_uri" || fail.Failure == nil || !strings.HasPrefix(fail.Failure.Message, "regression (was pass on") ||
		!strings.Contains(fail.Failure.Body, "fix: publish it") || !strings.Contains(fail.Failure.Body, "kid: a") {
		t.Errorf("failing testcase: %+v", fail)
	}
	if warn := s.Cases[byClass["expiry.tls"]]; warn.Failure != nil || !strings.Contains(warn.Out, "warning: the certificate expires in 10 days") {
		t.Errorf("a warning passes, with the warning in system-out: %+v", warn)
	}
	if skip := s.Cases[byClass["drift.config"]]; skip.Skipped == nil || skip.Skipped.Message != "no --submitted file given" {
		t.Errorf("skipped testcase: %+v", skip)
	}
	if !strings.Contains(s.Out, "fail regression assertion.sign-verify jwks_uri") {
		t.Errorf("changes belong in the suite's system-out: %q", s.Out)
	}
	if strings.ContainsAny(out, "\x1b\x07\u202e") || strings.Contains(out, "pwned") {
		t.Errorf("server text must be cleaned before it reaches XML:\n%q", out)
	}
}

// JSON is the check report's shape plus the watch's fields.
func TestWatchJSONShape(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWatchReport(&buf, JSON, NewWatchReport("prod.watch-state.json", sampleRound(), notReady, []string{"1 check failed"})); err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"config", "results", "summary", "ready", "blockers", "changes", "state", "run_at", "previous_run", "regressions", "duration_ms"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q:\n%s", k, buf.String())
		}
	}
	var changes []watch.Change
	json.Unmarshal(doc["changes"], &changes)
	if len(changes) != 2 || changes[0].Kind != "regression" {
		t.Errorf("changes: %+v", changes)
	}
	// A first run has no previous run and an empty (not null) list of changes.
	r := sampleRound()
	r.Previous, r.Changes = time.Time{}, nil
	buf.Reset()
	WriteWatchReport(&buf, JSON, NewWatchReport("s", r, Verdict{Live: true}, nil))
	if !strings.Contains(buf.String(), `"previous_run": null`) || !strings.Contains(buf.String(), `"changes": []`) {
		t.Errorf("first run JSON:\n%s", buf.String())
	}
}

func TestWatchTextAndMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWatchReport(&buf, Text, NewWatchReport("s", sampleRound(), notReady, []string{"1 check failed"})); err != nil {
		t.Fatal(err)
	}
	out := ansi.Strip(buf.String())
	for _, line := range strings.Split(out, "\n") {
		if ansi.StringWidth(line) > TextWidth {
			t.Errorf("line of %d columns: %q", ansi.StringWidth(line), line)
		}
	}
	for _, want := range []string{"cis2-golive watch prod.yaml  2026-03-02T09:00:00Z", "compared with the run of 2026-03-02T08:00:00Z",
		"2 changes since the last run", "✗ FAIL  regression  jwks_uri", "regression: was pass on",
		"1 passed · 1 warning · 1 failed · 1 skipped · 2 changes · 1 regression", "Not ready to send to NHS: 1 check failed."} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("escape reached the text report: %q", out)
	}

	buf.Reset()
	if err := WriteWatchReport(&buf, Markdown, NewWatchReport("s", sampleRound(), notReady, []string{"1 check failed"})); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{"# CIS2 watch: `prod.yaml`", "**✗ failing: 1 passed", "## Changes since the last run",
		"| ✓ pass | added | `drift.jwks.kids` | jwks_uri |  | `kid b\\|c` | published kid b\\|c |", "## Results",
		"**regression** (was pass on 2026-03-02T08:00:00Z): not in the JWKS", "Not ready to send to NHS: 1 check failed."} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// A round whose checks all pass but whose watch rules fail (a kid reused, a certificate a few
// days from expiry) exits 1: its report must not end on "nothing blocks it".
func TestWatchReadyConfigurationFailingRound(t *testing.T) {
	r := sampleRound()
	r.Results = []checks.Result{
		{ID: "uri.tls", Target: "jwks_uri", Status: model.Pass, Message: "TLS 1.3"},
		{ID: watch.IDKidReused, Target: "jwks_uri", Status: model.Fail, Message: "kid a now names different key material"},
	}
	for _, f := range []Format{Text, Markdown} {
		var buf bytes.Buffer
		if err := WriteWatchReport(&buf, f, NewWatchReport("s", r, Verdict{Live: true}, nil)); err != nil {
			t.Fatal(err)
		}
		out := strings.Join(strings.Fields(ansi.Strip(buf.String())), " ") // unwrapped
		if strings.Contains(out, "nothing blocks it") || !strings.Contains(out, "ready to send to NHS, but the live service is not: 1 watch rule failed") {
			t.Errorf("format %v: a failing round reads as all clear:\n%s", f, out)
		}
	}
}
