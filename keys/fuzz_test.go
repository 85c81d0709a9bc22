package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/cis2-golive/cis2-golive/model"
)

// addSeeds adds every file matching pattern (under testdata) to the fuzz corpus.
func addSeeds(f *testing.F, pattern string) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds match testdata/%s", pattern)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// printable fails when s holds a control character: everything ParseSet and the analysis
// return is meant to be printed as is.
func printable(t *testing.T, what, s string) {
	t.Helper()
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		t.Fatalf("%s holds control character %q: %q", what, s[i], s)
	}
}

// FuzzParseSet: no JWKS document may panic the parser or the analyses built on it, and every
// string they hand back is printable (kids, messages, fixes, reasons).
func FuzzParseSet(f *testing.F) {
	addSeeds(f, "jwks/*.json")
	addSeeds(f, "rfc7638.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSet(data)
		if err != nil {
			printable(t, "error", err.Error())
			return
		}
		if len(s.Keys) > MaxKeys || (s.Single && len(s.Keys) != 1) {
			t.Fatalf("%d keys (single %v) got through", len(s.Keys), s.Single)
		}
		for _, k := range s.Keys {
			for _, v := range append([]string{k.Label(), k.KID, k.Kty, k.Alg, k.Use, k.Crv}, k.KeyOps...) {
				printable(t, "key field", v)
			}
			printable(t, "key error", k.ErrorText())
			for _, c := range k.Certs() {
				printable(t, "certificate subject", c.Subject)
			}
		}
		problems := InspectSet(s, InspectOptions{Remote: true}).Problems
		for _, p := range problems {
			printable(t, "problem message", p.Message)
			printable(t, "problem fix", p.Fix)
			printable(t, "problem kid", p.KID)
			if p.Message == "" || p.Fix == "" || (p.Severity != model.Fail && p.Severity != model.Warn) {
				t.Fatalf("incomplete problem %+v", p)
			}
		}
		for _, alg := range []string{"RS256", "RS512", "PS256", "ES256", "HS256", "none", ""} {
			can, cannot := SplitByAlg(s.Keys, alg)
			if len(can)+len(cannot) != len(s.Keys) {
				t.Fatalf("SplitByAlg(%s) lost keys: %d + %d != %d", alg, len(can), len(cannot), len(s.Keys))
			}
			for _, u := range cannot {
				printable(t, "reason", u.Reason)
			}
		}
	})
}

// FuzzParsePrivateKeyPEM: no PEM input may panic the key loaders, and an error never quotes
// the input's key material (a base64 run of it), only our own words.
func FuzzParsePrivateKeyPEM(f *testing.F) {
	addSeeds(f, "pem/*.pem")
	// Valid keys in every accepted encoding, generated now so no private key is committed.
	// RSA 1024 keeps the seeds quick to parse; the parser's limits are the same.
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ec)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	for _, b := range []*pem.Block{
		{Type: "PRIVATE KEY", Bytes: pkcs8},
		{Type: "EC PRIVATE KEY", Bytes: sec1},
		{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)},
		{Type: "RSA PRIVATE KEY", Bytes: sec1}, // mislabelled
	} {
		f.Add(pem.EncodeToMemory(b))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := ParsePrivateKeyPEM(data)
		if err == nil {
			if key.Public() == nil {
				t.Fatal("key without a public half")
			}
			if _, err := Thumbprint(key); err != nil {
				printable(t, "thumbprint error", err.Error())
			}
		} else {
			msg := err.Error()
			printable(t, "error", msg)
			if block, _ := pem.Decode(data); block != nil {
				if leak := quotesMaterial(msg, block.Bytes); leak != "" {
					t.Fatalf("error %q quotes key material %q", msg, leak)
				}
			}
		}
		if _, err := ParsePublicKeyPEM(data); err != nil {
			printable(t, "public key error", err.Error())
		}
	})
}

// quotesMaterial returns a 16-character run of der's base64 found in msg, or "".
func quotesMaterial(msg string, der []byte) string {
	enc := string(pem.EncodeToMemory(&pem.Block{Type: "X", Bytes: der}))
	for _, line := range strings.Split(enc, "\n") {
		if strings.HasPrefix(line, "-----") {
			continue
		}
		for i := 0; i+16 <= len(line); i += 8 {
			if strings.Contains(msg, line[i:i+16]) {
				return line[i : i+16]
			}
		}
	}
	return ""
}
