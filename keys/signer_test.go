package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OpenSSLEnv, set to 1 by scripts/openssl-interop, makes the openssl tests fail rather than
// skip when openssl is missing: a machine with only Go skips them, CI must not.
const OpenSSLEnv = "CIS2_GOLIVE_OPENSSL"

func requireOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv(OpenSSLEnv) == "1" {
			t.Fatalf("%s=1 but openssl is not installed", OpenSSLEnv)
		}
		t.Skip("openssl is not installed; scripts/openssl-interop installs it and runs these")
	}
}

// pemFile writes a private key as PKCS#8 PEM, mode 0600, and returns its path.
func pemFile(t *testing.T, k crypto.Signer) string {
	t.Helper()
	data, err := EncodePKCS8PEM(k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// published is a JWKS holding the public halves of ks, parsed as the checks would read it;
// each key is published with alg, or RS256 when it cannot do alg (a set of mixed keys).
func published(t *testing.T, alg string, ks ...crypto.Signer) *Set {
	t.Helper()
	var jwks []Key
	for _, k := range ks {
		a := alg
		if _, isEC := k.(*ecdsa.PrivateKey); !isEC && strings.HasPrefix(alg, "ES") {
			a = "RS256"
		}
		j, err := PublicJWK(k.Public(), a)
		if err != nil {
			t.Fatal(err)
		}
		jwks = append(jwks, j)
	}
	data, err := MarshalSet(jwks)
	if err != nil {
		t.Fatal(err)
	}
	set, err := ParseSet(data)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestCommandSignerWithOpenSSL signs through the documented openssl one-liners and checks the
// token verifies, with golang-jwt, under the published key Bind picked.
func TestCommandSignerWithOpenSSL(t *testing.T) {
	requireOpenSSL(t)
	rsaKey, _ := Generate(2048)
	other, _ := Generate(2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaPEM, ecPEM := pemFile(t, rsaKey), pemFile(t, ecKey)
	tests := []struct {
		name, alg, cmd string
		key            crypto.Signer
	}{
		{"RS256 openssl dgst", "RS256", "openssl dgst -sha256 -sign " + rsaPEM, rsaKey},
		{"RS512 openssl dgst | pkeyutl with digest", "RS512", "openssl dgst -sha512 -binary | openssl pkeyutl -sign -inkey " + rsaPEM + " -pkeyopt digest:sha512", rsaKey},
		{"alg from the environment", "RS512", `openssl dgst -$(echo "$` + SignAlgEnv + `" | sed 's/RS/sha/') -sign ` + rsaPEM, rsaKey},
		{"PS256", "PS256", "openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sign " + rsaPEM, rsaKey},
		{"ES256 prints DER", "ES256", "openssl dgst -sha256 -sign " + ecPEM, ecKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := published(t, tt.alg, other, tt.key)
			s, err := NewCommandSigner(tt.cmd, tt.alg)
			if err != nil {
				t.Fatal(err)
			}
			k, err := s.Bind(context.Background(), set)
			if err != nil {
				t.Fatal(err)
			}
			if tp, _ := Thumbprint(tt.key); k.Thumbprint != tp {
				t.Fatalf("bound to %s, want the command's key %s", k.KID, tp)
			}
			if tp, _ := Thumbprint(s.Public()); k.Thumbprint != tp {
				t.Errorf("Public() is not the bound key")
			}
			tok := jwt.NewWithClaims(jwt.GetSigningMethod(tt.alg), jwt.MapClaims{"iss": "x", "exp": time.Now().Add(time.Minute).Unix()})
			tok.Header["kid"] = k.RawKID()
			signed, err := SignedString(context.Background(), tok, s)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jwt.Parse(signed, func(*jwt.Token) (any, error) { return tt.key.Public(), nil },
				jwt.WithValidMethods([]string{tt.alg})); err != nil {
				t.Errorf("the token does not verify: %v", err)
			}
		})
	}
}

// TestCommandSignerNamesTheMistake: the usual one-liner mistakes each get their own hint.
func TestCommandSignerNamesTheMistake(t *testing.T) {
	requireOpenSSL(t)
	key, _ := Generate(2048)
	path := pemFile(t, key)
	tests := []struct {
		name, alg, cmd, want string
	}{
		{"pkeyutl without the digest option", "RS256", "openssl dgst -sha256 -binary | openssl pkeyutl -sign -inkey " + path,
			"signed the bare SHA-256 digest without its DigestInfo: with openssl pkeyutl, add -pkeyopt digest:sha256"},
		{"base64 output", "RS256", "openssl dgst -sha256 -sign " + path + " | openssl base64 -A", "printed base64 text, not raw bytes"},
		{"the wrong hash", "RS512", "openssl dgst -sha256 -sign " + path, "hashed with SHA-256, but RS512 needs SHA-512"},
		{"a trailing newline", "RS256", "openssl dgst -sha256 -sign " + path + "; echo", "printed a newline after the signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := NewCommandSigner(tt.cmd, tt.alg)
			_, err := s.Bind(context.Background(), published(t, tt.alg, key))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), ErrSignatureNotPublished.Error()) {
				t.Errorf("Bind: %v, want %q", err, tt.want)
			}
		})
	}
	// A key that is not published is said to be so.
	s, _ := NewCommandSigner("openssl dgst -sha256 -sign "+path, "RS256")
	other, _ := Generate(2048)
	if _, err := s.Bind(context.Background(), published(t, "RS256", other)); err == nil || !strings.Contains(err.Error(), "verifies with no key in the JWKS") {
		t.Errorf("unpublished key: %v", err)
	}
}

