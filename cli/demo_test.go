package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// runDemoJSON runs `demo --format json` in-process and parses the report.
func runDemoJSON(t *testing.T, args ...string) (int, report.CheckReport, string) {
	t.Helper()
	args = append([]string{"demo", "--format", "json", "--dir", t.TempDir()}, args...)
	code, stdout, stderr := runCLI(t, args...)
	var rep report.CheckReport
	if code == ExitOK || code == ExitFailed {
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("demo %v: stdout is not a JSON report: %v\n%s", args, err, stdout)
		}
	}
	return code, rep, stderr
}

// liveIDs are the live checks demo must run and pass against a healthy sandbox.
var liveIDs = []string{checks.IDResolve, checks.IDTLS, checks.IDReachable, checks.IDBCL,
	checks.IDJWKSFetch, checks.IDJWKSPublic, checks.IDJWKSLint, checks.IDJWKSAlgMatch,
	checks.IDAssertion, checks.IDCIS2Algs, checks.IDTokenProbe, checks.IDLogin}

func TestDemoAllPass(t *testing.T) {
	code, rep, stderr := runDemoJSON(t)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, stderr)
	}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		seen[r.ID] = true
		if r.Status != model.Pass {
			t.Errorf("%s %s: %s %s (fix: %s)", r.ID, r.Target, r.Status, r.Message, r.Fix)
		}
	}
	for _, id := range liveIDs {
		if !seen[id] {
			t.Errorf("no %s result; got %v", id, rep.Results)
		}
	}
	if !strings.Contains(stderr, "sandbox-config.yaml") || !strings.Contains(stderr, "127.0.0.1") {
		t.Errorf("stderr does not say where the files went: %s", stderr)
	}
}

// TestDemoFaults: each fault mode turns the check that exists to catch it into a failure.
func TestDemoFaults(t *testing.T) {
	// timeout is for faults that only show as a timeout: under SlowDelay (2s), yet long enough
	// that on a loaded machine under -race every check starts (the logout probe signs its ten
	// tokens first) before the run's limit of twice the timeout.
	tests := []struct {
		fault   string
		timeout string
		id      string
		target  string
	}{
		{"bcl-accepts-all", "", checks.IDBCL, "backchannel_logout_uri"},
		{"bcl-accepts-alg-none", "", checks.IDBCL, "backchannel_logout_uri"},
		{"bcl-key-confusion", "", checks.IDBCL, "backchannel_logout_uri"},
		{"bcl-skips-signature", "", checks.IDBCL, "backchannel_logout_uri"},
		{"jwks-private", "", checks.IDJWKSPublic, "jwks_uri"},
		{"jwks-wrong-alg", "", checks.IDJWKSAlgMatch, "jwks_uri"},
		{"jwks-wrong-alg", "", checks.IDAssertion, "jwks_uri"},
		{"expired-cert", "", checks.IDTLS, "jwks_uri"},
		{"wrong-host", "", checks.IDTLS, "backchannel_logout_uri"},
		{"self-signed", "", checks.IDTLS, "redirect_uris[0]"},
		{"old-tls", "", checks.IDTLS, "jwks_uri"},
		{"slow", "1500ms", checks.IDReachable, "redirect_uris[0]"},
		{"hang", "1500ms", checks.IDReachable, "jwks_uri"},
		{"drip", "1500ms", checks.IDBCL, "backchannel_logout_uri"},
		{"drip", "1500ms", checks.IDJWKSFetch, "jwks_uri"},
		{"login-http-redirect-uri", "", checks.IDLogin, "authorize?redirect_uri"},
		{"login-int-client-id", "", checks.IDLogin, "authorize?client_id"},
		{"login-no-openid", "", checks.IDLogin, "authorize?scope"},
		{"login-form-post", "", checks.IDLogin, "authorize?response_mode"},
		{"login-no-nonce", "", checks.IDLogin, "authorize?nonce"},
		{"login-unknown-acr", "", checks.IDLogin, "authorize?acr_values"},
	}
	for _, tt := range tests {
		t.Run(tt.fault+"/"+tt.id, func(t *testing.T) {
			args := []string{"--fault", tt.fault}
			if tt.timeout != "" {
				args = append(args, "--timeout", tt.timeout)
			}
			code, rep, stderr := runDemoJSON(t, args...)
			if code != ExitFailed || rep.Summary.Fail == 0 {
				t.Fatalf("exit %d with %d failures, want 1; stderr: %s", code, rep.Summary.Fail, stderr)
			}
			i := slices.IndexFunc(rep.Results, func(r checks.Result) bool { return r.ID == tt.id && r.Target == tt.target })
			if i < 0 {
				t.Fatalf("no %s result for %s", tt.id, tt.target)
			}
			if r := rep.Results[i]; r.Status != model.Fail {
				t.Errorf("%s %s = %s (%s), want fail", tt.id, tt.target, r.Status, r.Message)
			}
			for _, r := range rep.Results {
				if strings.HasPrefix(r.ID, "config.") && r.Status != model.Pass {
					t.Errorf("a relying party fault changed an offline result: %+v", r)
				}
			}
		})
	}
}

