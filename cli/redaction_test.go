package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readExample(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../examples/production.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestNoSecretReachesAnyOutput runs every report command with a client secret in the
// environment and a private key file beside the configuration, then searches every byte the
// tool wrote (stdout, stderr, files) for any piece of either.
func TestNoSecretReachesAnyOutput(t *testing.T) {
	const clientSecret = "cs-7f3a9c1e5b2d4f60a8e9"
	t.Setenv("CLIENT_SECRET", clientSecret)
	t.Setenv("CIS2_CLIENT_SECRET", clientSecret)

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der := x509.MarshalPKCS1PrivateKey(key)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "private-key.pem")
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	// Secret fragments: the client secret, each base64 line of the PEM body, and the private
	// exponent as a JWK would carry it.
	secrets := []string{clientSecret, "PRIVATE KEY", base64.RawURLEncoding.EncodeToString(key.D.Bytes())[:24]}
	for _, line := range strings.Split(string(keyPEM), "\n") {
		if len(line) >= 32 && !strings.HasPrefix(line, "-----") {
			secrets = append(secrets, line[:32])
		}
	}

	cfg := writeIn(t, dir, "prod.yaml", readExample(t)+"# key file: "+"private-key.pem (never read by these commands)\n")
	next := writeIn(t, dir, "next.yaml", strings.Replace(readExample(t), "signing_alg: RS512", "signing_alg: RS256", 1))
	intCfg := writeIn(t, dir, "int.json", cmExport)
	out := filepath.Join(dir, "out")
	results := filepath.Join(dir, "results.json")

	var outputs []string
	record := func(args ...string) {
		_, stdout, stderr := execReport(t, args...)
		outputs = append(outputs, stdout, stderr)
	}
	record("check", "--offline", "--config", cfg, "--format", "json")
	code, stdout, _ := execReport(t, "check", "--offline", "--config", cfg, "--format", "json")
	if code != ExitOK {
		t.Fatalf("check exit %d", code)
	}
	writeIn(t, dir, "results.json", stdout)
	record("submission", "--config", cfg, "--checks", results, "-o", out, "--allow-unverified")
	for _, f := range []string{"markdown", "json", "text"} {
		record("checklist", "--config", cfg, "--checks", results, "--submitted", "2026-03-02", "--format", f)
		record("compare", "--int", intCfg, "--prod", cfg, "--format", f)
		record("diff", "--old", cfg, "--new", next, "--format", f)
	}
	record("checklist", "--config", cfg, "-o", filepath.Join(out, "checklist.json"))

	// A configuration that holds a key is refused, even with --force, without echoing it.
	withKey := writeIn(t, dir, "with-key.yaml", readExample(t)+"description: |\n  "+strings.ReplaceAll(string(keyPEM), "\n", "\n  ")+"\n")
	code, stdout, stderr := execReport(t, "submission", "--config", withKey, "-o", filepath.Join(dir, "refused"), "--force")
	outputs = append(outputs, stdout, stderr)
	if code != ExitUsage || !strings.Contains(stderr, "description holds what looks like a PEM private key") {
		t.Errorf("config with a key: exit %d, stderr %q", code, stderr)
	}
	if fileExists(filepath.Join(dir, "refused")) {
		t.Error("a refused submission wrote files")
	}

	files, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(files) != 3 {
		t.Fatalf("want 2 submission files and a checklist, got %v", files)
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		outputs = append(outputs, string(data))
	}
	for i, o := range outputs {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				t.Errorf("output %d contains secret fragment %q:\n%s", i, s, o)
			}
		}
	}
}
