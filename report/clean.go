package report

import (
	"regexp"
	"strings"
	"unicode"
)

// maxValueLen caps any single value a report prints: a URI or a finding is far shorter, and a
// results file from elsewhere must not flood the terminal or a Markdown table.
const maxValueLen = 500

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b.`)

// Clean makes a value safe to print: ANSI escape sequences and control characters are removed
// (they could rewrite the terminal or break a Markdown table) and the length is capped.
func Clean(s string) string {
	s = stripControl(s)
	if r := []rune(s); len(r) > maxValueLen {
		s = string(r[:maxValueLen]) + "…"
	}
	return s
}

// stripControl removes ANSI escape sequences and control characters.
func stripControl(s string) string {
	s = ansiEscape.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
}
