package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/checks"
)

// TestCheckTextFits80Columns: long findings wrap under their headline instead of running off
// an 80-column terminal, and server text with escapes arrives clean.
func TestCheckTextFits80Columns(t *testing.T) {
	long := strings.Repeat("the chain verifies only with the custom CA ", 6)
	rep := NewCheckReport("prod.yaml", []checks.Result{
		{ID: "uri.tls", Target: "jwks_uri", Status: checks.Warn, Message: long, Fix: long},
		{ID: "config.uri.scheme", Target: "redirect_uris[0]", Status: checks.Fail, Message: "bad",
			Fix: "use https", Evidence: map[string]string{"value": "http://a\x1b]0;pwned\x07.uk/cb"}},
	})
	var buf bytes.Buffer
	if err := WriteCheckReport(&buf, Text, rep); err != nil {
		t.Fatal(err)
	}
	out := ansi.Strip(buf.String()) // our own styling is the writer's to keep or drop
	for _, line := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(line); w > 80 {
			t.Errorf("line of %d columns: %q", w, line)
		}
	}
	if strings.Contains(out, "\x1b") || strings.Contains(out, "\x07") || strings.Contains(out, "pwned") {
		t.Errorf("escape sequence reached the text report: %q", out)
	}
	if !strings.Contains(out, "        fix: the chain") || !strings.Contains(out, "1 warnings · 1 failed") {
		t.Errorf("unexpected layout:\n%s", out)
	}
}
