package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cis2-golive/cis2-golive/keys"
)

// newKeyDir runs `keys new` into a fresh directory and returns the files it wrote.
func newKeyDir(t *testing.T, args ...string) (dir, keyPath, jwksPath string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "keys")
	code, stdout, stderr := runCLI(t, append([]string{"keys", "new", "-o", dir}, args...)...)
	if code != ExitOK {
		t.Fatalf("keys new: exit %d\n%s%s", code, stdout, stderr)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "private-key-*.pem"))
	if len(matches) != 1 {
		t.Fatalf("want one private key file, got %v", matches)
	}
	return dir, matches[0], filepath.Join(dir, "jwks.json")
}

func TestKeysNew(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	code, stdout, stderr := runCLI(t, "keys", "new", "--alg", "RS512", "-o", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	keyPath, _ := filepath.Glob(filepath.Join(dir, "private-key-*.pem"))
	if len(keyPath) != 1 {
		t.Fatalf("key files: %v", keyPath)
	}
	jwksPath := filepath.Join(dir, "jwks.json")
	for _, want := range []string{keyPath[0], "never leaves the server", jwksPath, "publish it at your JWKS URI", "RS512"} {
		if !strings.Contains(flat(stdout), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	assertFits80(t, "keys new", stdout)
	if info, err := os.Stat(keyPath[0]); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, %v", info.Mode().Perm(), err)
	}
	set, err := keys.ParseSet(mustRead(t, jwksPath))
	if err != nil || len(set.Keys) != 1 || set.Keys[0].HasPrivate() || set.Keys[0].Alg != "RS512" {
		t.Fatalf("jwks.json: %+v, %v", set, err)
	}
	if strings.Contains(stdout, "PRIVATE KEY-----") {
		t.Error("stdout shows the private key")
	}

	before := mustRead(t, jwksPath)
	code, _, stderr = runCLI(t, "keys", "new", "-o", dir)
	if code != ExitUsage || !strings.Contains(stderr, "refusing to overwrite") {
		t.Errorf("second run: exit %d, %s", code, stderr)
	}
	if !bytes.Equal(before, mustRead(t, jwksPath)) {
		t.Error("second run changed jwks.json")
	}
}

// With a short path, each file's role wraps in a column beside it, within 80 columns.
func TestKeysNewShortPathsFit80Columns(t *testing.T) {
	t.Chdir(t.TempDir())
	code, stdout, stderr := runCLI(t, "keys", "new", "-o", "k")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	assertFits80(t, "keys new", stdout)
	if !strings.Contains(stdout, "  k/jwks.json                 public key set: publish it") ||
		!strings.Contains(flat(stdout), "3. Sign client assertions with k/private-key-") {
		t.Errorf("layout:\n%s", stdout)
	}
}

func TestKeysNewUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"keys", "new", "--bits", "1024"},
		{"keys", "new", "--alg", "ES256"},
		{"keys", "new", "--alg", "HS256"},
		{"keys", "rotate"},
		{"keys", "rotate", "--jwks", "https://rp.example.org/jwks.json"},
		{"keys", "inspect"},
		{"keys", "inspect", "x.json", "--format", "yaml"},
		{"keys", "inspect", "http://127.0.0.1/jwks.json"},
		{"keys", "inspect", filepath.Join(t.TempDir(), "missing.pem")},
	} {
		if code, _, stderr := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

func TestKeysInspectJWKSWithPrivateMemberFailsOnFirstLine(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	leaked, _ := jose.JSONWebKey{Key: priv, KeyID: "leaky", Algorithm: "RS256", Use: "sig"}.MarshalJSON()
	path := writeFile(t, "jwks.json", `{"keys":[`+string(leaked)+`]}`)
	dValue := base64.RawURLEncoding.EncodeToString(priv.D.Bytes())

	code, stdout, stderr := runCLI(t, "keys", "inspect", path)
	if code != ExitFailed {
		t.Errorf("exit %d, want 1 (%s)", code, stderr)
	}
	first, _, _ := strings.Cut(stdout, "\n")
	if !strings.HasPrefix(first, "PRIVATE KEY MATERIAL IN THIS JWKS") || !strings.Contains(first, "leaky (d, p, q, dp, dq, qi)") {
		t.Errorf("first line = %q", first)
	}
	if !strings.Contains(stdout, "[private-member]") || strings.Contains(stdout+stderr, dValue[:24]) {
		t.Errorf("want the rule reported and no private value shown:\n%s", stdout)
	}

	code, stdout, stderr = runCLI(t, "keys", "inspect", path, "--format", "json")
	if code != ExitFailed {
		t.Errorf("json: exit %d", code)
	}
	if first, _, _ := strings.Cut(stderr, "\n"); !strings.HasPrefix(first, "PRIVATE KEY MATERIAL") {
		t.Errorf("json: stderr first line = %q", first)
	}
	var got inspectionJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	if !got.PrivateMaterial || !got.Failed || got.Kind != "jwks" || got.Keys[0].KID != "leaky" || len(got.Keys[0].PrivateMembers) != 6 {
		t.Errorf("json = %+v", got)
	}
	if strings.Contains(stdout, dValue[:24]) {
		t.Error("json output holds the private exponent")
	}
}

// QA D19: an EC key is said to be unusable for CIS2 (RS256/RS512 only), exit 1, and no line
// ends in padding.
// inspectionJSON is the --format json shape tests read back (keys.Inspection's JSON).
type inspectionJSON struct {
	Kind            string `json:"kind"`
	PrivateMaterial bool   `json:"private_material"`
	Failed          bool   `json:"failed"`
	Keys            []struct {
		KID            string   `json:"kid"`
		Bits           int      `json:"bits"`
		PrivateMembers []string `json:"private_members"`
		Certificates   []struct {
			Subject string `json:"subject"`
		} `json:"certificates"`
	} `json:"keys"`
	Problems []keys.Problem `json:"problems"`
	InJWKS   *keys.Match    `json:"in_jwks"`
}

func TestKeysInspectNonRSAKeyIsUnusableForCIS2(t *testing.T) {
	for _, tc := range []struct{ name, pem string }{
		{"private", ecPrivatePEM(t)},
		{"public", string(mustRead(t, "../keys/testdata/pem/ec-public.pem"))},
	} {
		path := filepath.Join(t.TempDir(), "ec.pem")
		if err := os.WriteFile(path, []byte(tc.pem), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCLI(t, "keys", "inspect", path)
		if code != ExitFailed || !strings.Contains(flat(stdout), "[no-usable-key] CIS2 accepts only RS256 or RS512 (RSA) for client assertions") ||
			!strings.Contains(stdout, "fix: create an RSA key: cis2-golive keys new") {
			t.Errorf("%s: exit %d\n%s%s", tc.name, code, stdout, stderr)
		}
		assertFits80(t, tc.name, stdout)
	}
	// An RSA key has no such problem.
	_, keyPath, _ := newKeyDir(t)
	if code, stdout, _ := runCLI(t, "keys", "inspect", keyPath); code != ExitOK || strings.Contains(stdout, "no-usable-key") {
		t.Errorf("RSA key: exit %d\n%s", code, stdout)
	}
}

func ecPrivatePEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestKeysInspectSanitisesKids(t *testing.T) {
	_, _, jwksPath := newKeyDir(t)
	var doc map[string][]map[string]any
	json.Unmarshal(mustRead(t, jwksPath), &doc)
	doc["keys"][0]["kid"] = "evil\x1b[2J\x1b]0;pwned\x07\u202ekid"
	data, _ := json.Marshal(doc)
	path := writeFile(t, "evil.json", string(data))
	for _, format := range []string{"text", "json"} {
		code, stdout, _ := runCLI(t, "keys", "inspect", path, "--format", format)
		if code != ExitOK {
			t.Errorf("%s: exit %d (a warning only)", format, code)
		}
		if strings.ContainsAny(stdout, "\x1b\x07\u202e") || strings.Contains(stdout, `\u001b`) {
			t.Errorf("%s: escape reached the output:\n%q", format, stdout)
		}
		if !strings.Contains(stdout, "evilkid") {
			t.Errorf("%s: cleaned kid missing:\n%s", format, stdout)
		}
	}
}

func TestKeysInspectPrivateKeyAgainstJWKS(t *testing.T) {
	_, keyPath, jwksPath := newKeyDir(t)
	_, _, otherJWKS := newKeyDir(t)

	code, stdout, stderr := runCLI(t, "keys", "inspect", keyPath, "--jwks", jwksPath)
	if code != ExitOK || !strings.Contains(flat(stdout), "Its public half is in "+jwksPath) || !strings.Contains(stdout, "SECRET") {
		t.Errorf("matching JWKS: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "keys", "inspect", keyPath, "--jwks", otherJWKS)
	if code != ExitFailed || !strings.Contains(flat(stdout), "its public half is NOT in "+otherJWKS) {
		t.Errorf("other JWKS: exit %d\n%s", code, stdout)
	}
	if strings.Contains(stdout, "PRIVATE KEY-----") {
		t.Error("inspect printed the key")
	}

	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, "keys", "inspect", keyPath)
	if code != ExitUsage || !strings.Contains(stderr, "chmod 600 "+keyPath) {
		t.Errorf("0644 key: exit %d, %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "keys", "inspect", jwksPath, "--jwks", otherJWKS)
	if code != ExitUsage || !strings.Contains(stderr, "--jwks applies to a private key") {
		t.Errorf("--jwks with a JWKS: exit %d, %s", code, stderr)
	}
}

// QA D6b: the JWKS given to --jwks gets the same publish-safety analysis as inspecting it
// directly: a private member there is a loud first line and exit 1, even when the key matches.
func TestKeysInspectKeyAgainstJWKSWithPrivateMember(t *testing.T) {
	_, keyPath, jwksPath := newKeyDir(t)
	var doc map[string][]json.RawMessage
	if err := json.Unmarshal(mustRead(t, jwksPath), &doc); err != nil {
		t.Fatal(err)
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	leaked, _ := jose.JSONWebKey{Key: priv, KeyID: "leaky", Algorithm: "RS256", Use: "sig"}.MarshalJSON()
	doc["keys"] = append(doc["keys"], leaked)
	data, _ := json.Marshal(doc)
	path := writeFile(t, "leaky-jwks.json", string(data))
	base, ca := tlsJWKSServer(t, data)
	dValue := base64.RawURLEncoding.EncodeToString(priv.D.Bytes())

	for _, src := range []string{path, base + "/jwks.json"} {
		code, stdout, stderr := runCLI(t, "keys", "inspect", keyPath, "--jwks", src, "--ca-cert", ca)
		first, _, _ := strings.Cut(stdout, "\n")
		if code != ExitFailed || !strings.HasPrefix(first, "PRIVATE KEY MATERIAL IN THE JWKS") ||
			!strings.HasPrefix(flat(stdout), "PRIVATE KEY MATERIAL IN THE JWKS "+src+": leaky (d, p, q, dp, dq, qi)") {
			t.Errorf("%s: exit %d, first line %q\n%s%s", src, code, first, stdout, stderr)
		}
		if !strings.Contains(flat(stdout), "Its public half is in "+src) || !strings.Contains(stdout, "[private-member]") ||
			strings.Contains(stdout+stderr, dValue[:24]) {
			t.Errorf("%s: want the match, the rule, and no private value:\n%s", src, stdout)
		}

		code, stdout, stderr = runCLI(t, "keys", "inspect", keyPath, "--jwks", src, "--ca-cert", ca, "--format", "json")
		var got inspectionJSON
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("json: %v\n%s", err, stdout)
		}
		if first, _, _ := strings.Cut(stderr, "\n"); code != ExitFailed || !got.Failed || !strings.HasPrefix(first, "PRIVATE KEY MATERIAL IN THE JWKS") ||
			got.InJWKS == nil || !got.InJWKS.Found || len(got.InJWKS.Problems) != 1 || got.InJWKS.Problems[0].Rule != keys.RulePrivateMember {
			t.Errorf("json %s: exit %d, stderr %q, %+v", src, code, first, got.InJWKS)
		}
	}
}

// tlsJWKSServer serves body at /jwks.json on loopback TLS and returns its URL and a CA file.
func tlsJWKSServer(t *testing.T, body []byte) (url, caFile string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/jwks.json":
			w.Header().Set("Content-Type", "application/jwk-set+json")
			w.Write(body)
		case "/moved":
			http.Redirect(w, r, "http://127.0.0.1/jwks.json", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted-certificate case logs a handshake error
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL, caFile
}

func TestKeysInspectURL(t *testing.T) {
	_, keyPath, jwksPath := newKeyDir(t)
	base, ca := tlsJWKSServer(t, mustRead(t, jwksPath))

	code, stdout, stderr := runCLI(t, "keys", "inspect", base+"/jwks.json", "--ca-cert", ca)
	if code != ExitOK || !strings.Contains(flat(stdout), "JWK Set with 1 key: "+base+"/jwks.json") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "keys", "inspect", keyPath, "--jwks", base+"/jwks.json", "--ca-cert", ca)
	if code != ExitOK || !strings.Contains(stdout, "Its public half is in") {
		t.Errorf("--jwks URL: exit %d\n%s", code, stdout)
	}
	for name, args := range map[string][]string{
		"untrusted certificate": {base + "/jwks.json"},
		"not found":             {base + "/nope", "--ca-cert", ca},
		"redirect to http":      {base + "/moved", "--ca-cert", ca},
	} {
		if code, _, stderr := runCLI(t, append([]string{"keys", "inspect"}, args...)...); code != ExitUsage {
			t.Errorf("%s: exit %d, want 2 (%s)", name, code, stderr)
		}
	}
}

func TestKeysRotateKeepsOldKeysAndPrintsStepsInOrder(t *testing.T) {
	dir, oldKey, jwksPath := newKeyDir(t, "--alg", "RS512")
	before, oldKeyPEM := mustRead(t, jwksPath), mustRead(t, oldKey)
	oldSet, _ := keys.ParseSet(before)

	code, stdout, stderr := runCLI(t, "keys", "rotate", "--jwks", jwksPath)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	after := mustRead(t, jwksPath)
	newSet, err := keys.ParseSet(after)
	if err != nil || len(newSet.Keys) != len(oldSet.Keys)+1 {
		t.Fatalf("rotated set: %v, %d keys", err, len(newSet.Keys))
	}
	for i, k := range oldSet.Keys {
		if !bytes.Equal(k.JSON, newSet.Keys[i].JSON) {
			t.Errorf("old key %d changed", i)
		}
	}
	added := newSet.Keys[len(newSet.Keys)-1]
	if added.Alg != "RS512" || added.HasPrivate() {
		t.Errorf("added key: %+v", added)
	}
	keyFiles, _ := filepath.Glob(filepath.Join(dir, "private-key-*.pem"))
	if len(keyFiles) != 2 || !bytes.Equal(oldKeyPEM, mustRead(t, oldKey)) {
		t.Errorf("key files: %v (the old key must be left as it was)", keyFiles)
	}
	steps := []string{"1. Publish " + jwksPath, "2. Wait at least 24 hours", "3. Switch signing to the new key", added.KID, "4. Later", "remove the old", "No new configuration submission to NHS"}
	assertFits80(t, "keys rotate", stdout)
	rest := flat(stdout[strings.Index(stdout, "Rotation steps"):])
	for _, s := range steps {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("%q missing or out of order in:\n%s", s, stdout)
		}
		rest = rest[i+len(s):]
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestKeysInspectURLBounds: keys inspect fetches through checks.NewHTTPClient, so a huge body is
// cut at 1 MiB and a server's text in the error is sanitised.
func TestKeysInspectURLBounds(t *testing.T) {
	base, ca := tlsJWKSServer(t, []byte(`{"keys":[],"pad":"`+strings.Repeat("x", 2<<20)+`"}`))
	code, _, stderr := runCLI(t, "keys", "inspect", base+"/jwks.json", "--ca-cert", ca)
	if code != ExitUsage || !strings.Contains(stderr, "larger than 1 MiB") {
		t.Errorf("2 MiB JWKS: exit %d, %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "keys", "inspect", "http://127.0.0.1/\x1b]0;owned\x07jwks.json")
	if code != ExitUsage || strings.ContainsRune(stderr, 0x1b) || !strings.Contains(stderr, "use an https:// URL") {
		t.Errorf("http URL with an escape: exit %d, %q", code, stderr)
	}
}

// TestSlowKeyStepsSayWhatIsHappening: on a terminal, stderr says a key is being made or a URL
// fetched before the pause; piped, stderr stays empty.
func TestSlowKeyStepsSayWhatIsHappening(t *testing.T) {
	made := t.TempDir()
	if code, _, stderr := runCLI(t, "keys", "new", "-o", made); code != ExitOK {
		t.Fatalf("keys new: %s", stderr)
	}
	base, ca := tlsJWKSServer(t, mustRead(t, filepath.Join(made, "jwks.json")))
	for _, tc := range []struct {
		args func() []string
		want string
	}{
		{func() []string { return []string{"keys", "new", "-o", filepath.Join(t.TempDir(), "k")} }, "Generating a 2048-bit RSA key…"},
		{func() []string { return []string{"keys", "inspect", base + "/jwks.json", "--ca-cert", ca} }, "Fetching " + base + "/jwks.json…"},
	} {
		for _, tty := range []bool{true, false} {
			ios, _, _, errOut := Test()
			ios.SetTTY(false, tty)
			args := tc.args()
			if code := Run(context.Background(), args, ios, BuildInfo{}); code != ExitOK {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
			if got := strings.Contains(errOut.String(), tc.want); got != tty {
				t.Errorf("%s, tty %v: stderr %q", args[1], tty, errOut.String())
			}
		}
	}
}

// TestKeysRotateBadInputSaysNothingAboutGenerating: "Generating…" comes only once the inputs
// passed, never before an input error.
func TestKeysRotateBadInputSaysNothingAboutGenerating(t *testing.T) {
	ios, _, _, errOut := Test()
	ios.SetTTY(false, true)
	code := Run(context.Background(), []string{"keys", "rotate", "--jwks", filepath.Join(t.TempDir(), "missing", "jwks.json")}, ios, BuildInfo{})
	if code != ExitUsage || strings.Contains(errOut.String(), "Generating a") { // the temp path holds the test name
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}
