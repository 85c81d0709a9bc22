package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// TestLintReportNeverSaysReady: a lint report's verdict is about the assertion; no format of
// it may say a configuration is ready to send to NHS.
func TestLintReportNeverSaysReady(t *testing.T) {
	for _, tt := range []struct {
		status model.Severity
		want   string
	}{
		{model.Pass, "The assertion follows every rule CIS2 checks."},
		// A warning (an expired capture, a long lifetime) is not "every rule followed".
		{model.Warn, "No rule CIS2 checks fails; see the warnings above."},
		{model.Fail, "CIS2 would refuse this assertion"},
	} {
		rep := NewLintReport("prod.yaml", []checks.Result{{ID: checks.IDLintAud, Target: "claims.aud", Status: tt.status, Message: "m"}})
		for _, f := range []Format{Text, Markdown, JSON} {
			var b bytes.Buffer
			if err := WriteCheckReport(&b, f, rep); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if strings.Contains(out, "to send to NHS") {
				t.Errorf("%s %s: %q speaks of sending to NHS", tt.status, f, out)
			}
			if f != JSON && !strings.Contains(strings.Join(strings.Fields(out), " "), tt.want) {
				t.Errorf("%s %s: %q lacks %q", tt.status, f, out, tt.want)
			}
		}
		if rep.Ready != (tt.status != model.Fail) {
			t.Errorf("%s: ready = %v", tt.status, rep.Ready)
		}
	}
}
