package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeIn(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func fileExists(path string) bool { _, err := os.Stat(path); return err == nil }

const intYAML = `environment: integration
product: Acme EPR
redirect_uris:
  - https://epr.acme-int.co.uk/auth/cis2/callback
backchannel_logout_uri: https://epr.acme-int.co.uk/auth/cis2/backchannel-logout
token_endpoint_auth_method: private_key_jwt
jwks_uri: https://epr.acme-int.co.uk/.well-known/jwks.json
token_endpoint_auth_signing_alg: RS512
`

const failingYAML = `environment: production
product: Acme EPR
redirect_uris:
  - http://epr.acme-health.co.uk/auth/cis2/callback
backchannel_logout_uri: https://epr.acme-health.co.uk/auth/cis2/backchannel-logout
token_endpoint_auth_method: client_secret_basic
`

func TestSubmissionWritesBothFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sub")
	code, stdout, stderr := execReport(t, "submission", "--config", "../examples/production.yaml", "-o", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	jsonPath, mdPath := filepath.Join(out, "cis2-production-config.json"), filepath.Join(out, "cis2-production-config.md")
	if stdout != jsonPath+"\n"+mdPath+"\n" {
		t.Errorf("stdout = %q, want the two paths", stdout)
	}
	var sub struct {
		Client struct {
			RedirectURIs []string `json:"redirect_uris"`
		} `json:"client"`
		ToolVersion string `json:"tool_version"`
		GeneratedAt string `json:"generated_at"`
		Checks      struct {
			Source  string         `json:"source"`
			Summary map[string]int `json:"summary"`
		} `json:"checks"`
	}
	data, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(data, &sub); err != nil {
		t.Fatal(err)
	}
	if len(sub.Client.RedirectURIs) != 2 || sub.ToolVersion != "v0.0.0-test" || sub.GeneratedAt == "" ||
		sub.Checks.Source != "offline rules" || sub.Checks.Summary["pass"] != 6 {
		t.Errorf("unexpected submission: %s", data)
	}
	md, _ := os.ReadFile(mdPath)
	if !strings.Contains(string(md), "3. **Security pattern used:** Private Key JWT") {
		t.Errorf("markdown lacks the security pattern:\n%s", md)
	}
}

func TestSubmissionRefusals(t *testing.T) {
	dir := t.TempDir()
	failing := writeIn(t, dir, "failing.yaml", failingYAML)
	integration := writeIn(t, dir, "int.yaml", intYAML)
	results := writeIn(t, dir, "results.json", `{"config":"p.yaml","results":[
		{"id":"live.jwks.reachable","target":"jwks_uri","status":"fail","message":"JWKS returned 404","fix":"publish it"}]}`)
	stale := writeIn(t, dir, "stale.json", `{"config":"p.yaml","results":[
		{"id":"config.jwks_uri","target":"jwks_uri","status":"pass","message":"well-formed","evidence":{"value":"https://old.acme-health.co.uk/jwks"}}]}`)

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"offline failure", []string{"--config", failing}, ExitFailed, "fails the offline rules"},
		{"not production", []string{"--config", integration}, ExitFailed, "for integration, not production"},
		{"failed results", []string{"--config", "../examples/production.yaml", "--checks", results}, ExitFailed, "1 check in the results file failed"},
		{"stale results", []string{"--config", "../examples/production.yaml", "--checks", stale}, ExitUsage, "different configuration"},
		{"no config", nil, ExitUsage, "--config is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, tt.name)
			args := append([]string{"submission", "-o", out}, tt.args...)
			code, _, stderr := execReport(t, args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.wantCode, tt.wantStderr)
			}
			if fileExists(out) {
				t.Errorf("a refused submission wrote %s", out)
			}
			if tt.wantCode == ExitFailed {
				if !strings.Contains(stderr, "--allow-failures") {
					t.Errorf("refusal does not say how to override: %q", stderr)
				}
				// --force only replaces files: it does not wave failed checks through.
				if code, _, _ := execReport(t, append(args, "--force")...); code != ExitFailed || fileExists(out) {
					t.Errorf("--force alone: exit %d, want 1 and nothing written", code)
				}
				// --allow-failures writes, and says what it overrode.
				code, _, stderr := execReport(t, append(args, "--allow-failures")...)
				if code != ExitOK || !strings.Contains(stderr, "despite") || !strings.Contains(stderr, "(--allow-failures)") ||
					!fileExists(filepath.Join(out, "cis2-production-config.json")) {
					t.Errorf("--allow-failures: exit %d, stderr %q", code, stderr)
				}
				// ...but does not replace the files it wrote.
				if code, _, stderr := execReport(t, append(args, "--allow-failures")...); code != ExitUsage || !strings.Contains(stderr, "already exists") {
					t.Errorf("--allow-failures again: exit %d, stderr %q; want 2, already exists", code, stderr)
				}
			}
		})
	}
}

func TestSubmissionOverwrite(t *testing.T) {
	out := t.TempDir()
	md := writeIn(t, out, "cis2-production-config.md", "my notes\n")
	code, _, stderr := execReport(t, "submission", "--config", "../examples/production.yaml", "-o", out)
	if code != ExitUsage || !strings.Contains(stderr, "already exists") || !strings.Contains(stderr, "--force") {
		t.Errorf("exit %d, stderr %q; want exit 2 naming --force", code, stderr)
	}
	if fileExists(filepath.Join(out, "cis2-production-config.json")) {
		t.Errorf("refusal must write neither file")
	}
	if data, _ := os.ReadFile(md); string(data) != "my notes\n" {
		t.Errorf("existing file changed: %q", data)
	}
	if code, _, stderr := execReport(t, "submission", "--config", "../examples/production.yaml", "-o", out, "--force"); code != ExitOK {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	if data, _ := os.ReadFile(md); !strings.Contains(string(data), "Production Redirection URIs") {
		t.Errorf("--force did not replace the file: %q", data)
	}
	leftovers, _ := filepath.Glob(filepath.Join(out, ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("atomic write left temporary files: %v", leftovers)
	}
}
