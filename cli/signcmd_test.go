package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sandbox"
)

// openSSLEnv, set to 1 by scripts/openssl-interop, makes a missing openssl a failure.
const openSSLEnv = "CIS2_GOLIVE_OPENSSL"

func requireOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv(openSSLEnv) == "1" {
			t.Fatalf("%s=1 but openssl is not installed", openSSLEnv)
		}
		t.Skip("openssl is not installed; scripts/openssl-interop installs it and runs this")
	}
}

// TestSignCmdGivesTheSameVerdictsAsKey runs the live checks over the sandbox twice, with the
// PEM key (--key) and with an openssl one-liner signing with it (--sign-cmd), healthy and
// broken: every result must have the same status, and the client assertion and token probe
// must pass when nothing is broken.
func TestSignCmdGivesTheSameVerdictsAsKey(t *testing.T) {
	requireOpenSSL(t)
	for _, fault := range []string{"", "jwks-wrong-alg", "jwks-private", "bcl-accepts-alg-none"} {
		t.Run("fault "+fault, func(t *testing.T) {
			var names []string
			if fault != "" {
				names = []string{fault}
			}
			faults, _ := sandbox.ParseFaults(names)
			sb, files, err := sandbox.StartDemo(t.TempDir(), faults)
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			cfg, _, err := model.Load(files.Config)
			if err != nil {
				t.Fatal(err)
			}
			withKey := DemoCheckOptions(sb, files, 10*time.Second)
			withCmd := withKey
			withCmd.KeyPath = ""
			withCmd.SignCommand = "openssl dgst -sha512 -sign " + files.Key // the sandbox declares RS512
			run := func(o checks.Options) map[string]checks.Result {
				out := map[string]checks.Result{}
				for _, r := range checks.Run(context.Background(), checks.Plan(cfg, o), o, nil) {
					out[r.ID+" "+r.Target] = r
				}
				return out
			}
			a, b := run(withKey), run(withCmd)
			for k, ra := range a {
				if rb := b[k]; rb.Status != ra.Status {
					t.Errorf("%s: --key %s (%s), --sign-cmd %s (%s)", k, ra.Status, ra.Message, rb.Status, rb.Message)
				}
			}
			if fault == "" {
				for _, k := range []string{checks.IDAssertion + " jwks_uri", checks.IDTokenProbe + " token_endpoint"} {
					if b[k].Status != model.Pass {
						t.Errorf("--sign-cmd %s: %s %q", k, b[k].Status, b[k].Message)
					}
				}
			}
			js, _ := json.Marshal(b)
			if strings.Contains(string(js), "openssl dgst") {
				t.Error("a result repeats the sign command")
			}
		})
	}
}

func TestSignCmdFlagErrors(t *testing.T) {
	cfg := liveConfig(t, "https://127.0.0.1:1")
	key := writeFile(t, "k.pem", "x")
	for name, args := range map[string][]string{
		"with --key": {"check", "--config", cfg, "--key", key, "--sign-cmd", "openssl dgst -sha256 -sign k.pem"},
		"empty":      {"check", "--config", cfg, "--sign-cmd", "  "},
	} {
		t.Run(name, func(t *testing.T) {
			if code, _, stderr := runCLI(t, args...); code != ExitUsage || !strings.Contains(stderr, "--sign-cmd") {
				t.Errorf("exit %d, stderr %q; want a usage error naming --sign-cmd", code, stderr)
			}
		})
	}
}
