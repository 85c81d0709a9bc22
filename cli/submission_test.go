package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
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

// passingResults writes the results file of a passing run of the configuration in cfgPath
// into dir: what a submission needs to be ready to send.
func passingResults(t *testing.T, dir, cfgPath string) string {
	t.Helper()
	data, err := passingRunJSON(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return writeIn(t, dir, "results-"+filepath.Base(cfgPath)+".json", string(data))
}

// resultsWithFailure is passingResults with the result of id on target failed.
func resultsWithFailure(t *testing.T, dir, cfgPath, id, target string) string {
	t.Helper()
	var rep struct {
		Config  string           `json:"config"`
		Results []map[string]any `json:"results"`
	}
	data, _ := os.ReadFile(passingResults(t, dir, cfgPath))
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r["id"] == id && r["target"] == target {
			r["status"], r["message"], r["fix"] = "fail", "JWKS returned 404", "publish it"
		}
	}
	data, _ = json.Marshal(rep)
	return writeIn(t, dir, "failed-"+filepath.Base(cfgPath)+".json", string(data))
}

func TestSubmissionWritesBothFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sub")
	results := passingResults(t, t.TempDir(), "../examples/production.yaml")
	code, stdout, stderr := execReport(t, "submission", "--config", "../examples/production.yaml", "--checks", results, "-o", out)
	if code != ExitOK || !strings.Contains(stderr, "Send these to the CIS2 team") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	jsonPath, mdPath := filepath.Join(out, "cis2-production-config.json"), filepath.Join(out, "cis2-production-config.md")
	if stdout != jsonPath+"\n"+mdPath+"\n" {
		t.Errorf("stdout = %q, want the two paths", stdout)
	}
	var sub struct {
		Status   string `json:"status"`
		Blockers []any  `json:"blockers"`
		Client   struct {
			RedirectURIs []string `json:"redirect_uris"`
		} `json:"client"`
		ToolVersion string `json:"tool_version"`
		GeneratedAt string `json:"generated_at"`
		Checks      struct {
			Source  string         `json:"source"`
			Live    bool           `json:"live"`
			Summary map[string]int `json:"summary"`
		} `json:"checks"`
	}
	data, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(data, &sub); err != nil {
		t.Fatal(err)
	}
	if sub.Status != "ready" || len(sub.Blockers) != 0 || len(sub.Client.RedirectURIs) != 2 || sub.ToolVersion != "v0.0.0-test" || sub.GeneratedAt == "" ||
		sub.Checks.Source != "cis2-golive check results: "+filepath.Base(results) || !sub.Checks.Live || sub.Checks.Summary["pass"] != 29 {
		t.Errorf("unexpected submission: %s", data)
	}
	md, _ := os.ReadFile(mdPath)
	for _, want := range []string{"**Status: ready to send.**", "3. **Security pattern used:** Private Key JWT", "No warnings or failures."} {
		if !strings.Contains(string(md), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// TestSubmissionRefusals: each kind of blocker is refused, named, with its own override;
// --force waves nothing through; an override writes, marked not ready, and exits 1 (the rule
// for files written over blockers, as in the wizard).
func TestSubmissionRefusals(t *testing.T) {
	dir := t.TempDir()
	failing := writeIn(t, dir, "failing.yaml", failingYAML)
	integration := writeIn(t, dir, "int.yaml", intYAML)
	results := resultsWithFailure(t, dir, "../examples/production.yaml", "jwks.fetch", "jwks_uri")
	stale := writeIn(t, dir, "stale.json", `{"config":"p.yaml","results":[
		{"id":"config.jwks_uri","target":"jwks_uri","status":"pass","message":"well-formed","evidence":{"value":"https://old.acme-health.co.uk/jwks"}}]}`)
	onINT := writeIn(t, dir, "prod-on-int.yaml", strings.Replace(readExample(t),
		"jwks_uri: https://epr.acme-health.co.uk/", "jwks_uri: https://epr.acme-int.co.uk/", 1))

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr []string
		overrides  []string // what writes it anyway
	}{
		{"offline failure", []string{"--config", failing, "--checks", passingResults(t, dir, failing)}, ExitFailed,
			[]string{"✗ redirect_uris[0]: scheme \"http\" is not allowed", "1 check failed"}, []string{"--allow-failures"}},
		{"not production", []string{"--config", integration, "--checks", passingResults(t, dir, integration)}, ExitFailed,
			[]string{"for integration, not production"}, []string{"--allow-failures"}},
		{"failed results", []string{"--config", "../examples/production.yaml", "--checks", results}, ExitFailed,
			[]string{"✗ jwks_uri: JWKS returned 404", "1 check failed"}, []string{"--allow-failures"}},
		{"no live checks", []string{"--config", "../examples/production.yaml"}, ExitFailed,
			[]string{"the live checks did not run", "--checks results.json"}, []string{"--allow-unverified"}},
		{"non-production host", []string{"--config", onINT, "--checks", passingResults(t, dir, onINT)}, ExitFailed,
			[]string{"! jwks_uri: production still points at a non-production host (epr.acme-int.co.uk)"}, []string{"--allow-warnings"}},
		{"INT host with --int", []string{"--config", onINT, "--int", integration, "--checks", passingResults(t, dir, onINT)}, ExitFailed,
			[]string{"✗ jwks_uri: production still points at epr.acme-int.co.uk, the host of your INT configuration's jwks_uri"}, []string{"--allow-failures"}},
		{"two kinds", []string{"--config", onINT}, ExitFailed,
			[]string{"non-production host", "the live checks did not run"}, []string{"--allow-warnings", "--allow-unverified"}},
		{"stale results", []string{"--config", "../examples/production.yaml", "--checks", stale}, ExitUsage, []string{"different configuration"}, nil},
		{"no config", nil, ExitUsage, []string{"--config is required"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, tt.name)
			args := append([]string{"submission", "-o", out}, tt.args...)
			code, _, stderr := execReport(t, args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d: %s", code, tt.wantCode, stderr)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if fileExists(out) {
				t.Errorf("a refused submission wrote %s", out)
			}
			if tt.overrides == nil {
				return
			}
			if !strings.Contains(stderr, "pass "+strings.Join(tt.overrides, " ")+" to write it anyway") {
				t.Errorf("refusal does not name the overrides %v: %q", tt.overrides, stderr)
			}
			// --force only replaces files: it does not wave a blocker through; nor does one
			// override wave another kind through.
			for _, extra := range [][]string{{"--force"}, tt.overrides[:len(tt.overrides)-1]} {
				if code, _, _ := execReport(t, append(args, extra...)...); code != ExitFailed || fileExists(out) {
					t.Errorf("%v: exit %d, want 1 and nothing written", extra, code)
				}
			}
			// The overrides write, say so, and still exit 1: the files are not ready.
			code, _, stderr = execReport(t, append(args, tt.overrides...)...)
			md, _ := os.ReadFile(filepath.Join(out, "cis2-production-config.md"))
			js, _ := os.ReadFile(filepath.Join(out, "cis2-production-config.json"))
			if code != ExitFailed || !strings.Contains(stderr, "despite") || !strings.Contains(stderr, "Not ready to send") ||
				!strings.Contains(string(md), "**Status: NOT READY.**") || !strings.Contains(string(js), `"status": "not-ready"`) {
				t.Errorf("%v: exit %d, stderr %q\n%s", tt.overrides, code, stderr, md)
			}
			// ...but do not replace the files they wrote.
			if code, _, stderr := execReport(t, append(args, tt.overrides...)...); code != ExitUsage || !strings.Contains(stderr, "already exists") {
				t.Errorf("again: exit %d, stderr %q; want 2, already exists", code, stderr)
			}
		})
	}
}

