// Package report renders check results, the submission file and the go-live checklist in
// the tool's output formats: styled or plain text, JSON and Markdown.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"

	"charm.land/lipgloss/v2"

	"github.com/charmbracelet/x/ansi"
	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// Format is an output format.
type Format string

// The output formats every command offers.
const (
	Text     Format = "text"
	JSON     Format = "json"
	Markdown Format = "markdown"
)

// JUnit is JUnit XML, for CI dashboards; only the commands that report check results offer it
// (see ParseResultsFormat).
const JUnit Format = "junit"

// ParseResultsFormat validates the --format of a command that reports check results (check,
// watch): the formats of ParseFormat, and JUnit XML.
func ParseResultsFormat(s string) (Format, error) {
	if strings.EqualFold(s, string(JUnit)) {
		return JUnit, nil
	}
	f, err := ParseFormat(s)
	if err != nil {
		return "", fmt.Errorf("unknown format %q: use text, json, markdown or junit", s)
	}
	return f, nil
}

// ParseFormat validates a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case Text, JSON, Markdown:
		return f, nil
	case "md":
		return Markdown, nil
	}
	return "", fmt.Errorf("unknown format %q: use text, json or markdown", s)
}

// CheckReport is the outcome of `check`: the file checked, every result, and whether it is
// ready to send to NHS (golive's verdict: ready only with no blocker).
type CheckReport struct {
	Config  string          `json:"config"`
	Results []checks.Result `json:"results"`
	Summary checks.Summary  `json:"summary"`
	Ready   bool            `json:"ready"`
	// Sandbox marks the demo's run: its endpoints are the sandbox's, on this machine, so
	// "ready" is the sandbox's and says nothing of a real configuration.
	Sandbox  bool      `json:"sandbox,omitempty"`
	Blockers []Blocker `json:"blockers"`
	// Warnings are the warnings golive says do not block: a ready configuration may have
	// some to review.
	Warnings []Warning `json:"warnings"`
	// Verdict is the line the text and Markdown reports end with (VerdictLine).
	Verdict string `json:"verdict"`
	// reasons are the blockers summed up, for the text and Markdown verdict line.
	reasons []string
	// lint marks a report of a client assertion (NewLintReport): its verdict is about the
	// assertion, never about the configuration being ready.
	lint bool
}

// NewLintReport is the report of `assertion lint`. It carries no go-live verdict: Ready means
// no rule failed, and its last line says whether CIS2 would accept the assertion, not that a
// configuration is ready to send.
func NewLintReport(config string, rs []checks.Result) CheckReport {
	rep := NewCheckReport(config, rs, Verdict{}, nil)
	rep.Ready, rep.lint = !rep.Summary.Failed(), true
	rep.Verdict = verdictLine(rep)
	return rep
}

// NewCheckReport builds a report and its summary; v is golive's verdict on the results, and
// reasons its blockers summed up in a few words each (golive.Reasons).
func NewCheckReport(config string, rs []checks.Result, v Verdict, reasons []string) CheckReport {
	if rs == nil {
		rs = []checks.Result{}
	}
	v = cleanVerdict(v)
	rep := CheckReport{Config: config, Results: rs, Summary: checks.Summarise(rs), Ready: len(v.Blockers) == 0, Sandbox: v.Sandbox,
		Blockers: v.Blockers, Warnings: v.Warnings, reasons: reasons}
	rep.Verdict = verdictLine(rep)
	return rep
}

// cleanVerdict is v with every text cleaned and empty lists, not nil, for JSON.
func cleanVerdict(v Verdict) Verdict {
	bs, ws := []Blocker{}, []Warning{}
	for _, b := range v.Blockers {
		bs = append(bs, cleanBlocker(b))
	}
	for _, w := range v.Warnings {
		ws = append(ws, Warning{ID: Clean(w.ID), Rule: Clean(w.Rule), Target: Clean(w.Target), Message: Clean(w.Message)})
	}
	v.Blockers, v.Warnings = bs, ws
	return v
}

func cleanBlocker(b Blocker) Blocker {
	return Blocker{Kind: Clean(b.Kind), ID: Clean(b.ID), Rule: Clean(b.Rule), Target: Clean(b.Target), Message: Clean(b.Message), Fix: Clean(b.Fix)}
}

