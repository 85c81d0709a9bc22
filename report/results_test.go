package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

var notReady = Verdict{Blockers: []Blocker{{Kind: "failed", ID: "config.uri.scheme", Target: "redirect_uris[0]", Message: "bad"}}}

// TestCheckReportVerdict: every format ends with golive's verdict, and JSON carries it as
// "ready" and "blockers".
func TestCheckReportVerdict(t *testing.T) {
	rs := []checks.Result{{ID: "config.uri.non-production", Target: "jwks_uri", Status: model.Warn, Message: "production still points at a non-production host"}}
	v := Verdict{Blockers: []Blocker{{Kind: "non-production", ID: "config.uri.non-production", Target: "jwks_uri", Message: "production still points at a non-production host"},
		{Kind: "unverified", ID: "live-checks", Message: "the live checks did not run"}}}
	rep := NewCheckReport("prod.yaml", rs, v, []string{"jwks_uri: production still points at a non-production host", "the live checks did not run"})
	want := "Not ready to send to NHS: jwks_uri: production still points at a non-production host; the live checks did not run."
	for _, f := range []Format{Text, Markdown} {
		var b bytes.Buffer
		if err := WriteCheckReport(&b, f, rep); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(strings.Fields(ansi.Strip(b.String())), " "); !strings.Contains(got, want) {
			t.Errorf("%s lacks the verdict %q:\n%s", f, want, b.String())
		}
	}
	var j bytes.Buffer
	_ = WriteCheckReport(&j, JSON, rep)
	for _, want := range []string{`"ready": false`, `"kind": "non-production"`, `"id": "config.uri.non-production"`, `"target": "jwks_uri"`} {
		if !strings.Contains(j.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, j.String())
		}
	}
	ready := NewCheckReport("prod.yaml", nil, Verdict{Live: true}, nil)
	var b bytes.Buffer
	_ = WriteCheckReport(&b, Text, ready)
	if !strings.Contains(b.String(), "Ready to send to NHS: nothing blocks it.") || !ready.Ready {
		t.Errorf("ready report: %s", b.String())
	}
}

// TestVerdictLine: the one verdict line says when warnings remain on a ready configuration,
// in every format and JSON's "verdict"; a long list is cut, and text from a file is cleaned.
func TestVerdictLine(t *testing.T) {
	ws := []Warning{{ID: "uri.tls", Rule: "cert-expiring", Target: "jwks_uri", Message: "expires in 25 days"},
		{ID: "login.authorize-request", Target: "authorize?code_challenge", Message: "no PKCE"}}
	for _, tt := range []struct {
		v       Verdict
		reasons []string
		want    string
	}{
		{Verdict{Live: true}, nil, "Ready to send to NHS: nothing blocks it"},
		{Verdict{Live: true, Warnings: ws}, nil,
			"Ready to send to NHS, with 2 warnings to review: uri.tls/cert-expiring on jwks_uri, login.authorize-request on authorize?code_challenge"},
		{Verdict{Live: true, Sandbox: true, Warnings: ws[:1]}, nil, "Ready to send to NHS (sandbox), with 1 warning to review: uri.tls/cert-expiring on jwks_uri"},
		{Verdict{Live: true, Warnings: []Warning{ws[0], ws[1], ws[0], {ID: "clock.skew\x1b[31m"}}}, nil,
			"Ready to send to NHS, with 4 warnings to review: uri.tls/cert-expiring on jwks_uri, login.authorize-request on authorize?code_challenge, uri.tls/cert-expiring on jwks_uri, and 1 more"},
		{Verdict{Warnings: ws, Blockers: notReady.Blockers}, []string{"1 check failed"}, "Not ready to send to NHS: 1 check failed"},
	} {
		if got := VerdictLine(tt.v, tt.reasons); got != tt.want {
			t.Errorf("VerdictLine\n got %q\nwant %q", got, tt.want)
		}
	}
	rep := NewCheckReport("prod.yaml", nil, Verdict{Live: true, Warnings: ws}, nil)
	want := "Ready to send to NHS, with 2 warnings to review: uri.tls/cert-expiring on jwks_uri, login.authorize-request on authorize?code_challenge."
	for _, f := range []Format{Text, Markdown, JSON} {
		var b bytes.Buffer
		if err := WriteCheckReport(&b, f, rep); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(strings.Fields(ansi.Strip(b.String())), " "); !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", f, want, b.String())
		}
		if f == JSON && (!strings.Contains(b.String(), `"verdict": "`+want+`"`) || !strings.Contains(b.String(), `"rule": "cert-expiring"`)) {
			t.Errorf("JSON verdict or warnings:\n%s", b.String())
		}
	}
}