func TestSubmissionOverwrite(t *testing.T) {
	out := t.TempDir()
	results := passingResults(t, t.TempDir(), "../examples/production.yaml")
	md := writeIn(t, out, "cis2-production-config.md", "my notes\n")
	code, _, stderr := execReport(t, "submission", "--config", "../examples/production.yaml", "--checks", results, "-o", out)
	if code != ExitUsage || !strings.Contains(stderr, "already exists") || !strings.Contains(stderr, "--force") {
		t.Errorf("exit %d, stderr %q; want exit 2 naming --force", code, stderr)
	}
	if fileExists(filepath.Join(out, "cis2-production-config.json")) {
		t.Errorf("refusal must write neither file")
	}
	if data, _ := os.ReadFile(md); string(data) != "my notes\n" {
		t.Errorf("existing file changed: %q", data)
	}
	if code, _, stderr := execReport(t, "submission", "--config", "../examples/production.yaml", "--checks", results, "-o", out, "--force"); code != ExitOK {
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

// TestSubmissionRefusesEverySecretSpelling: a secret however spelled, in the configuration or
// in the --checks results, is refused with every override flag given, and nothing is written.
func TestSubmissionRefusesEverySecretSpelling(t *testing.T) {
	const secret = "hunter2-7f3a9c1e"
	dir := t.TempDir()
	everyOverride := []string{"--allow-failures", "--allow-warnings", "--allow-unverified", "--force"}
	for i, s := range []string{
		"?client_secret=" + secret, "?client%5Fsecret=" + secret, "?clientSecret=" + secret, "?client-secret=" + secret,
		"?api_key=" + secret, "?apikey=" + secret, "?access_token=" + secret, "?password=" + secret, "?secret=" + secret,
		"#client_secret=" + secret, "?x=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl",
		"?client+secret=" + secret, "?next=%2Fclient_secret%3D" + secret, "?user[password]=" + secret,
		"?ｃｌｉｅｎｔ＿ｓｅｃｒｅｔ＝" + secret, "?state=" + base64.RawURLEncoding.EncodeToString([]byte(`{"client_secret":"`+secret+`"}`)),
	} {
		cfg := writeIn(t, dir, fmt.Sprintf("prod%d.yaml", i), strings.Replace(readExample(t),
			"backchannel_logout_uri: https://epr.acme-health.co.uk/auth/cis2/backchannel-logout",
			"backchannel_logout_uri: https://epr.acme-health.co.uk/auth/cis2/backchannel-logout"+s, 1))
		results := writeIn(t, dir, fmt.Sprintf("results%d.json", i), `{"config":"prod.yaml","results":[
			{"id":"uri.reachable","target":"redirect_uris[0]","status":"pass","message":"answered HTTP 200","evidence":{"final_url":"https://login.acme-health.co.uk/`+s+`"}}]}`)
		for _, args := range [][]string{{"--config", cfg}, {"--config", "../examples/production.yaml", "--checks", results}} {
			out := filepath.Join(dir, fmt.Sprintf("out%d", i))
			code, stdout, stderr := execReport(t, append(append([]string{"submission", "-o", out}, args...), everyOverride...)...)
			if code != ExitUsage || !strings.Contains(stderr, "looks like") {
				t.Errorf("%s %v: exit %d, stderr %q; want 2 and the secret refused", s, args, code, stderr)
			}
			if strings.Contains(stdout+stderr, secret) || strings.Contains(stdout+stderr, "eyJ") {
				t.Errorf("%s: the refusal echoes the secret: %q", s, stderr)
			}
			if fileExists(out) {
				t.Errorf("%s %v: wrote %s", s, args, out)
			}
		}
	}
}
