package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParsePrivateKeyPEMFormats(t *testing.T) {
	rsaKey, _ := testRSA(t)
	ecKey := testEC(t, elliptic.P384())
	rsaPKCS8, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	ecPKCS8, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	ecSEC1, _ := x509.MarshalECPrivateKey(ecKey)
	ecParams := pemBlock("EC PARAMETERS", []byte{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22})
	rsaTP, _ := Thumbprint(rsaKey)
	ecTP, _ := Thumbprint(ecKey)
	tests := []struct {
		name string
		data []byte
		tp   string
	}{
		{"RSA PKCS#8", pemBlock("PRIVATE KEY", rsaPKCS8), rsaTP},
		{"RSA PKCS#1", pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), rsaTP},
		{"EC PKCS#8", pemBlock("PRIVATE KEY", ecPKCS8), ecTP},
		{"EC SEC1", pemBlock("EC PRIVATE KEY", ecSEC1), ecTP},
		{"EC SEC1 after EC PARAMETERS (openssl ecparam -genkey)", append(ecParams, pemBlock("EC PRIVATE KEY", ecSEC1)...), ecTP},
		{"PKCS#1 mislabelled as PKCS#8", pemBlock("PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), rsaTP},
		{"EncodePKCS8PEM output", must(EncodePKCS8PEM(rsaKey)), rsaTP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParsePrivateKeyPEM(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if tp, _ := Thumbprint(key.Public()); tp != tt.tp {
				t.Errorf("thumbprint %s, want %s", tp, tt.tp)
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestParsePrivateKeyPEMErrorsHoldNoKeyMaterial(t *testing.T) {
	rsaKey, _ := testRSA(t)
	der := x509.MarshalPKCS1PrivateKey(rsaKey)
	corrupt := append([]byte(nil), der...)
	corrupt[len(corrupt)/2] ^= 0xff
	corrupt = corrupt[:len(corrupt)-40]
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	legacyEncrypted := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: der})
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "no PEM private key found"},
		{"corrupt DER", pemBlock("RSA PRIVATE KEY", corrupt), "not a valid PKCS#1, PKCS#8 or SEC1"},
		{"ed25519", pemBlock("PRIVATE KEY", edDER), "Ed25519 keys are not supported"},
		{"public key", pemBlock("PUBLIC KEY", pubDER), "this is a public key, not a private key"},
		{"encrypted PKCS#8", pemBlock("ENCRYPTED PRIVATE KEY", der), "encrypted with a passphrase"},
		{"legacy encrypted", legacyEncrypted, "encrypted with a passphrase"},
		{"other block", pemBlock("OPENSSH PRIVATE KEY", der), `unexpected PEM block "OPENSSH PRIVATE KEY"`},
	}
	secret := []string{base64.StdEncoding.EncodeToString(der)[60:90], b64(rsaKey.D.Bytes())[:20]}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePrivateKeyPEM(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			for _, s := range secret {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error holds key material: %v", err)
				}
			}
		})
	}
}

func TestLoadPrivateKeyPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no group/other mode bits; the check is skipped there by design")
	}
	rsaKey, _ := testRSA(t)
	data := must(EncodePKCS8PEM(rsaKey))
	dir := t.TempDir()
	path := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := LoadPrivateKey(path)
	if err != nil {
		t.Fatalf("mode 0600: %v", err)
	}
	if !key.Public().(*rsa.PublicKey).Equal(&rsaKey.PublicKey) {
		t.Error("loaded a different key")
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadPrivateKey(path)
		if !errors.Is(err, ErrKeyFilePermissions) || !strings.Contains(err.Error(), "chmod 600 "+path) {
			t.Errorf("mode %04o: err = %v, want the chmod 600 fix naming the path", mode, err)
		}
	}
}

// TestLoadPrivateKeyNotAKey: a readable file that holds no private key (/etc/passwd was
// accepted, then "chmod 600 /etc/passwd" advised) is named for what it is, with no chmod.
func TestLoadPrivateKeyNotAKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(path, []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPrivateKey(path)
	if err == nil || !strings.Contains(err.Error(), "no PEM private key found") || strings.Contains(err.Error(), "chmod") {
		t.Fatalf("err = %v, want no PEM private key and no chmod advice", err)
	}
}

func TestLoadPrivateKeyBoundsAndErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, maxPEMBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPrivateKey(big); err == nil || !strings.Contains(err.Error(), "larger than 64 KiB") {
		t.Errorf("oversized: %v", err)
	}
	if _, err := LoadPrivateKey(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	missing := filepath.Join(dir, "nope.pem")
	if _, err := LoadPrivateKey(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing: %v", err)
	}
}

func TestParsePublicKeyPEM(t *testing.T) {
	rsaKey, _ := testRSA(t)
	ecKey := testEC(t, elliptic.P256())
	pkix, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	for name, data := range map[string][]byte{
		"PKIX":   pemBlock("PUBLIC KEY", pkix),
		"PKCS#1": pemBlock("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)),
	} {
		pub, err := ParsePublicKeyPEM(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, err := Thumbprint(pub); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, ok := must2(ParsePublicKeyPEM(pemBlock("PUBLIC KEY", pkix))).(*ecdsa.PublicKey); !ok {
		t.Error("PKIX EC key not an *ecdsa.PublicKey")
	}
}

func must2(v any, err error) any {
	if err != nil {
		panic(err)
	}
	return v
}
