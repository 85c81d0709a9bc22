package report

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/checks"
)

func TestHangWrapsAtSpacesWithAHangingIndent(t *testing.T) {
	const url = "https://cis2.cis2-golive.demo:40031/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare/access_token"
	const kid = "cfUGYoBSKORXyC2I0Q2atXk-t2DXCM14CiiWsN5Zaek"
	s := "3. Sign client assertions with keys/private-key-cfUGYoBS.pem and the header kid " + kid + " for " + url + " and then wait."
	got := Hang("  ", s)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) < 3 {
		t.Fatalf("not wrapped:\n%s", got)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > TextWidth && !strings.Contains(l, url) {
			t.Errorf("line %d is %d columns: %q", i, w, l)
		}
		if !strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "   ") || strings.HasSuffix(l, " ") {
			t.Errorf("line %d: want a two-space hanging indent and no trailing space: %q", i, l)
		}
	}
	for _, word := range []string{url, kid, "keys/private-key-cfUGYoBS.pem"} {
		if !strings.Contains(got, word) {
			t.Errorf("%s was split:\n%s", word, got)
		}
	}

	// A styled prefix is measured by what it shows.
	styled := HangIndent(stylePass.Render("[x]")+" ", "    ", strings.Repeat("word ", 40))
	slines := strings.Split(strings.TrimSuffix(ansi.Strip(styled), "\n"), "\n")
	for _, l := range slines[:len(slines)-1] { // the last line holds what is left
		if w := ansi.StringWidth(l); w > TextWidth || w < TextWidth-6 {
			t.Errorf("styled prefix: line of %d columns: %q", w, l)
		}
	}
}

func TestSummaryLinePlurals(t *testing.T) {
	for s, want := range map[checks.Summary]string{
		{Pass: 1, Warn: 1, Fail: 1, Skip: 1}: "1 passed · 1 warning · 1 failed · 1 skipped",
		{Pass: 6, Warn: 2}:                   "6 passed · 2 warnings · 0 failed · 0 skipped",
		{}:                                   "0 passed · 0 warnings · 0 failed · 0 skipped",
	} {
		if got := SummaryLine(s); got != want {
			t.Errorf("SummaryLine(%+v) = %q, want %q", s, got, want)
		}
	}
	if got := Plural(1, "unexplained divergence", "unexplained divergences"); got != "1 unexplained divergence" {
		t.Errorf("Plural = %q", got)
	}
}
