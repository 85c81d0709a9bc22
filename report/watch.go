package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cis2-golive/cis2-golive/watch"
)

// WatchReport is one watch round: the shape of `check --format json` (config, results,
// summary) plus when it ran, what it compared with, and the changes since.
type WatchReport struct {
	CheckReport
	State       string         `json:"state"`
	RunAt       time.Time      `json:"run_at"`
	DurationMS  int64          `json:"duration_ms"`
	PreviousRun *time.Time     `json:"previous_run"`
	Regressions int            `json:"regressions"`
	Changes     []watch.Change `json:"changes"`
}

// NewWatchReport builds the report of a round; v and reasons are golive's verdict on the
// round's own check results (watch.Round.Checks), exactly as `check` would give it.
func NewWatchReport(state string, r watch.Round, v Verdict, reasons []string) WatchReport {
	rep := WatchReport{CheckReport: NewCheckReport(r.Config, r.Results, v, reasons), State: state,
		RunAt: r.Started.UTC(), DurationMS: r.Duration.Milliseconds(), Regressions: r.Regressions(), Changes: r.Changes}
	if rep.Changes == nil {
		rep.Changes = []watch.Change{}
	}
	rep.Verdict = watchVerdictLine(rep)
	if !r.Previous.IsZero() {
		p := r.Previous.UTC()
		rep.PreviousRun = &p
	}
	return rep
}

// WriteWatchReport renders a round in the given format.
func WriteWatchReport(w io.Writer, f Format, rep WatchReport) error {
	switch f {
	case JSON:
		return WriteJSON(w, rep)
	case Markdown:
		return watchMarkdown(w, rep)
	case JUnit:
		var out []string
		for _, c := range rep.Changes {
			out = append(out, changeLine(c))
		}
		return WriteJUnit(w, JUnitSuite{Name: "cis2-golive watch " + Clean(rep.Config), Config: rep.Config,
			Timestamp: rep.RunAt, Duration: time.Duration(rep.DurationMS) * time.Millisecond, Out: out, Results: rep.Results})
	default:
		return watchText(w, rep)
	}
}

// sinceText says what the round compared with.
func (rep WatchReport) sinceText() string {
	if rep.PreviousRun == nil {
		return "first run: this one is the baseline for the next"
	}
	return "compared with the run of " + rep.PreviousRun.Format(time.RFC3339)
}

// watchVerdictLine is golive's verdict on the round's checks, unless that reads as all clear
// while watch rules failed: the configuration is fine to send, the live service is not.
func watchVerdictLine(rep WatchReport) string {
	if rep.Ready && rep.Summary.Failed() {
		return "The configuration is ready to send to NHS, but the live service is not: " +
			Plural(rep.Summary.Fail, "watch rule failed", "watch rules failed") + " (see above)."
	}
	return verdictLine(rep.CheckReport)
}

// changeLine is a change on one line, for logs and JUnit's system-out.
func changeLine(c watch.Change) string {
	s := fmt.Sprintf("%s %s %s %s: %s", c.Status, c.Kind, c.ID, c.Target, c.Message)
	return Clean(s)
}

func watchText(w io.Writer, rep WatchReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s  %s\n", styleBold.Render("cis2-golive watch"), Clean(rep.Config), rep.RunAt.Format(time.RFC3339))
	b.WriteString(styleFaint.Render(rep.sinceText()) + "\n\n")
	if len(rep.Changes) > 0 {
		b.WriteString(styleBold.Render(Plural(len(rep.Changes), "change", "changes")+" since the last run") + "\n")
		for _, c := range rep.Changes {
			head := fmt.Sprintf("%s  %s  %s", StatusStyle(c.Status).Render(Mark(c.Status)), c.Kind, Clean(c.Target))
			fmt.Fprintf(&b, "%s  %s\n", head, styleFaint.Render(Clean(c.ID)))
			b.WriteString(Hang(indent, Clean(c.Message)))
		}
		b.WriteString("\n")
	}
	resultsText(&b, rep.Results)
	fmt.Fprintf(&b, "\n%s · %s · %s\n", SummaryLine(rep.Summary),
		Plural(len(rep.Changes), "change", "changes"), Plural(rep.Regressions, "regression", "regressions"))
	b.WriteString(Hang("", watchVerdictLine(rep)))
	_, err := io.WriteString(w, b.String())
	return err
}

// watchMarkdown fits a CI job summary ($GITHUB_STEP_SUMMARY): the verdict first, the changes,
// then every result.
func watchMarkdown(w io.Writer, rep WatchReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# CIS2 watch: %s\n\n", mdCode(rep.Config))
	verdict := "✓ no failure"
	if rep.Summary.Failed() {
		verdict = "✗ failing"
	}
	fmt.Fprintf(&b, "**%s: %s · %s · %s**\n\n", verdict, SummaryLine(rep.Summary),
		Plural(len(rep.Changes), "change", "changes"), Plural(rep.Regressions, "regression", "regressions"))
	fmt.Fprintf(&b, "Run at %s; %s.\n\n%s\n\n", rep.RunAt.Format(time.RFC3339), rep.sinceText(), mdCell(watchVerdictLine(rep)))
	if len(rep.Changes) > 0 {
		b.WriteString("## Changes since the last run\n\n| Result | Change | Check | Target | Was | Now | Detail |\n|---|---|---|---|---|---|---|\n")
		for _, c := range rep.Changes {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", Mark(c.Status), c.Kind, mdCodeCell(c.ID),
				mdCell(c.Target), mdCodeCell(c.Old), mdCodeCell(c.New), mdCell(c.Message))
		}
		b.WriteString("\n")
	}
	b.WriteString("## Results\n\n")
	resultsTable(&b, rep.Results)
	_, err := io.WriteString(w, b.String())
	return err
}