// TestCommandSignerBounds: a command is bounded in time and output, its failure is reported
// with its stderr, and the command line itself is never repeated (it may hold a secret).
func TestCommandSignerBounds(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	run := func(cmd string, timeout time.Duration) error {
		s, err := NewCommandSigner(cmd, "RS256")
		if err != nil {
			t.Fatal(err)
		}
		s.Timeout = timeout
		_, err = s.Sign(nil, []byte("header.payload"), crypto.Hash(0))
		return err
	}
	start := time.Now()
	// The grandchild keeps the pipe open: only killing the process group ends it promptly.
	err := run("sleep 30 & sleep 30 # token=supersecret", 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not finish within 300ms") {
		t.Errorf("hanging command: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a hanging command held the signer for %s", d)
	}
	for cmd, want := range map[string]string{
		"echo 'vault says no' >&2; exit 3 # supersecret": "the sign command failed (exit status 3): vault says no",
		"true":                      "wrote nothing on stdout",
		"head -c 100000 /dev/zero":  "more than 64 KiB",
		"cat >/dev/null; echo -n x": "", // reads its stdin fully, prints one byte: no error from the runner itself
	} {
		err := run(cmd, 5*time.Second)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", cmd, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want %q", cmd, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "supersecret") {
			t.Errorf("%q: the error repeats the command line: %v", cmd, err)
		}
	}
	s, _ := NewCommandSigner("cat", "RS256")
	if _, err := s.Sign(nil, make([]byte, 32), crypto.SHA256); err == nil {
		t.Error("Sign accepted a digest; the command must get the signing input")
	}
	if _, err := NewCommandSigner("cat", "HS256"); err == nil {
		t.Error("HS256 accepted: a sign command holds an asymmetric key")
	}
	if _, err := NewCommandSigner("  ", "RS256"); err == nil {
		t.Error("an empty command accepted")
	}
}

// TestCommandSignerGetsTheSigningInput: stdin is exactly the JWS signing input.
func TestCommandSignerGetsTheSigningInput(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	out := filepath.Join(t.TempDir(), "stdin")
	s, _ := NewCommandSigner("cat > "+out+"; printf x", "RS256")
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": "me"})
	signed, err := SignedString(context.Background(), tok, s)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	if input, _ := tok.SigningString(); string(got) != input || signed != input+".eA" {
		t.Errorf("stdin %q, token %q; want the signing input and its base64url signature", got, signed)
	}
	tok = jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{})
	if _, err := SignedString(context.Background(), tok, s); err == nil {
		t.Error("signed RS512 with an RS256 command")
	}
}