// ReadyLine is the verdict when nothing blocks sending and no warning is left to review,
// without a full stop: for the demo's sandbox (golive.Sandboxed) it says so, since no real
// endpoint was checked.
func ReadyLine(sandbox bool) string {
	return readyHead(sandbox) + ": nothing blocks it"
}

func readyHead(sandbox bool) string {
	if sandbox {
		return "Ready to send to NHS (sandbox)"
	}
	return "Ready to send to NHS"
}

// VerdictLine is golive's verdict on one line, without a full stop: what every report and
// both wizards say. Ready, and the warnings left to review when there are ("Ready to send to
// NHS, with 2 warnings to review: …"); or not ready, with reasons (golive.Reasons in short).
func VerdictLine(v Verdict, reasons []string) string {
	if len(v.Blockers) > 0 {
		rs := make([]string, len(reasons))
		for i, r := range reasons {
			rs[i] = Clean(r)
		}
		return "Not ready to send to NHS: " + strings.Join(rs, "; ")
	}
	if len(v.Warnings) == 0 {
		return ReadyLine(v.Sandbox)
	}
	var names []string
	for _, w := range v.Warnings {
		names = append(names, WarningName(w.ID, w.Rule, w.Target))
	}
	return readyHead(v.Sandbox) + ", with " + Plural(len(v.Warnings), "warning", "warnings") + " to review: " + SomeOf(names, 3, ", ")
}

// verdictLine is the report's last line: whether the configuration is ready to send to NHS.
func verdictLine(rep CheckReport) string {
	switch {
	case rep.lint && rep.Ready && rep.Summary.Warn > 0:
		return "No rule CIS2 checks fails; see the warnings above."
	case rep.lint && rep.Ready:
		return "The assertion follows every rule CIS2 checks."
	case rep.lint:
		return "CIS2 would refuse this assertion (invalid_client, JWT is not valid): see the failures above."
	}
	line := VerdictLine(Verdict{Blockers: rep.Blockers, Sandbox: rep.Sandbox, Warnings: rep.Warnings}, rep.reasons) + "."
	if rep.Ready && rep.Sandbox {
		line += " The sandbox is loopback by design; your own configuration is ready only when its checks pass without --allow-private."
	}
	return line
}

// WriteCheckReport renders the report in the given format. Styling is applied for text only;
// the writer decides whether colour survives (pass a colorprofile writer).
func WriteCheckReport(w io.Writer, f Format, rep CheckReport) error {
	switch f {
	case JSON:
		return WriteJSON(w, rep)
	case Markdown:
		return checkMarkdown(w, rep)
	case JUnit:
		return WriteJUnit(w, JUnitSuite{Name: "cis2-golive check " + Clean(rep.Config), Config: rep.Config, Results: rep.Results})
	default:
		return checkText(w, rep)
	}
}

// WriteJSON is the one JSON writer: indented, and without HTML escaping, so "->" and "&" in a
// message read as written (the output goes to files and terminals, never into a web page).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Styles used by text output. Colour reaches the terminal only through a colorprofile
// writer, which drops it for pipes and NO_COLOR.
var (
	stylePass  = lipgloss.NewStyle().Foreground(lipgloss.Green)
	styleWarn  = lipgloss.NewStyle().Foreground(lipgloss.Yellow)
	styleFail  = lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true)
	styleSkip  = lipgloss.NewStyle().Faint(true)
	styleFaint = lipgloss.NewStyle().Faint(true)
	styleBold  = lipgloss.NewStyle().Bold(true)
)

// Mark is the symbol and word for a status, used in text and Markdown alike.
func Mark(s model.Severity) string {
	switch s {
	case model.Pass:
		return "✓ pass"
	case model.Warn:
		return "! warn"
	case model.Fail:
		return "✗ FAIL"
	}
	return "- skip"
}

// StatusStyle is the text style for a status.
func StatusStyle(s model.Severity) lipgloss.Style {
	switch s {
	case model.Pass:
		return stylePass
	case model.Warn:
		return styleWarn
	case model.Fail:
		return styleFail
	}
	return styleSkip
}

// indent leaves room for the status column so findings line up under their headline.
const indent = "        "

