package keys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/sanitize"
	jose "github.com/go-jose/go-jose/v4"
)

const rfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

func TestThumbprintRFC7638Vector(t *testing.T) {
	data, err := os.ReadFile("testdata/rfc7638.json")
	if err != nil {
		t.Fatal(err)
	}
	s := mustParse(t, data)
	if !s.Single || len(s.Keys) != 1 {
		t.Fatalf("want one bare JWK, got Single=%v keys=%d", s.Single, len(s.Keys))
	}
	k := s.Keys[0]
	if k.Thumbprint != rfc7638Thumbprint {
		t.Errorf("Key.Thumbprint = %s, want %s", k.Thumbprint, rfc7638Thumbprint)
	}
	tp, err := Thumbprint(k.Public)
	if err != nil || tp != rfc7638Thumbprint {
		t.Errorf("Thumbprint = %s, %v; want %s", tp, err, rfc7638Thumbprint)
	}
	if k.KID != "2011-04-29" || k.Alg != "RS256" || k.Kty != "RSA" || k.Bits != 2048 || k.HasPrivate() {
		t.Errorf("metadata = %+v", k)
	}
}

func TestThumbprintOfSignerIsItsPublicHalf(t *testing.T) {
	priv, _ := testRSA(t)
	a, err := Thumbprint(priv)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Thumbprint(&priv.PublicKey)
	if a != b {
		t.Errorf("signer %s != public %s", a, b)
	}
	if _, err := Thumbprint([]byte("secret")); err == nil {
		t.Error("symmetric key: want error")
	}
}

func TestParseSetPrivateMembersNamedNotParsed(t *testing.T) {
	priv, _ := testRSA(t)
	ec := testEC(t, elliptic.P256())
	full := jwkJSON(t, priv, "rsa-priv", "RS256", "sig", nil)
	// A leaked JWKS often carries d alone; it must still be flagged, and the public half read.
	dOnly := jwkJSON(t, priv, "rsa-d-only", "RS256", "sig", map[string]any{"p": nil, "q": nil, "dp": nil, "dq": nil, "qi": nil})
	ecPriv := jwkJSON(t, ec, "ec-priv", "ES256", "sig", nil)
	s := mustParse(t, setJSON(t, full, dOnly, ecPriv))

	want := [][]string{{"d", "p", "q", "dp", "dq", "qi"}, {"d"}, {"d"}}
	for i, k := range s.Keys {
		if !slices.Equal(k.PrivateMembers, want[i]) {
			t.Errorf("%s: PrivateMembers = %v, want %v", k.KID, k.PrivateMembers, want[i])
		}
		if k.Public == nil || k.Thumbprint == "" || k.Err != nil {
			t.Errorf("%s: public half not parsed: %+v", k.KID, k)
		}
	}
	tp, _ := Thumbprint(priv)
	if s.Keys[1].Thumbprint != tp {
		t.Errorf("d-only key thumbprint %s, want %s", s.Keys[1].Thumbprint, tp)
	}
}

func TestParseSetKeyKinds(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	oct := json.RawMessage(`{"kty":"oct","kid":"hmac","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ"}`)
	x25519 := json.RawMessage(`{"kty":"OKP","crv":"X25519","kid":"x","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}`)
	badRSA := json.RawMessage(`{"kty":"RSA","kid":"no-e","n":"AQAB"}`)
	noKty := json.RawMessage(`{"kid":"nokty","n":"AQAB","e":"AQAB"}`)
	s := mustParse(t, setJSON(t, oct, x25519, badRSA, noKty, jwkJSON(t, edPub, "ed", "EdDSA", "sig", nil)))

	if k := s.Keys[0]; k.Kty != "oct" || k.Public != nil || !slices.Equal(k.PrivateMembers, []string{"k"}) || k.Bits != 8*28 {
		t.Errorf("oct: %+v", k)
	}
	if k := s.Keys[1]; !errors.Is(k.Err, jose.ErrUnsupportedKeyType) || k.Public != nil {
		t.Errorf("X25519: Err = %v, want ErrUnsupportedKeyType", k.Err)
	}
	if k := s.Keys[2]; k.Err == nil || k.Public != nil {
		t.Errorf("RSA without e: want Err, got %+v", k)
	}
	if k := s.Keys[3]; k.Err == nil {
		t.Errorf("no kty: want Err")
	}
	if k := s.Keys[4]; k.Public == nil || k.Bits != 256 || !k.Supports("EdDSA") {
		t.Errorf("Ed25519: %+v", k)
	}
}