// TestCheckTextFits80Columns: long findings wrap under their headline instead of running off
// an 80-column terminal, and server text with escapes arrives clean.
func TestCheckTextFits80Columns(t *testing.T) {
	long := strings.Repeat("the chain verifies only with the custom CA ", 6)
	rep := NewCheckReport("prod.yaml", []checks.Result{
		{ID: "uri.tls", Target: "jwks_uri", Status: model.Warn, Message: long, Fix: long},
		{ID: "config.uri.scheme", Target: "redirect_uris[0]", Status: model.Fail, Message: "bad",
			Fix: "use https", Evidence: map[string]string{"value": "http://a\x1b]0;pwned\x07.uk/cb"}},
	}, notReady, []string{"1 check failed"})
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
	// A word longer than a line (a URL, a kid with a hyphen) is never split.
	rep = NewCheckReport("prod.yaml", []checks.Result{{ID: "assertion.sign-verify", Target: "jwks_uri", Status: model.Pass,
		Message: "signed with kid cfUGYoBSKORXyC2I0Q2atXk-t2DXCM14CiiWsN5Zaek, aud https://cis2.cis2-golive.demo:40031/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare/access_token, verified"}}, Verdict{Live: true}, nil)
	buf.Reset()
	_ = WriteCheckReport(&buf, Text, rep)
	for _, word := range []string{"cfUGYoBSKORXyC2I0Q2atXk-t2DXCM14CiiWsN5Zaek,", "https://cis2.cis2-golive.demo:40031/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare/access_token,"} {
		if !strings.Contains(buf.String(), word) {
			t.Errorf("%q was split:\n%s", word, buf.String())
		}
	}
	if strings.Contains(out, "\x1b") || strings.Contains(out, "\x07") || strings.Contains(out, "pwned") {
		t.Errorf("escape sequence reached the text report: %q", out)
	}
	if !strings.Contains(out, "        fix: the chain") || !strings.Contains(out, "0 passed · 1 warning · 1 failed") {
		t.Errorf("unexpected layout:\n%s", out)
	}
}

// TestCheckReportCleansEveryField: a report can come from a results file, so the text and
// Markdown renderers clean every field (id, target, message, fix, value), not only the value.
func TestCheckReportCleansEveryField(t *testing.T) {
	const evil = "\x1b]0;pwned\x07\x1b[2J\u009b2J\u202e`|"
	rep := NewCheckReport("prod.yaml"+evil, []checks.Result{{
		ID: "uri.tls" + evil, Target: "jwks_uri" + evil, Status: model.Fail,
		Message: "m" + evil, Fix: "f" + evil, Evidence: map[string]string{"value": "v" + evil},
	}}, Verdict{Blockers: []Blocker{{Kind: "failed", ID: "uri.tls" + evil, Target: "jwks_uri" + evil, Message: "m" + evil}}}, []string{"r" + evil})
	for _, f := range []Format{Text, Markdown} {
		var b bytes.Buffer
		if err := WriteCheckReport(&b, f, rep); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, bad := range []string{"\x07", "pwned", "[2J", "\u009b", "\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output holds %q:\n%q", f, bad, out)
			}
		}
		if f == Markdown && (strings.Count(out, "`uri.tls") != 1 || strings.Contains(out, "uri.tls`|")) {
			t.Errorf("markdown id cell broken:\n%s", out)
		}
	}
}

// TestReadCheckReportRefusesUnknownStatus: a results file's status is copied into the
// submission, so only the four statuses are accepted.
func TestReadCheckReportRefusesUnknownStatus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	os.WriteFile(path, []byte(`{"results":[{"id":"x","status":"pass\u001b[2J"}]}`), 0o600)
	_, err := ReadCheckReport(path)
	if err == nil || !strings.Contains(err.Error(), "want pass, warn, fail or skip") || strings.ContainsRune(err.Error(), 0x1b) {
		t.Fatalf("got %v", err)
	}
}

// TestMarkdownCodeKeepsValuesExact: a value is shown as it is, backticks and pipes included,
// in running text and in table cells alike.
func TestMarkdownCodeKeepsValuesExact(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example/cb":  "`https://a.example/cb`",
		"https://a.example/c`b": "``https://a.example/c`b``",
		"`x``y`":                "``` `x``y` ```",
		"a|b":                   "`a|b`",
		"":                      "",
	} {
		if got := mdCode(in); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdCodeCell("a|b"); got != "`a\\|b`" {
		t.Errorf("in a table cell the pipe needs its backslash: %q", got)
	}
}

// TestReadCheckReportRefusesRulesWorseThanTheResult: a check's status is its worst rule's, so
// a result that passes with a rule that failed or warned (a results file edited by hand, the
// status changed and its rules not) would read as a pass while its rules say otherwise. A
// rule's status must be a known one too.
func TestReadCheckReportRefusesRulesWorseThanTheResult(t *testing.T) {
	for _, tt := range []struct{ name, result, want string }{
		{"pass with a failed rule", `{"id":"jwks.lint","target":"jwks_uri","status":"pass","rules":[{"id":"kid-missing","status":"fail"}]}`,
			`result 0 (jwks.lint on jwks_uri) has status "pass" but its rule kid-missing "fail"`},
		{"pass with a warned rule", `{"id":"uri.tls","target":"jwks_uri","status":"pass","rules":[{"id":"cert-expiring","status":"warn"}]}`,
			`its rule cert-expiring "warn"`},
		{"warn with a failed rule", `{"id":"cis2.algs","target":"discovery","status":"warn","rules":[{"id":"alg-no-list","status":"warn"},{"id":"not-advertised","status":"fail"}]}`,
			`its rule not-advertised "fail"`},
		{"a rule with no status", `{"id":"jwks.lint","target":"jwks_uri","status":"warn","rules":[{"id":"kid-missing"}]}`,
			`rule kid-missing has status ""; want pass, warn, fail or skip`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "results.json")
			os.WriteFile(path, []byte(`{"results":[`+tt.result+`]}`), 0o600)
			_, err := ReadCheckReport(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	// What a run writes reads back: rules no worse than their result.
	path := filepath.Join(t.TempDir(), "results.json")
	os.WriteFile(path, []byte(`{"results":[{"id":"jwks.lint","target":"jwks_uri","status":"fail","rules":[{"id":"kid-missing","status":"warn"},{"id":"kid-duplicate","status":"fail"}]}]}`), 0o600)
	if _, err := ReadCheckReport(path); err != nil {
		t.Fatalf("a run's own results refused: %v", err)
	}
}
