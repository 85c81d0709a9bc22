package keys

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// `keys inspect KEY --jwks JWKS` finding the key's public half is not enough: a verifier must
// also select it for the assertion (by kid, for RS256 or RS512), as assertion.sign-verify
// verifies. Otherwise inspect says "its public half is in the JWKS" and exits 0 where check
// fails.
func TestMatchJWKSFoundButNotSelectable(t *testing.T) {
	priv := opensslKey(t, "x5c-key.pem")
	other, _ := testRSA(t)
	pemPath := writeKey(t, priv)
	pemData, err := os.ReadFile(pemPath)
	if err != nil {
		t.Fatal(err)
	}
	// The x5c-match key as openssl wrote it, without its certificate, for the edits below.
	var base map[string]any
	if err := json.Unmarshal(mustParse(t, readTestdata(t, "openssl/x5c-match.jwks.json")).Keys[0].JSON, &base); err != nil {
		t.Fatal(err)
	}
	delete(base, "x5c")
	edit := func(changes map[string]any) json.RawMessage {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range changes {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		data, _ := json.Marshal(m)
		return data
	}
	for _, tc := range []struct {
		name string
		jwks []byte
		why  string // "" when a verifier selects the key
	}{
		{"x5c of the key", readTestdata(t, "openssl/x5c-match.jwks.json"), ""},
		{"only key, no kid", setJSON(t, edit(map[string]any{"kid": nil})), ""},
		{"x5c of another key", readTestdata(t, "openssl/x5c-mismatch.jwks.json"), "x5c certificate does not match n/e"},
		{"use enc", setJSON(t, edit(map[string]any{"use": "enc"})), `use is "enc"`},
		{"limited to RS384", setJSON(t, edit(map[string]any{"alg": "RS384"})), "limited to alg RS384"},
		{"kid shared with another RSA key", setJSON(t, jwkJSON(t, &other.PublicKey, "signing", "RS256", "sig", nil), edit(nil)), `2 keys with kid "signing"`},
		{"no kid beside another key", setJSON(t, edit(map[string]any{"kid": nil}), jwkJSON(t, &other.PublicKey, "other", "RS256", "sig", nil)), "no kid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins, err := Inspect(pemData, InspectOptions{Source: pemPath})
			if err != nil {
				t.Fatal(err)
			}
			if err := ins.MatchJWKS("jwks.json", tc.jwks, false); err != nil {
				t.Fatal(err)
			}
			if !ins.InJWKS.Found {
				t.Fatalf("the key's public half is in the set: %+v", ins.InJWKS)
			}
			var msgs []string
			for _, p := range ins.InJWKS.Problems {
				if p.Rule == RuleNotSelected {
					msgs = append(msgs, p.Message)
				}
			}
			switch {
			case tc.why == "" && (ins.Failed || len(msgs) > 0):
				t.Errorf("a verifier selects this key, yet: failed %v, %v", ins.Failed, ins.InJWKS.Problems)
			case tc.why != "" && (!ins.Failed || len(msgs) != 1 || !strings.Contains(msgs[0], tc.why)):
				t.Errorf("failed %v, problems %+v; want one %s problem saying %q", ins.Failed, ins.InJWKS.Problems, RuleNotSelected, tc.why)
			}
		})
	}
}

// An x5t that is not the certificate's digest is named with its own rule (RFC 7517 §4.8,
// §4.9) and fix, not as a certificate of another key (§4.7).
func TestX5TMismatchCitesItsOwnRule(t *testing.T) {
	var doc map[string][]map[string]any
	if err := json.Unmarshal(readTestdata(t, "openssl/x5c-match.jwks.json"), &doc); err != nil {
		t.Fatal(err)
	}
	doc["keys"][0]["x5t#S256"] = b64(make([]byte, 32)) // the digest of nothing in the set
	data, _ := json.Marshal(doc)
	set := mustParse(t, data)
	ins := InspectSet(set, InspectOptions{Remote: true})
	if len(ins.Lint) != 1 || ins.Lint[0].Rule != RuleX5CMismatch {
		t.Fatalf("lint: %+v", ins.Lint)
	}
	p := ins.Lint[0]
	if !strings.Contains(p.Message, "RFC 7517 §4.8, §4.9") || strings.Contains(p.Message, "§4.7") || !strings.Contains(p.Fix, "x5t#S256") ||
		strings.Contains(p.Fix, "certificate of this very key") {
		t.Errorf("x5t mismatch: %q, fix %q", p.Message, p.Fix)
	}
	if err := set.Keys[0].CheckAlg("RS256"); err == nil || !strings.Contains(err.Error(), "(RFC 7517 §4.8, §4.9)") {
		t.Errorf("CheckAlg: %v", err)
	}
}