func TestParseSetStructuralErrors(t *testing.T) {
	many := make([]json.RawMessage, MaxKeys+1)
	for i := range many {
		many[i] = json.RawMessage(`{"kty":"oct","k":"AA"}`)
	}
	huge := append([]byte(`{"keys":[],"pad":"`), bytes.Repeat([]byte("a"), MaxSetBytes)...)
	huge = append(huge, `"}`...)
	bigKey := json.RawMessage(`{"kty":"RSA","x5u":"` + strings.Repeat("a", maxKeyBytes) + `"}`)
	tests := []struct {
		name, data, want string
	}{
		{"not json", `not json`, "not a JWK Set"},
		{"array", `[1,2]`, "not a JWK Set"},
		{"neither", `{"foo":1}`, `no "keys" member`},
		{"keys not array", `{"keys":{}}`, "not an array"},
		{"keys null", `{"keys":null}`, "not an array"},
		{"key not object", `{"keys":[1]}`, "key[0] is not a JSON object"},
		{"kid not string", `{"keys":[{"kty":"RSA","kid":7}]}`, `member "kid"`},
		{"too many", string(setJSON(t, many...)), "limit is 100"},
		{"too large", string(huge), "limit is 1048576"},
		{"key too large", string(setJSON(t, bigKey)), "key[0] is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSet([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// RFC 7518 sets no RSA maximum: a modulus over go-jose's 4096-bit cap is parsed from n and e
// (up to MaxRSABits, OpenSSL's limit), never dropped as if the key were not there.
func TestParseSetRSAModulusSizes(t *testing.T) {
	modulus := func(bits int) json.RawMessage {
		n := make([]byte, bits/8)
		n[0], n[len(n)-1] = 0xff, 0x01
		return json.RawMessage(`{"kty":"RSA","kid":"k","e":"AQAB","n":"` + b64(n) + `"}`)
	}
	for _, bits := range []int{4160, 8192, MaxRSABits} {
		k := mustParse(t, setJSON(t, modulus(bits))).Keys[0]
		if k.Err != nil || k.Bits != bits || k.Public == nil || k.Thumbprint == "" {
			t.Errorf("%d bits: want it parsed, got bits %d, err %v", bits, k.Bits, k.Err)
		}
	}
	k := mustParse(t, setJSON(t, modulus(MaxRSABits+8))).Keys[0]
	if k.Err == nil || k.Public != nil || !strings.Contains(k.Err.Error(), "over the 16384 accepted (OpenSSL's limit)") {
		t.Errorf("over MaxRSABits: want the key refused, got err %v", k.Err)
	}
	big := b64(append([]byte{0xff}, make([]byte, 600)...)) // 4808 bits: past go-jose's cap
	for name, raw := range map[string]string{
		"e of 1":            `{"kty":"RSA","e":"AQ","n":"` + big + `"}`,
		"e over 2^31":       `{"kty":"RSA","e":"AQAAAAAA","n":"` + big + `"}`,
		"no e":              `{"kty":"RSA","n":"` + big + `"}`,
		"n not base64url":   `{"kty":"RSA","e":"AQAB","n":"+/` + big + `"}`,
		"n not even a text": `{"kty":"RSA","e":"AQAB","n":7}`,
	} {
		if k := mustParse(t, setJSON(t, json.RawMessage(raw))).Keys[0]; k.Err == nil || k.Public != nil {
			t.Errorf("%s: want an error, got %+v", name, k)
		}
	}
}

func TestParseSetSanitisesStrings(t *testing.T) {
	priv, _ := testRSA(t)
	evil := "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\x1b[2J\u202egnp.exe\r\nnext"
	s := mustParse(t, setJSON(t, jwkJSON(t, &priv.PublicKey, evil, "RS256\x1b[31m", "sig", map[string]any{"key_ops": []string{"verify\x07"}})))
	k := s.Keys[0]
	for _, v := range append([]string{k.KID, k.Alg, k.Use, k.Label()}, k.KeyOps...) {
		if strings.ContainsAny(v, "\x1b\x07\r\n\u202e") {
			t.Errorf("unsanitised string %q", v)
		}
	}
	if k.KID != "clickgnp.exe next" || k.Alg != "RS256" {
		t.Errorf("KID = %q, Alg = %q", k.KID, k.Alg)
	}
	if got := s.ByKID(evil); len(got) != 1 {
		t.Errorf("ByKID with the raw kid found %d keys, want 1", len(got))
	}
	long := mustParse(t, setJSON(t, jwkJSON(t, &priv.PublicKey, strings.Repeat("k", 5000), "", "", nil)))
	if n := len([]rune(long.Keys[0].KID)); n > sanitize.MaxRunes+1 {
		t.Errorf("kid not capped: %d runes", n)
	}
}

func TestPublicJWKAndMarshalSetRoundTrip(t *testing.T) {
	priv, _ := testRSA(t)
	k, err := PublicJWK(priv, "RS512")
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := Thumbprint(priv)
	if k.KID != tp || k.Thumbprint != tp || k.Alg != "RS512" || k.Use != "sig" || k.Kty != "RSA" || k.HasPrivate() {
		t.Fatalf("PublicJWK = %+v", k)
	}
	var members map[string]any
	if err := json.Unmarshal(k.JSON, &members); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"kty", "n", "e", "use", "alg", "kid"} {
		if _, ok := members[m]; !ok {
			t.Errorf("member %s missing from %s", m, k.JSON)
		}
	}
	if len(members) != 6 {
		t.Errorf("unexpected members: %v", members)
	}
	out, err := MarshalSet([]Key{k})
	if err != nil {
		t.Fatal(err)
	}
	again, err := MarshalSet(mustParse(t, out).Keys)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Errorf("MarshalSet not stable through ParseSet:\n%s\n---\n%s", out, again)
	}
	if !strings.HasPrefix(string(out), "{\n  \"keys\": [\n    {\n      \"") || !strings.HasSuffix(string(out), "    }\n  ]\n}\n") {
		t.Errorf("not the expected pretty layout:\n%s", out)
	}
	if empty, _ := MarshalSet(nil); string(empty) != "{\n  \"keys\": []\n}\n" {
		t.Errorf("empty set = %q", empty)
	}
	if _, err := PublicJWK(priv, "ES256"); err == nil {
		t.Error("RSA key with ES256: want error")
	}
}
