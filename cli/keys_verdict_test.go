package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
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
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// keys inspect reaches the live checks' verdicts on the same input: they share keys.Inspect
// and checks.FetchJWKS.

// opensslJWKS is a JWKS openssl's keys made (see keys/testdata/openssl/make.sh).
func opensslJWKS(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join("..", "keys", "testdata", "openssl", name)
}

func ecJWKS(t *testing.T) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk, _ := jose.JSONWebKey{Key: &k.PublicKey, KeyID: "ec", Algorithm: "ES256", Use: "sig"}.MarshalJSON()
	return []byte(`{"keys":[` + string(jwk) + `]}`)
}

func TestKeysInspectVerdicts(t *testing.T) {
	_, _, jwksPath := newKeyDir(t)
	var set struct{ Keys []json.RawMessage }
	json.Unmarshal(mustRead(t, jwksPath), &set)
	bare := set.Keys[0]
	base, ca := tlsServer(t, map[string][]byte{"/ec.json": ecJWKS(t), "/bare.json": bare})
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"EC-only JWKS (no key verifies RS256 or RS512)", []string{writeFile(t, "ec.json", string(ecJWKS(t)))}, ExitFailed,
			"fail [no-usable-key] no key in the JWKS can verify RS256 or RS512: ec (RS256 needs an RSA key, this is EC P-256)"},
		{"EC-only JWKS at a URL", []string{base + "/ec.json", "--ca-cert", ca}, ExitFailed, "[no-usable-key]"},
		{"bare JWK at a URL", []string{base + "/bare.json", "--ca-cert", ca}, ExitFailed,
			"fail [not-a-set] this URL serves a single JWK, not a JWK Set: CIS2 reads a jwks_uri as a JWK Set (RFC 7517 §5)"},
		{"bare JWK in a file only warns", []string{writeFile(t, "bare.json", string(bare))}, ExitOK, "warn [not-a-set] this is a single JWK"},
		{"8192-bit key openssl made", []string{opensslJWKS(t, "rsa8192.jwks.json")}, ExitOK, "warn [rsa-large] key big is RSA 8192 bits: valid (RFC 7518 sets no maximum)"},
		{"x5c of another key", []string{opensslJWKS(t, "x5c-mismatch.jwks.json")}, ExitFailed,
			"fail [x5c-mismatch] key signing: x5c certificate does not match n/e (RFC 7517 §4.7"},
		{"x5c of the key", []string{opensslJWKS(t, "x5c-match.jwks.json")}, ExitOK, "x5c 1 certificate, first CN=cis2-golive test x5c, expires"},
		{"RFC 7517 A.1: EC use enc beside the RSA signing key", []string{"../keys/testdata/rfc7517-a1.json"}, ExitOK, `warn [use-not-sig] key 1 has use "enc"`},
		{"one key without kid", []string{writeFile(t, "nokid.json", `{"keys":[`+strings.Replace(string(bare), `"kid"`, `"x-kid"`, 1)+`]}`)}, ExitOK,
			"warn [kid-missing] key key[0] has no kid: RFC 7517 §4.5 makes kid optional"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"keys", "inspect"}, tc.args...)...)
			if code != tc.code || !strings.Contains(flat(stdout), tc.want) {
				t.Errorf("exit %d (want %d)\n%s%s\nwant %q", code, tc.code, stdout, stderr, tc.want)
			}
			assertFits80(t, tc.name, stdout)
		})
	}
	code, stdout, _ := runCLI(t, "keys", "inspect", opensslJWKS(t, "x5c-match.jwks.json"), "--format", "json")
	var got inspectionJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != ExitOK || len(got.Keys) != 1 ||
		len(got.Keys[0].Certificates) != 1 || got.Keys[0].Certificates[0].Subject != "CN=cis2-golive test x5c" {
		t.Errorf("json: exit %d, %v\n%s", code, err, stdout)
	}
}

// tlsServer serves each path's body on loopback TLS and returns its URL and a CA file.
func tlsServer(t *testing.T, bodies map[string][]byte) (url, caFile string) {
	t.Helper()
	return tlsHandlerServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
}

func tlsHandlerServer(t *testing.T, h http.Handler) (url, caFile string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pemCert(srv.Certificate().Raw), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL, caFile
}

// A slow server ends with one message, naming --timeout, whichever way it is slow: never
// "connection reset" one run and "no answer" the next.
func TestKeysInspectTimeout(t *testing.T) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	base, ca := tlsHandlerServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/drip" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"keys":[`))
			for {
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-done:
					return
				case <-time.After(50 * time.Millisecond):
					w.Write([]byte(" "))
				}
			}
		}
		select { // hang before the headers
		case <-r.Context().Done():
		case <-done:
		}
	}))
	want := "no answer within 300ms; raise --timeout if the server is just slow"
	for _, path := range []string{"/drip", "/hang", "/drip", "/hang"} {
		code, stdout, stderr := runCLI(t, "keys", "inspect", base+path, "--ca-cert", ca, "--timeout", "300ms")
		if code != ExitUsage || strings.Count(stderr, "no answer") != 1 || !strings.Contains(stderr, "fetch "+base+path+": "+want) || stdout != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %q", path, code, stderr, stdout)
		}
	}
	if code, _, stderr := runCLI(t, "keys", "inspect", base+"/hang", "--timeout", "0s"); code != ExitUsage || !strings.Contains(stderr, "--timeout must be positive") {
		t.Errorf("--timeout 0s: exit %d, %s", code, stderr)
	}
}

// A directory is named once, with what to pass instead.
func TestKeysInspectDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "adir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "keys", "inspect", dir)
	if code != ExitUsage || strings.Count(stderr, dir) != 1 || !strings.Contains(stderr, dir+" is a directory: pass a key or JWKS file") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// For a private key, --jwks says what assertion.sign-verify would: its public half found by
// thumbprint but under an x5c of another key is a key no verifier uses (exit 1), not "is in".
func TestKeysInspectKeyInAJWKSThatWouldNotUseIt(t *testing.T) {
	key := filepath.Join(t.TempDir(), "x5c-key.pem")
	if err := os.WriteFile(key, mustRead(t, opensslJWKS(t, "x5c-key.pem")), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "keys", "inspect", key, "--jwks", opensslJWKS(t, "x5c-mismatch.jwks.json"))
	if want := "fail [not-selected] the key's public half is there, as signing, but a verifier of client assertions would not use it: key signing cannot verify RS256: its x5c certificate does not match n/e"; code != ExitFailed || !strings.Contains(flat(stdout), want) {
		t.Errorf("exit %d\n%s%s\nwant %q", code, stdout, stderr, want)
	}
	assertFits80(t, "x5c mismatch", stdout)
	if code, stdout, stderr := runCLI(t, "keys", "inspect", key, "--jwks", opensslJWKS(t, "x5c-match.jwks.json")); code != ExitOK || !strings.Contains(flat(stdout), "as kid signing") {
		t.Errorf("matching x5c: exit %d\n%s%s", code, stdout, stderr)
	}
}
