package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const cmExport = `{"client_config": {"redirect_uris": ["https://epr.acme-int.co.uk/auth/cis2/callback", "https://admin.acme-int.co.uk/auth/cis2/callback"],
 "backchannel_logout_uri": "https://epr.acme-int.co.uk/auth/cis2/backchannel-logout",
 "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": "https://epr.acme-int.co.uk/.well-known/jwks.json",
 "jwks_uri_signing_algorithm": "RS512", "client_name": "Acme EPR"}, "hash": "abc123"}`

func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	export := writeIn(t, dir, "int.json", cmExport)
	diverging := writeIn(t, dir, "prod-rs256.yaml", strings.Replace(readExample(t), "signing_alg: RS512", "signing_alg: RS256", 1))
	userinfo := writeIn(t, dir, "prod-userinfo.yaml", readExample(t)+"userinfo_signed_response_alg: RS256\n")

	if code, out, stderr := execReport(t, "compare", "--int", export, "--prod", "../examples/production.yaml"); code != ExitOK ||
		!strings.Contains(out, "production replicates INT") {
		t.Errorf("pure host change: exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ := execReport(t, "compare", "--int", export, "--prod", diverging, "--format", "json")
	var rep struct {
		Diverged bool `json:"diverged"`
		Fields   []struct {
			Field, Status, Rule string
		} `json:"fields"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if code != ExitFailed || !rep.Diverged {
		t.Errorf("different algorithm: exit %d, diverged %v; want 1, true", code, rep.Diverged)
	}
	// A Connection Manager export cannot say whether INT signs userinfo: unverified, not a failure.
	if code, out, _ := execReport(t, "compare", "--int", export, "--prod", userinfo, "--format", "markdown"); code != ExitOK ||
		!strings.Contains(out, "| ? unverified | `userinfo_signed_response_alg` |") {
		t.Errorf("userinfo vs CM export: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"compare", "--int", export}, {"compare", "--int", export, "--prod", filepath.Join(dir, "missing.yaml")}} {
		if code, _, _ := execReport(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// QA D4 and D5: a scheme or port change is not a host move, and a second production host for
// a path INT tested on one host is named truthfully.
func TestCompareSchemePortAndSecondHost(t *testing.T) {
	dir := t.TempDir()
	export := writeIn(t, dir, "int.json", cmExport)
	http := writeIn(t, dir, "prod-http.yaml", strings.ReplaceAll(readExample(t), "https://epr.acme-health.co.uk", "http://epr.acme-health.co.uk"))
	port := writeIn(t, dir, "prod-port.yaml", strings.ReplaceAll(readExample(t), "https://admin.acme-health.co.uk/", "https://admin.acme-health.co.uk:8443/"))
	for _, tc := range []struct{ prod, want string }{
		{http, "the scheme differs from INT (https in INT, http in production): only the host may change"},
		{port, "the port differs from INT (443 in INT, 8443 in production): only the host may change"},
	} {
		code, out, _ := execReport(t, "compare", "--int", export, "--prod", tc.prod)
		if code != ExitFailed || !strings.Contains(flat(out), tc.want) || strings.Contains(out, "production replicates INT") {
			t.Errorf("%s: exit %d, want 1 and %q:\n%s", filepath.Base(tc.prod), code, tc.want, out)
		}
		assertFits80(t, "compare", out)
	}

	oneHost := writeIn(t, dir, "int-one.json", strings.Replace(cmExport, `, "https://admin.acme-int.co.uk/auth/cis2/callback"`, "", 1))
	code, out, _ := execReport(t, "compare", "--int", oneHost, "--prod", "../examples/production.yaml")
	if code != ExitOK || !strings.Contains(flat(out), "a second production host for a path INT tested on one host (/auth/cis2/callback)") ||
		strings.Contains(out, "no INT redirect URI") {
		t.Errorf("second production host: exit %d\n%s", code, out)
	}
}

// QA D19: a file that cannot be read is blamed on the flag that named it.
func TestUnreadableFileNamesTheFlagUsed(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "x.yaml")
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"diff", "--old", missing, "--new", "../examples/production.yaml"}, "--old"},
		{[]string{"diff", "--old", "../examples/production.yaml", "--new", missing}, "--new"},
		{[]string{"compare", "--int", missing, "--prod", "../examples/production.yaml"}, "--int"},
		{[]string{"compare", "--int", "../examples/production.yaml", "--prod", missing}, "--prod"},
	} {
		code, _, stderr := execReport(t, tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, "check the path passed to "+tc.flag) || strings.Contains(stderr, "--config") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %s", tc.args, code, stderr, tc.flag)
		}
	}
}

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	next := writeIn(t, dir, "next.yaml", strings.Replace(readExample(t), "/.well-known/jwks.json", "/jwks/v2.json", 1)+"description: EPR\n")
	code, out, stderr := execReport(t, "diff", "--old", "../examples/production.yaml", "--new", next)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"tell NHS: yes  jwks_uri", "tell NHS: unconfirmed  description", "Send NHS England an updated production configuration",
		"re-submit your conformance answers", "same jwks_uri needs no resubmission"} {
		if !strings.Contains(flat(out), flat(want)) {
			t.Errorf("diff output lacks %q:\n%s", want, out)
		}
	}
	assertFits80(t, "diff", out)
	code, out, _ = execReport(t, "diff", "--old", "../examples/production.yaml", "--new", "../examples/production.yaml", "--format", "json")
	var rep struct {
		Changes        []any    `json:"changes"`
		NeedsNHSUpdate bool     `json:"needs_nhs_update"`
		Reminders      []string `json:"reminders"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitOK || len(rep.Changes) != 0 || rep.NeedsNHSUpdate || len(rep.Reminders) != 2 {
		t.Errorf("no change: exit %d, %+v, err %v", code, rep, err)
	}
}