func checkText(w io.Writer, rep CheckReport) error {
	var b strings.Builder
	title := "cis2-golive check"
	if rep.lint {
		title = "cis2-golive assertion lint"
	}
	fmt.Fprintf(&b, "%s %s\n\n", styleBold.Render(title), Clean(rep.Config))
	resultsText(&b, rep.Results)
	s := rep.Summary
	fmt.Fprintf(&b, "\n%s\n", SummaryLine(s))
	b.WriteString(Hang("", verdictLine(rep)))
	_, err := io.WriteString(w, b.String())
	return err
}

// resultsText writes one block per result: the status, target and id, then the value, the
// message and the fix, wrapped under the headline.
func resultsText(b *strings.Builder, rs []checks.Result) {
	para := func(s string) { b.WriteString(Hang(indent, s)) }
	for _, r := range rs {
		// Every field is cleaned here too: a report may come from a results file, not this run.
		mark, target, id := Mark(r.Status), Clean(r.Target), Clean(r.ID)
		if ansi.StringWidth(mark+"  "+target+"  "+id) <= TextWidth {
			fmt.Fprintf(b, "%s  %s  %s\n", StatusStyle(r.Status).Render(mark), target, styleFaint.Render(id))
		} else { // a long field and a long rule id: the id goes under the headline
			fmt.Fprintf(b, "%s  %s\n%s%s\n", StatusStyle(r.Status).Render(mark), target, indent, styleFaint.Render(id))
		}
		value := Clean(r.Evidence["value"])
		msg := Clean(r.Message)
		switch {
		case value != "" && r.Status == model.Pass:
			msg += ": " + value
		case value != "":
			// Quote the value as it is when it is printable, so a finding about surrounding or
			// inner whitespace shows it; anything holding a control character is cleaned.
			v := r.Evidence["value"]
			if strings.ContainsFunc(v, func(c rune) bool { return unicode.IsControl(c) || unicode.Is(unicode.Bidi_Control, c) }) {
				v = Clean(v)
			}
			raw := []rune(v)
			if len(raw) > maxValueLen {
				raw = append(raw[:maxValueLen], '…')
			}
			para(fmt.Sprintf("value: %q", string(raw)))
		}
		para(msg)
		if reg := r.Evidence["regression"]; reg != "" {
			para(styleFail.Render("regression:") + " " + Clean(reg))
		}
		if r.Fix != "" && r.Status != model.Pass {
			para("fix: " + Clean(r.Fix))
		}
	}
}

func checkMarkdown(w io.Writer, rep CheckReport) error {
	var b strings.Builder
	s := rep.Summary
	title := "CIS2 configuration check"
	if rep.lint {
		title = "CIS2 client assertion lint"
	}
	fmt.Fprintf(&b, "# %s: %s\n\n", title, mdCode(rep.Config))
	fmt.Fprintf(&b, "**%s**\n\n%s\n\n", SummaryLine(s), mdCell(verdictLine(rep)))
	resultsTable(&b, rep.Results)
	_, err := io.WriteString(w, b.String())
	return err
}

// resultsTable is the Markdown table of results, one row each.
func resultsTable(b *strings.Builder, rs []checks.Result) {
	b.WriteString("| Result | Check | Target | Finding | Fix |\n|---|---|---|---|---|\n")
	for _, r := range rs {
		msg := mdCell(r.Message)
		if v := r.Evidence["value"]; v != "" {
			msg += " (" + mdCodeCell(v) + ")"
		}
		if reg := r.Evidence["regression"]; reg != "" {
			msg = "**regression** (" + mdCell(reg) + "): " + msg
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", Mark(r.Status), mdCodeCell(r.ID), mdCell(r.Target), msg, mdCell(r.Fix))
	}
}

// mdCell keeps a value inside one Markdown table cell.
func mdCell(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }

// oneLine is a cleaned value on one line, runs of spaces collapsed.
func oneLine(s string) string { return strings.Join(strings.Fields(Clean(s)), " ") }

// mdCodeCell is mdCode inside a table cell: GFM splits cells before reading code spans, so
// a pipe needs its backslash there too (and only there: elsewhere it would be shown).
func mdCodeCell(s string) string { return strings.ReplaceAll(mdCode(s), "|", `\|`) }

// mdCode is a value as inline code, delimited (CommonMark) by one more backtick than the
// longest run inside it, so a value holding backticks is shown exactly rather than altered.
func mdCode(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	run, longest := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " " // one space each side is stripped; without it the fence would merge
	}
	return fence + s + fence
}
