package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

var junitSample = []checks.Result{
	{ID: "uri.tls", Target: "jwks_uri", Status: model.Pass, Message: "TLS 1.3"},
	{ID: "uri.tls", Target: "redirect_uris[0]", Status: model.Warn, Message: "the certificate expires in 10 days"},
	{ID: "jwks.lint", Target: "jwks_uri", Status: model.Fail, Message: "two keys share kid a", Fix: "one kid per key"},
	{ID: "token.probe", Target: "token_endpoint", Status: model.Skip, Message: "opt-in"},
}

func TestCheckJUnitAndFormats(t *testing.T) {
	for _, s := range []string{"junit", "JUnit"} {
		if f, err := ParseResultsFormat(s); err != nil || f != JUnit {
			t.Errorf("ParseResultsFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("junit"); err == nil {
		t.Error("commands that report no check results do not offer junit")
	}
	if _, err := ParseResultsFormat("xml"); err == nil || !strings.Contains(err.Error(), "junit") {
		t.Errorf("unknown format: %v, want the list including junit", err)
	}
	var buf bytes.Buffer
	rep := NewCheckReport("prod.yaml", junitSample, notReady, []string{"1 check failed"})
	if err := WriteCheckReport(&buf, JUnit, rep); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(buf.Bytes(), new(struct{})); err != nil || !strings.Contains(buf.String(), `<testsuite name="cis2-golive check prod.yaml" tests="4" failures="1"`) {
		t.Errorf("check --format junit: %v\n%s", err, buf.String())
	}
}
