package checks

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

// requireOpenSSL skips a test that needs openssl on a machine with only Go, and fails it when
// CIS2_GOLIVE_OPENSSL=1 (scripts/openssl-interop, which CI runs) so it never silently skips there.
func requireOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CIS2_GOLIVE_OPENSSL") == "1" {
			t.Fatal("CIS2_GOLIVE_OPENSSL=1 but openssl is not installed")
		}
		t.Skip("openssl is not installed; scripts/openssl-interop installs it and runs this")
	}
}

// TestAssertionWithSignCommand: --sign-cmd takes the place of --key in assertion.sign-verify,
// with the same verdicts, and its failures are named.
func TestAssertionWithSignCommand(t *testing.T) {
	requireOpenSSL(t)
	pki := newPKI(t)
	cfg := jwksConfig(t, pki, serveJSON(jwksOf(t, rsaKey(t, 0)), "application/json"))
	opts := pki.testOptions()
	tests := []struct {
		name, cmd string
		want      model.Severity
		msg       string
	}{
		{"published key", "openssl dgst -sha512 -sign " + writeKey(t, rsaKey(t, 0), 0o600), model.Pass, "verified it against the fetched JWKS"},
		{"unpublished key", "openssl dgst -sha512 -sign " + writeKey(t, rsaKey(t, 1), 0o600), model.Fail, "the key's public half is not in the JWKS"},
		{"a failing command", "echo 'no such vault' >&2; exit 1", model.Fail, "could not sign with --sign-cmd: the sign command failed (exit status 1): no such vault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts
			o.SignCommand = tt.cmd
			r := runOneCheck(t, cfg, o, IDAssertion, "jwks_uri")
			wantStatus(t, r, tt.want, tt.msg)
			if strings.Contains(r.Message+r.Fix, "openssl dgst") {
				t.Errorf("the result repeats the command: %q", r.Message)
			}
		})
	}
}
