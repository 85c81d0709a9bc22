package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/checks/checkstest"
	"github.com/cis2-golive/cis2-golive/golive"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := Test()
	code = Run(context.Background(), args, ios, BuildInfo{Version: "test"})
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckExitCodes(t *testing.T) {
	bad := writeFile(t, "bad.yaml", "environment: production\nredirect_uris: [\"http://a.acme-health.co.uk/cb\"]\nbackchannel_logout_uri: https://a.acme-health.co.uk/b\ntoken_endpoint_auth_method: client_secret_basic\n")
	warn := writeFile(t, "warn.yaml", "environment: production\nredirect_uris: [\"https://app.example.com/cb\"]\nbackchannel_logout_uri: https://a.acme-health.co.uk/b\ntoken_endpoint_auth_method: client_secret_basic\n")
	broken := writeFile(t, "broken.yaml", "redirect_uris: [\n")
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"clean example", []string{"check", "--offline", "--config", "../examples/production.yaml"}, ExitOK},
		{"warnings only", []string{"check", "--offline", "--config", warn}, ExitOK},
		{"a failure", []string{"check", "--offline", "--config", bad}, ExitFailed},
		{"invalid file", []string{"check", "--offline", "--config", broken}, ExitUsage},
		{"missing flag", []string{"check", "--offline"}, ExitUsage},
		{"unknown command", []string{"frobnicate"}, ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, stderr := runCLI(t, tt.args...); code != tt.want {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.want, stderr)
			}
		})
	}
}

// TestCheckExitsOneWhenCutShort: a check the run's time limit cut is unverified, not failed,
// yet check still exits 1: the run did not do what it was asked, and CI must not read it as
// clean. A report of it says not ready, the live checks not finished.
func TestCheckExitsOneWhenCutShort(t *testing.T) {
	cfg, notes, err := loadFrom("--config", "../examples/production.yaml")
	if err != nil {
		t.Fatal(err)
	}
	results := append(checks.Offline(cfg, notes), checkstest.PassingLive(cfg)...)
	for i, r := range results {
		if r.ID == checks.IDTLS && r.Target == "jwks_uri" {
			results[i] = checks.Result{ID: r.ID, Target: r.Target, Status: model.Skip,
				Message:  "not finished: the run's time limit of 20s was reached",
				Evidence: map[string]string{checks.EvidenceUnfinished: checks.UnfinishedTimeLimit}}
		}
	}
	ios, _, out, _ := Test()
	err = finishCheck(context.Background(), ios, report.Text, "production.yaml", cfg, nil, results, golive.Done)
	if exitCode(err) != ExitFailed {
		t.Fatalf("exit %d, want %d", exitCode(err), ExitFailed)
	}
	if !strings.Contains(out.String(), "0 failed") || !strings.Contains(out.String(), "Not ready to send to NHS: 1 live check did not finish") {
		t.Errorf("report:\n%s", out)
	}
	// All finished: exit 0.
	ios, _, _, _ = Test()
	if err := finishCheck(context.Background(), ios, report.Text, "production.yaml", cfg, nil, checkstest.PassingRun(cfg), golive.Done); err != nil {
		t.Errorf("a finished passing run: %v", err)
	}
}

// TestCheckJSONShape pins the JSON contract: later work may add keys, never remove or rename.
func TestCheckJSONShape(t *testing.T) {
	bad := writeFile(t, "bad.yaml", "environment: production\nredirect_uris: [\"http://a.acme-health.co.uk/cb\"]\nbackchannel_logout_uri: https://a.acme-health.co.uk/b\ntoken_endpoint_auth_method: client_secret_basic\n")
	code, stdout, _ := runCLI(t, "check", "--offline", "--config", bad, "--format", "json")
	if code != ExitFailed {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Config  *string                      `json:"config"`
		Results []map[string]json.RawMessage `json:"results"`
		Summary map[string]int               `json:"summary"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if doc.Config == nil || *doc.Config != bad {
		t.Errorf("config = %v", doc.Config)
	}
	if len(doc.Results) == 0 {
		t.Fatal("no results")
	}
	total := 0
	for _, r := range doc.Results {
		for _, k := range []string{"id", "target", "status", "message", "fix"} {
			if _, ok := r[k]; !ok {
				t.Errorf("result lacks %q: %v", k, r)
			}
		}
		var status string
		_ = json.Unmarshal(r["status"], &status)
		if !strings.Contains("pass warn fail skip", status) || status == "" {
			t.Errorf("bad status %q", status)
		}
		total++
	}
	sum := 0
	for _, k := range []string{"pass", "warn", "fail", "skip"} {
		n, ok := doc.Summary[k]
		if !ok {
			t.Errorf("summary lacks %q", k)
		}
		sum += n
	}
	if sum != total || doc.Summary["fail"] != 1 {
		t.Errorf("summary %v does not match %d results", doc.Summary, total)
	}
}

// TestCheckColour: colour only on a TTY, never with NO_COLOR, never in JSON.
func TestCheckColour(t *testing.T) {
	for _, tt := range []struct {
		name    string
		tty     bool
		noColor bool
		want    bool
	}{
		{"pipe", false, false, false},
		{"tty", true, false, true},
		{"tty with NO_COLOR", true, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := Test()
			ios.SetTTY(false, tt.tty)
			ios.environ = []string{"TERM=xterm-256color"}
			if tt.noColor {
				ios.environ = append(ios.environ, "NO_COLOR=1")
			}
			Run(context.Background(), []string{"check", "--offline", "--config", "../examples/production.yaml"}, ios, BuildInfo{})
			if got := hasColour(out.String()); got != tt.want {
				t.Fatalf("colour present = %v, want %v:\n%q", got, tt.want, out.String())
			}
		})
	}
}

var sgr = regexp.MustCompile(`\x1b\[([0-9;]*)m`)

// hasColour reports whether any SGR sequence sets a foreground or background colour.
func hasColour(s string) bool {
	for _, m := range sgr.FindAllStringSubmatch(s, -1) {
		for _, p := range strings.Split(m[1], ";") {
			if len(p) == 2 && (p[0] == '3' || p[0] == '4' || p[0] == '9') && p != "39" && p != "49" {
				return true
			}
		}
	}
	return false
}

func TestNoTTYRootNamesCheck(t *testing.T) {
	code, _, stderr := runCLI(t)
	if code != ExitUsage || !strings.Contains(stderr, "check --config FILE") {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
}