// TestDemoBCLNamesTheAcceptedToken: the logout matrix says which kind of forged token the
// sandbox's broken endpoint let through, and only that one.
func TestDemoBCLNamesTheAcceptedToken(t *testing.T) {
	for fault, want := range map[string]string{
		"bcl-accepts-alg-none": "accepts alg none tokens",
		"bcl-key-confusion":    "accepts HS256 tokens keyed with CIS2's public key in PEM",
	} {
		_, rep, _ := runDemoJSON(t, "--fault", fault)
		i := slices.IndexFunc(rep.Results, func(r checks.Result) bool { return r.ID == checks.IDBCL })
		if i < 0 {
			t.Fatalf("%s: no %s result", fault, checks.IDBCL)
		}
		r := rep.Results[i]
		if r.Status != model.Fail || !strings.Contains(r.Message, want) || strings.Count(r.Evidence["matrix"], "=200") != 1 {
			t.Errorf("%s: %s %q, matrix %q; want a failure naming %q and one token accepted", fault, r.Status, r.Message, r.Evidence["matrix"], want)
		}
	}
}

func TestDemoUsageErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"unknown fault":  {"demo", "--fault", "explode"},
		"unknown format": {"demo", "--format", "xml"},
		"arguments":      {"demo", "extra"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, args...)
			if code != ExitUsage || stdout != "" {
				t.Errorf("exit %d, stdout %q; want 2 and nothing on stdout", code, stdout)
			}
			if name == "unknown fault" && !strings.Contains(stderr, "bcl-accepts-all") {
				t.Errorf("the error does not list the faults: %s", stderr)
			}
		})
	}
}

// TestDemoCancel: an interrupt during a hung check ends the run with 130, not at the timeout.
func TestDemoCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(200 * time.Millisecond)
		cancel()
	}()
	ios, _, out, errOut := Test()
	code := Run(ctx, []string{"demo", "--fault", "hang", "--timeout", "1h", "--dir", t.TempDir()}, ios, BuildInfo{})
	if code != ExitCancelled {
		t.Errorf("exit %d, want 130; stdout: %s", code, out)
	}
	// It says it was interrupted, not only "0 failed · 10 skipped".
	if !strings.Contains(errOut.String(), "Interrupted: what finished is reported above") ||
		!strings.Contains(out.String(), "did not finish (interrupted") {
		t.Errorf("the run does not say it was interrupted:\n%s\n%s", out, errOut)
	}
}

func TestDemoTextAndMarkdown(t *testing.T) {
	code, stdout, _ := runCLI(t, "demo", "--dir", t.TempDir())
	if code != ExitOK || !strings.Contains(stdout, "0 failed") || !strings.Contains(stdout, "bcl.rejects-bogus-token") {
		t.Errorf("text demo: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "demo", "--format", "markdown", "--fault", "bcl-accepts-all", "--dir", t.TempDir())
	if code != ExitFailed || !strings.Contains(stdout, "| ✗ FAIL | `bcl.rejects-bogus-token` |") {
		t.Errorf("markdown demo: exit %d\n%s", code, stdout)
	}
}

// TestDemoRemovesItsTemporaryFolder: the temporary folder holds a private key, so it is gone
// when the demo ends, unless --keep; a folder named with --dir is the user's and stays.
func TestDemoRemovesItsTemporaryFolder(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	wrote := regexp.MustCompile(`Wrote (\S+)/sandbox-config.yaml`)
	for _, tc := range []struct {
		args []string
		kept bool
		says string
	}{
		{nil, false, "Removed the demo folder"},
		{[]string{"--keep"}, true, "Kept the demo folder"},
	} {
		code, _, stderr := runCLI(t, append([]string{"demo", "--format", "json"}, tc.args...)...)
		m := wrote.FindStringSubmatch(stderr)
		if code != ExitOK || m == nil {
			t.Fatalf("%v: exit %d: %s", tc.args, code, stderr)
		}
		_, err := os.Stat(filepath.Join(m[1], "sandbox-rp-key.pem"))
		if kept := err == nil; kept != tc.kept {
			t.Errorf("%v: key kept %v, want %v (%v)", tc.args, kept, tc.kept, err)
		}
		if !strings.Contains(stderr, tc.says) {
			t.Errorf("%v: stderr does not say %q: %s", tc.args, tc.says, stderr)
		}
	}
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, "demo", "--format", "json", "--dir", dir); code != ExitOK {
		t.Fatalf("--dir: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "sandbox-rp-key.pem")); err != nil {
		t.Errorf("--dir: the user's folder lost its files: %v", err)
	}
}
