package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// JUnitSuite is what WriteJUnit renders: one testsuite of results.
type JUnitSuite struct {
	Name   string
	Config string
	// Timestamp and Duration are written when known (a watch round has both).
	Timestamp time.Time
	Duration  time.Duration
	// Out is written as the suite's system-out, one line each (a watch's changes).
	Out []string
	// Results become one testcase each.
	Results []checks.Result
}

// The JUnit XML elements, in the shape Ant's JUnit task, Maven Surefire and Jenkins write and
// every CI dashboard reads (GitLab, Jenkins, Azure DevOps, GitHub test-report actions):
// testsuites > testsuite > testcase, with failure and skipped children. The schema
// scripts/testdata/junit.xsd describes it, and scripts/watch-ci validates the output against it.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr,omitempty"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string           `xml:"name,attr"`
		Tests      int              `xml:"tests,attr"`
		Failures   int              `xml:"failures,attr"`
		Errors     int              `xml:"errors,attr"`
		Skipped    int              `xml:"skipped,attr"`
		Time       string           `xml:"time,attr,omitempty"`
		Timestamp  string           `xml:"timestamp,attr,omitempty"`
		Properties *junitProperties `xml:"properties"`
		Cases      []junitCase      `xml:"testcase"`
		SystemOut  *junitText       `xml:"system-out"`
	}
	junitProperties struct {
		Property []junitProperty `xml:"property"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Failure   *junitOutcome `xml:"failure"`
		Skipped   *junitOutcome `xml:"skipped"`
		SystemOut *junitText    `xml:"system-out"`
	}
	junitOutcome struct {
		Type    string `xml:"type,attr,omitempty"`
		Message string `xml:"message,attr"`
		Body    string `xml:",cdata"`
	}
	// junitText is multi-line text kept readable: CDATA keeps line breaks as they are, where
	// character data would turn each into &#xA;.
	junitText struct {
		Text string `xml:",cdata"`
	}
)

// WriteJUnit renders results as JUnit XML: one testcase per result, named by its target with
// its check id as the classname (so dashboards group uri.tls, jwks.lint… together). A fail is
// a failure (message, fix and evidence in its body), a skip is skipped, and a warning passes
// with the warning in the testcase's system-out: JUnit has no warning state, and a warning
// does not fail `check` either. Every string is cleaned; encoding/xml escapes the rest.
func WriteJUnit(w io.Writer, s JUnitSuite) error {
	suite := junitSuite{Name: Clean(s.Name), Cases: make([]junitCase, 0, len(s.Results))}
	if s.Config != "" {
		suite.Properties = &junitProperties{[]junitProperty{{Name: "config", Value: Clean(s.Config)}}}
	}
	if !s.Timestamp.IsZero() {
		// JUnit's timestamp is ISO 8601 without a zone (Ant writes local time); UTC says which.
		suite.Timestamp = s.Timestamp.UTC().Format("2006-01-02T15:04:05")
	}
	if s.Duration > 0 {
		suite.Time = fmt.Sprintf("%.3f", s.Duration.Seconds())
	}
	for _, r := range s.Results {
		c := junitCase{Name: Clean(r.Target), Classname: Clean(r.ID)}
		if c.Name == "" {
			c.Name = c.Classname
		}
		msg := Clean(r.Message)
		if reg := r.Evidence["regression"]; reg != "" {
			msg = "regression (" + Clean(reg) + "): " + msg
		}
		switch r.Status {
		case model.Fail:
			suite.Failures++
			c.Failure = &junitOutcome{Type: "fail", Message: msg, Body: junitBody(r)}
		case model.Skip:
			suite.Skipped++
			c.Skipped = &junitOutcome{Message: msg}
		case model.Warn:
			c.SystemOut = &junitText{"warning: " + junitBody(r)}
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Tests = len(suite.Cases)
	if len(s.Out) > 0 {
		var b strings.Builder
		for _, line := range s.Out {
			b.WriteString(Clean(line) + "\n")
		}
		suite.SystemOut = &junitText{b.String()}
	}
	doc := junitSuites{Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Time: suite.Time,
		Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitBody is a result's message, fix and evidence, one per line.
func junitBody(r checks.Result) string {
	lines := []string{Clean(r.Message)}
	if r.Fix != "" {
		lines = append(lines, "fix: "+Clean(r.Fix))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Evidence)) {
		lines = append(lines, Clean(k)+": "+Clean(r.Evidence[k]))
	}
	return strings.Join(lines, "\n")
}
