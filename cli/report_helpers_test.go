package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// run executes the command line in-process and returns the exit code and both streams.
func execReport(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := Test()
	code := Run(context.Background(), args, ios, BuildInfo{Version: "v0.0.0-test"})
	return code, out.String(), errOut.String()
}

// flat joins wrapped text back into one line, so a test can look for a sentence wherever the
// 80-column wrapping broke it.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// assertFits80 fails on any line wider than 80 columns or ending in a space; a line holding
// one word (a path or URL never split) may run long.
func assertFits80(t *testing.T, name, out string) {
	t.Helper()
	for _, line := range strings.Split(ansi.Strip(out), "\n") {
		if w := ansi.StringWidth(line); w > 80 && len(strings.Fields(line)) > 1 {
			t.Errorf("%s: line of %d columns: %q", name, w, line)
		}
		if strings.HasSuffix(line, " ") {
			t.Errorf("%s: trailing space: %q", name, line)
		}
	}
}
