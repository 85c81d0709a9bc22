package keys

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateSizes(t *testing.T) {
	for _, bits := range []int{1024, 2047, 8192} {
		if _, err := Generate(bits); err == nil || !strings.Contains(err.Error(), "2048, 3072 or 4096") {
			t.Errorf("Generate(%d) err = %v", bits, err)
		}
	}
}

func TestWriteNew(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	f, err := WriteNew(dir, "RS512", 2048, nil)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(f.KeyPath) != dir || f.JWKSPath != filepath.Join(dir, "jwks.json") || f.Keys != 1 {
		t.Fatalf("files = %+v", f)
	}
	info, err := os.Stat(f.KeyPath)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", info.Mode().Perm(), err)
	}
	key, err := LoadPrivateKey(f.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f.KeyPath)
	if !bytes.HasPrefix(data, []byte("-----BEGIN PRIVATE KEY-----")) {
		t.Error("key is not PKCS#8 PEM")
	}
	jwks, _ := os.ReadFile(f.JWKSPath)
	s := mustParse(t, jwks)
	if len(s.Keys) != 1 || s.Single {
		t.Fatalf("jwks holds %d keys", len(s.Keys))
	}
	k := s.Keys[0]
	tp, _ := Thumbprint(key)
	if k.KID != tp || k.KID != f.KID || k.Alg != "RS512" || k.Use != "sig" || k.Bits != 2048 {
		t.Errorf("published key = %+v, want kid %s", k, tp)
	}
	if ps := InspectSet(s, InspectOptions{}).Problems; len(ps) != 0 {
		t.Errorf("new JWKS has problems: %+v", ps)
	}
	if !k.Supports("RS512") {
		t.Error("new key cannot verify RS512")
	}
	if bytes.Contains(jwks, []byte(`"d"`)) {
		t.Error("jwks.json holds a private member")
	}

	// A second run into the same directory must not replace jwks.json.
	if _, err := WriteNew(dir, "RS256", 2048, nil); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("second WriteNew: err = %v", err)
	}
	if again, _ := os.ReadFile(f.JWKSPath); !bytes.Equal(again, jwks) {
		t.Error("jwks.json changed")
	}
	if _, err := WriteNew(t.TempDir(), "ES256", 2048, nil); err == nil {
		t.Error("ES256: want an error, CIS2 takes RS256/RS512")
	}
}

func TestRotateKeepsOldKeysByteForByte(t *testing.T) {
	big, _ := testRSA(t)
	dir := t.TempDir()
	// An existing JWKS in someone else's layout, with members go-jose would drop on re-encoding.
	old := []byte(`{"keys":[ {"kty":"RSA","kid":"old-1","use":"sig","alg":"RS512","x5t":"keep-me",` +
		`"n":"` + b64(big.N.Bytes()) + `","e":"AQAB"},` + "\n\t" + `{"kid":"old-2","kty":"EC","crv":"P-256",` +
		`"x":"` + b64(testEC(t, p256()).X.FillBytes(make([]byte, 32))) + `","y":"AA"} ]}`)
	// y is bogus on purpose: rotation must keep even a key it cannot parse.
	path := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	before := mustParse(t, old)

	f, err := Rotate(path, dir, "", 2048, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.JWKSPath != path || f.Alg != "RS512" || f.Keys != 3 {
		t.Errorf("files = %+v (want jwks.json replaced in place, alg taken from the current key)", f)
	}
	out, _ := os.ReadFile(f.JWKSPath)
	after := mustParse(t, out)
	if len(after.Keys) != len(before.Keys)+1 {
		t.Fatalf("rotated JWKS has %d keys, want %d", len(after.Keys), len(before.Keys)+1)
	}
	for i, k := range before.Keys {
		if !bytes.Equal(after.Keys[i].JSON, k.JSON) {
			t.Errorf("key %d changed:\n%s\n---\n%s", i, k.JSON, after.Keys[i].JSON)
		}
		if !bytes.Contains(out, k.JSON) {
			t.Errorf("key %d bytes not in output", i)
		}
	}
	added := after.Keys[2]
	key, err := LoadPrivateKey(f.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if tp, _ := Thumbprint(key); added.KID != tp || added.KID != f.KID || added.HasPrivate() {
		t.Errorf("added key = %+v, want kid %s", added, tp)
	}

	// Rotating again from the rotated file keeps all three and adds a fourth.
	f2, err := Rotate(path, dir, "RS256", 3072, nil)
	if err != nil {
		t.Fatal(err)
	}
	out2, _ := os.ReadFile(f2.JWKSPath)
	if got := mustParse(t, out2); len(got.Keys) != 4 || !bytes.HasPrefix(out2, out[:len(out)-len("\n  ]\n}\n")]) {
		t.Errorf("second rotation: %d keys; earlier bytes kept: %v", len(got.Keys), bytes.HasPrefix(out2, out[:len(out)-8]))
	}
}

func TestRotateRefuses(t *testing.T) {
	big, _ := testRSA(t)
	dir := t.TempDir()
	leaked := filepath.Join(dir, "leaked.json")
	if err := os.WriteFile(leaked, setJSON(t, jwkJSON(t, big, "k", "RS256", "sig", nil)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Rotate(leaked, filepath.Join(dir, "out"), "", 2048, nil); err == nil || !strings.Contains(err.Error(), "private key material") {
		t.Errorf("private JWKS: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "jwks.json")); err == nil {
		t.Error("wrote a JWKS from a leaked one")
	}

	// Another directory's jwks.json that is not the input is never overwritten.
	src := filepath.Join(dir, "current.json")
	os.WriteFile(src, setJSON(t, jwkJSON(t, &big.PublicKey, "k", "RS256", "sig", nil)), 0o644)
	other := filepath.Join(dir, "other")
	os.MkdirAll(other, 0o700)
	os.WriteFile(filepath.Join(other, "jwks.json"), []byte("{}"), 0o644)
	if _, err := Rotate(src, other, "", 2048, nil); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("existing jwks.json: err = %v", err)
	}
	if _, err := Rotate(filepath.Join(dir, "missing.json"), dir, "", 2048, nil); err == nil {
		t.Error("missing JWKS: want error")
	}
}
