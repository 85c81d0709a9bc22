package keys

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// maxStringLen caps a string taken from a JWK: a kid is a short identifier; anything longer
// is noise or an attack on the terminal.
const maxStringLen = 200

// clean makes a string from an untrusted JWK safe to print: escape sequences and control and
// bidi-override characters removed, length capped. It mirrors report.Clean, which keys cannot
// import (report imports checks, which imports keys); it also drops bidi controls.
func clean(s string) string {
	s = ansi.Strip(s)
	var b strings.Builder
	n := 0
	for _, r := range s {
		if unicode.IsControl(r) || isBidiControl(r) || r == unicode.ReplacementChar {
			continue
		}
		if n == maxStringLen {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// isBidiControl reports the Unicode direction controls that can make text display reordered
// ("Trojan Source"), so a kid cannot pretend to be another.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}
