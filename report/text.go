package report

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/checks"
)

// TextWidth keeps every text renderer readable in an 80-column terminal.
const TextWidth = 80

// WrapWords breaks s into lines of at most width columns at spaces only: kids, URLs, paths and
// hyphenated names stay whole so they can be copied, even if a line must run long. Styled
// words are measured by what they show, not by their escape sequences.
func WrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}

// Hang wraps s to TextWidth with a hanging indent: the first line starts with first (which may
// be styled, such as a status mark or "  3. "), the others with as many spaces as first is wide.
// Every line ends in a newline; none has trailing spaces.
func Hang(first, s string) string {
	return HangIndent(first, strings.Repeat(" ", ansi.StringWidth(first)), s)
}

// HangIndent is Hang with a chosen indent for the continuation lines.
func HangIndent(first, rest, s string) string {
	width := TextWidth - max(ansi.StringWidth(first), ansi.StringWidth(rest))
	// A prefix too wide to leave room for words would wrap every word onto its own line.
	width = max(width, TextWidth/2)
	var b strings.Builder
	for i, line := range WrapWords(s, width) {
		prefix := rest
		if i == 0 {
			prefix = first
		}
		b.WriteString(strings.TrimRight(prefix+line, " ") + "\n")
	}
	return b.String()
}

// Plural is "1 warning" or "2 warnings": the count and the noun that agrees with it.
func Plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// SomeOf is the first n of list joined by sep, then how many more there are: "a, b, c, and
// 2 more". Lists in a verdict stay one line however many items they have.
func SomeOf(list []string, n int, sep string) string {
	if len(list) <= n {
		return strings.Join(list, sep)
	}
	return strings.Join(list[:n], sep) + fmt.Sprintf("%sand %d more", sep, len(list)-n)
}

// WarningName names a warning in a list, as golive's classification names it: its id, with
// the rule for a result that reports several (jwks.lint/kid-missing), and the field it is on.
func WarningName(id, rule, target string) string {
	name := Clean(id)
	if rule != "" {
		name += "/" + Clean(rule)
	}
	if target == "" {
		return name
	}
	return name + " on " + Clean(target)
}

// SummaryLine is the one-line count of a set of results, in every format.
func SummaryLine(s checks.Summary) string {
	return fmt.Sprintf("%d passed · %s · %d failed · %d skipped", s.Pass, Plural(s.Warn, "warning", "warnings"), s.Fail, s.Skip)
}
