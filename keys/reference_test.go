package keys

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

// These tests judge keys made by other implementations: openssl (testdata/openssl, see
// make.sh there) and the examples of RFC 7517 Appendix A.

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// opensslKey loads a private key openssl wrote; git does not keep the 0600 mode that
// LoadPrivateKey insists on, so it is copied first.
func opensslKey(t *testing.T, name string) *rsa.PrivateKey {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, readTestdata(t, "openssl/"+name), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := LoadPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

func TestOpenSSL8192BitKeyIsParsedAndOnlyWarns(t *testing.T) {
	priv := opensslKey(t, "rsa8192.pem")
	for _, file := range []string{"rsa8192.jwks.json", "rsa8192-x5c.jwks.json"} {
		set := mustParse(t, readTestdata(t, "openssl/"+file))
		k := set.Keys[0]
		if k.Err != nil || k.X5CErr != nil || k.Bits != 8192 || !priv.PublicKey.Equal(k.Public) {
			t.Fatalf("%s: bits %d, err %v, x5c %v; want openssl's 8192-bit key", file, k.Bits, k.Err, k.X5CErr)
		}
		if tp, _ := Thumbprint(priv); tp != k.Thumbprint {
			t.Errorf("%s: thumbprint %s, want %s", file, k.Thumbprint, tp)
		}
		ins := InspectSet(set, InspectOptions{Remote: true})
		if got := problemSeverities(ins.Problems); !slices.Equal(got, []ruleSev{{RuleRSALarge, "big", model.Warn}}) || ins.Failed {
			t.Errorf("%s: problems %v (failed %v), want one rsa-large warning", file, got, ins.Failed)
		}
		if !k.Supports("RS256") {
			t.Errorf("%s: an 8192-bit key must verify RS256: %v", file, k.CheckAlg("RS256"))
		}
	}
	if n := len(mustParse(t, readTestdata(t, "openssl/rsa8192-x5c.jwks.json")).Keys[0].Certificates); n != 1 {
		t.Errorf("x5c chain: %d certificates, want 1", n)
	}

	path := writeKey(t, priv)
	pemData, _ := os.ReadFile(path)
	ins, err := Inspect(pemData, InspectOptions{Source: path})
	if err != nil {
		t.Fatal(err)
	}
	if ins.Kind != KindPrivateKey || ins.Failed || len(ins.Problems) != 1 || ins.Problems[0].Rule != RuleRSALarge {
		t.Errorf("8192-bit PEM key: %+v", ins.Problems)
	}
	if err := ins.MatchJWKS("jwks", readTestdata(t, "openssl/rsa8192.jwks.json"), false); err != nil || !ins.InJWKS.Found || ins.InJWKS.KID != "big" {
		t.Errorf("its public half must be found in the JWKS openssl's modulus made: %+v, %v", ins.InJWKS, err)
	}
}

// writeKey writes a private key as a 0600 PEM file, for Inspect to load.
func writeKey(t *testing.T, k *rsa.PrivateKey) string {
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

// An x5c certificate of another key names that rule (RFC 7517 §4.7), and the key is still
// found: a mismatch is never "the key is not in the JWKS".
func TestOpenSSLX5CMismatchIsNamed(t *testing.T) {
	priv := opensslKey(t, "x5c-key.pem")
	tp, _ := Thumbprint(priv)

	match := mustParse(t, readTestdata(t, "openssl/x5c-match.jwks.json"))
	if k := match.Keys[0]; k.X5CErr != nil || len(k.Certificates) != 1 || k.Certificates[0].Subject.CommonName != "cis2-golive test x5c" {
		t.Fatalf("matching x5c: %v, %d certificates", k.X5CErr, len(k.Certificates))
	}
	if ps := InspectSet(match, InspectOptions{Remote: true}).Problems; len(ps) != 0 {
		t.Errorf("matching x5c: %+v", ps)
	}

	set := mustParse(t, readTestdata(t, "openssl/x5c-mismatch.jwks.json"))
	k, found := set.ByThumbprint(tp)
	if !found || !priv.PublicKey.Equal(k.Public) {
		t.Fatal("the key's public half must still be found by its thumbprint")
	}
	if k.X5CErr == nil || k.X5CErr.Error() != "x5c certificate does not match n/e" {
		t.Fatalf("X5CErr = %v", k.X5CErr)
	}
	err := k.CheckAlg("RS256")
	if err == nil || err.Error() != "its x5c certificate does not match n/e (RFC 7517 §4.7)" {
		t.Errorf("CheckAlg = %v", err)
	}
	ins := InspectSet(set, InspectOptions{Remote: true})
	got := problemSeverities(ins.Problems)
	want := []ruleSev{{RuleX5CMismatch, "signing", model.Fail}, {RuleNoUsableKey, "", model.Fail}}
	if !slices.Equal(got, want) || !strings.Contains(ins.Problems[0].Message, "x5c certificate does not match n/e") {
		t.Errorf("problems %v, want %v: %+v", got, want, ins.Problems)
	}
	for _, p := range ins.Problems {
		if strings.Contains(p.Message, "not in the JWKS") {
			t.Errorf("misleading reason: %s", p.Message)
		}
	}
}

func TestOpenSSL1024BitKeyIsRefused(t *testing.T) {
	ins := InspectSet(mustParse(t, readTestdata(t, "openssl/rsa1024.jwks.json")), InspectOptions{Remote: true})
	if !ins.Refused() || !ins.Failed || ins.PublicOnly[0].Rule != RuleRSATooSmall {
		t.Errorf("1024-bit key: refused %v, %+v", ins.Refused(), ins.PublicOnly)
	}
}

// RFC 7517 A.1: an EC "use": "enc" key beside an RSA RS256 signing key. Every verifier uses
// the RSA key, so the enc key only warns.
func TestRFC7517A1EncKeyBesideSigningKeyWarns(t *testing.T) {
	set := mustParse(t, readTestdata(t, "rfc7517-a1.json"))
	if tp := set.Keys[1].Thumbprint; tp != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" { // RFC 7638 §3.1
		t.Fatalf("RSA key thumbprint %s: testdata does not hold the RFC's key", tp)
	}
	for _, algs := range [][]string{nil, {"RS256"}} {
		ins := InspectSet(set, InspectOptions{Remote: true, Algs: algs})
		if got := problemSeverities(ins.Problems); !slices.Equal(got, []ruleSev{{RuleUse, "1", model.Warn}}) || ins.Failed || ins.Refused() {
			t.Errorf("algs %v: %v (failed %v)", algs, got, ins.Failed)
		}
	}
	// Declared ES256, the enc key is the only one that could verify it: now it fails.
	ins := InspectSet(set, InspectOptions{Algs: []string{"ES256"}})
	if !slices.Contains(problemSeverities(ins.Lint), ruleSev{RuleUse, "1", model.Fail}) {
		t.Errorf("ES256: %v", problemSeverities(ins.Lint))
	}
}

// RFC 7517 A.2: the same EC key with its private "d": private material is refused even on a
// key nobody signs with, and the set is one a verifier refuses.
func TestRFC7517A2PrivateECKeyIsRefused(t *testing.T) {
	data := readTestdata(t, "rfc7517-a2-ec.json")
	var doc struct {
		Keys []struct{ X, Y, D string }
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	// The transcription is the RFC's key pair: d·G is (x, y).
	priv, err := ecdh.P256().NewPrivateKey(b64dec(t, doc.Keys[0].D))
	if err != nil {
		t.Fatal(err)
	}
	point := slices.Concat([]byte{4}, b64dec(t, doc.Keys[0].X), b64dec(t, doc.Keys[0].Y))
	if !bytes.Equal(priv.PublicKey().Bytes(), point) {
		t.Fatal("testdata does not hold RFC 7517 A.2's EC key pair")
	}
	a1 := mustParse(t, readTestdata(t, "rfc7517-a1.json"))
	a2 := mustParse(t, data)
	set := &Set{Keys: []Key{a2.Keys[0], a1.Keys[1]}}
	ins := InspectSet(set, InspectOptions{Remote: true})
	if !ins.Refused() || ins.PublicOnly[0].Rule != RulePrivateMember || !strings.HasPrefix(ins.Alert, "PRIVATE KEY MATERIAL IN THIS JWKS: 1 (d)") {
		t.Errorf("refused %v, %+v, alert %q", ins.Refused(), ins.PublicOnly, ins.Alert)
	}
	if _, ok := a2.Keys[0].Public.(*ecdsa.PublicKey); !ok {
		t.Errorf("public half not parsed: %v", a2.Keys[0].Err)
	}
}

func b64dec(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
