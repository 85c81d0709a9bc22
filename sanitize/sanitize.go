// Package sanitize makes text from outside the tool (servers, JWKs, results files) safe to put
// on a terminal, in JSON or in Markdown. It is its own package because checks, keys, report
// and ui all need the same rules and keys cannot import the others.
package sanitize

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxRunes caps a server-supplied string: enough for an error description, a kid or a header
// value, short enough that a hostile server cannot flood the terminal or a report.
const MaxRunes = 200

// Clean makes a string that came from a server safe to show: it drops ANSI/OSC escape
// sequences and control characters (a server must not be able to move the cursor, retitle the
// terminal or plant hyperlinks), drops bidirectional overrides (which can make text read
// differently from what it is), turns line breaks and tabs into spaces so one finding stays one
// line, repairs invalid UTF-8 and caps the length at MaxRunes runes, ending with "…".
func Clean(s string) string { return CleanN(s, MaxRunes) }

// CleanN is Clean with its own cap, for values that are legitimately longer (URIs in reports).
func CleanN(s string, maxRunes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	lastSpace := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b: // ESC: skip the whole sequence
			i = skipEscape(s, i+size)
			continue
		case r == 0x9b: // C1 CSI: same as ESC [
			i = skipCSI(s, i+size)
			continue
		case r == 0x9d: // C1 OSC: same as ESC ]
			i = skipOSC(s, i+size)
			continue
		case r == '\n' || r == '\r' || r == '\t' || r == ' ':
			if !lastSpace && n > 0 {
				b.WriteByte(' ')
				n++
				lastSpace = true
			}
			i += size
			continue
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || isBidiControl(r):
			i += size
			continue
		}
		if n == maxRunes {
			return strings.TrimRight(b.String(), " ") + "…"
		}
		b.WriteRune(r)
		n++
		lastSpace = false
		i += size
	}
	return strings.TrimRight(b.String(), " ")
}

// MaxListRunes caps a list of server-supplied values shown as one line (kids, algorithms):
// a server listing thousands must not flood a finding.
const MaxListRunes = 3 * MaxRunes

// Join cleans each item and joins them with sep, stopping before MaxListRunes runes and saying
// how many were left out, so the count is never lost. Items are capped only by the list's
// cap: a finding built from a capped kid may be longer than MaxRunes and stays whole.
func Join(items []string, sep string) string {
	var b strings.Builder
	n := 0
	for i, item := range items {
		item = CleanN(item, MaxListRunes)
		add := utf8.RuneCountInString(item)
		if i > 0 {
			add += utf8.RuneCountInString(sep)
		}
		if i > 0 && n+add > MaxListRunes { // the first item always shows, cut to the cap
			b.WriteString(sep + "… and " + strconv.Itoa(len(items)-i) + " more")
			break
		}
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(item)
		n += add
	}
	return b.String()
}

// skipEscape returns the index after the escape sequence whose ESC ended just before i.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_': // OSC and the other string sequences end the same way
		return skipOSC(s, i+1)
	}
	return i + 1 // two-byte sequence such as ESC c (reset)
}

// skipCSI skips parameter and intermediate bytes up to and including the final byte.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		i++
		if c >= 0x40 && c <= 0x7e {
			return i
		}
	}
	return i
}

// skipOSC skips to the string terminator: BEL, ESC \ or C1 ST.
func skipOSC(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x07 || r == 0x9c:
			return i + size
		case r == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		}
		i += size
	}
	return i
}

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}
