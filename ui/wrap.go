package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// wrap fits every line of s into w columns. It breaks at spaces, so a URL or a path moves
// whole to the next line rather than being split, and continuation lines keep the line's
// indent and hang under its text ("✗ ", "! ", "fix: "), so a wrapped message still reads as
// one item. Only a word wider than the whole line is broken, after a "/" where it can be.
func wrap(s string, w int) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, wrapLine(l, w)...)
	}
	return strings.Join(out, "\n")
}

func wrapLine(line string, w int) []string {
	if w < 10 || ansi.StringWidth(line) <= w {
		return []string{line}
	}
	hang := min(hangWidth(ansi.Strip(line)), w/2)
	indent := strings.Repeat(" ", hang)
	var out []string
	cur, curW := "", 0
	for i, word := range strings.Split(line, " ") {
		ww := ansi.StringWidth(word)
		switch {
		case i == 0 || curW+1+ww <= w:
			if i > 0 {
				cur += " "
				curW++
			}
			cur += word
			curW += ww
		default:
			out = append(out, cur)
			cur, curW = indent+word, hang+ww
		}
		for curW > w && ww > w-hang { // a word wider than any line: break it
			head := ansi.Truncate(cur, w, "")
			if j := strings.LastIndex(ansi.Strip(head), "/"); j > hang {
				head = ansi.Truncate(cur, j+1, "")
			}
			out = append(out, head)
			cur = indent + ansi.TruncateLeft(cur, ansi.StringWidth(head), "")
			curW = ansi.StringWidth(cur)
			ww = curW - hang
		}
	}
	return append(out, cur)
}

// hangWidth is where a line's text starts: after its indent, a list or status mark, and a
// "fix: " label.
func hangWidth(plain string) int {
	n := len(plain) - len(strings.TrimLeft(plain, " "))
	rest := plain[n:]
	for _, mark := range []string{"✗ ", "! ", "✓ ", "• ", "▸ ", "~ ", "≠ "} {
		if strings.HasPrefix(rest, mark) {
			n += ansi.StringWidth(mark)
			rest = rest[len(mark):]
			break
		}
	}
	if strings.HasPrefix(rest, "fix: ") {
		n += len("fix: ")
	}
	return n
}
