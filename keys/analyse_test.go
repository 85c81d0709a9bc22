package keys

import (
	"crypto/elliptic"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

type ruleKID struct{ rule, kid string }

func problemSet(ps []Problem) []ruleKID {
	var out []ruleKID
	for _, p := range ps {
		out = append(out, ruleKID{p.Rule, p.KID})
		if p.Message == "" || p.Fix == "" || (p.Severity != model.Fail && p.Severity != model.Warn) {
			panic("incomplete problem: " + p.Rule)
		}
	}
	return out
}

func TestPublicOnly(t *testing.T) {
	big, small := testRSA(t)
	ec := testEC(t, elliptic.P256())
	tests := []struct {
		name string
		keys []json.RawMessage
		want []ruleKID
	}{
		{"clean RSA and EC", []json.RawMessage{jwkJSON(t, &big.PublicKey, "a", "RS256", "sig", nil), jwkJSON(t, &ec.PublicKey, "b", "ES256", "", nil)}, nil},
		{"RSA private", []json.RawMessage{jwkJSON(t, big, "a", "RS256", "sig", nil)}, []ruleKID{{RulePrivateMember, "a"}}},
		{"EC private", []json.RawMessage{jwkJSON(t, ec, "e", "", "", nil)}, []ruleKID{{RulePrivateMember, "e"}}},
		{"symmetric", []json.RawMessage{json.RawMessage(`{"kty":"oct","kid":"h","k":"AAAA"}`)}, []ruleKID{{RulePrivateMember, "h"}, {RuleSymmetric, "h"}}},
		{"RSA 1024", []json.RawMessage{jwkJSON(t, &small.PublicKey, "s", "RS256", "sig", nil)}, []ruleKID{{RuleRSATooSmall, "s"}}},
		{"no kid labelled by index", []json.RawMessage{jwkJSON(t, &big.PublicKey, "a", "", "", nil), jwkJSON(t, big, "", "", "", nil)}, []ruleKID{{RulePrivateMember, "key[1]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemSet(PublicOnly(mustParse(t, setJSON(t, tt.keys...))))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPublicOnlyPrivateMessageIsCriticalAndNamesMembersOnly(t *testing.T) {
	big, _ := testRSA(t)
	ps := PublicOnly(mustParse(t, setJSON(t, jwkJSON(t, big, "k1", "RS256", "sig", nil))))
	if len(ps) != 1 || !strings.HasPrefix(ps[0].Message, "CRITICAL") || !strings.Contains(ps[0].Message, "d, p, q, dp, dq, qi") {
		t.Fatalf("problems = %+v", ps)
	}
	d := b64(big.D.Bytes())
	if strings.Contains(ps[0].Message+ps[0].Fix, d[:16]) {
		t.Error("message holds private key material")
	}
}

// cis2Algs are the algorithms the rules are checked against unless a test says otherwise.
var cis2Algs = model.CIS2.TokenEndpointSigningAlgs

type ruleSev struct {
	rule, kid string
	sev       model.Severity
}

func problemSeverities(ps []Problem) []ruleSev {
	var out []ruleSev
	for _, r := range problemSet(ps) {
		out = append(out, ruleSev{r.rule, r.kid, ""})
	}
	for i, p := range ps {
		out[i].sev = p.Severity
	}
	return out
}

func TestLint(t *testing.T) {
	big, _ := testRSA(t)
	p256 := testEC(t, elliptic.P256())
	pub := &big.PublicKey
	sig := jwkJSON(t, pub, "s", "RS256", "sig", nil)
	const warn, fail = model.Warn, model.Fail
	tests := []struct {
		name string
		keys []json.RawMessage
		want []ruleSev
	}{
		{"clean", []json.RawMessage{jwkJSON(t, pub, "a", "RS256", "sig", map[string]any{"key_ops": []string{"verify"}})}, nil},
		{"empty set", nil, []ruleSev{{RuleNoKeys, "", fail}}},
		// RFC 7517 §4.5: kid is optional; OIDC Core §10.1 needs it only among several keys.
		{"one key, no kid, warns", []json.RawMessage{jwkJSON(t, pub, "", "", "", nil)}, []ruleSev{{RuleKIDMissing, "key[0]", warn}}},
		{"one of two keys without kid warns", []json.RawMessage{sig, jwkJSON(t, &p256.PublicKey, "", "", "", nil)}, []ruleSev{{RuleKIDMissing, "key[1]", warn}}},
		{"two keys without kid fail", []json.RawMessage{jwkJSON(t, pub, "", "", "", nil), jwkJSON(t, &p256.PublicKey, "", "", "", nil)},
			[]ruleSev{{RuleKIDMissing, "key[0]", fail}, {RuleKIDMissing, "key[1]", fail}}},
		// Same kid: allowed across ktys (warn), ambiguous within one (fail).
		{"kid shared across ktys warns", []json.RawMessage{jwkJSON(t, pub, "a", "", "", nil), jwkJSON(t, &p256.PublicKey, "a", "", "", nil)},
			[]ruleSev{{RuleKIDDuplicate, "a", warn}}},
		{"kid shared by same kty fails", []json.RawMessage{jwkJSON(t, pub, "a", "", "", nil), jwkJSON(t, &p256.PublicKey, "a", "", "", nil), jwkJSON(t, pub, "a", "", "", nil)},
			[]ruleSev{{RuleKIDDuplicate, "a", warn}, {RuleKIDDuplicate, "a", fail}}},
		// A key not for signatures only matters when no other key can verify the alg.
		{"use enc, the only RSA key, fails", []json.RawMessage{jwkJSON(t, pub, "a", "", "enc", nil)}, []ruleSev{{RuleUse, "a", fail}}},
		{"use enc beside a signing key warns", []json.RawMessage{sig, jwkJSON(t, pub, "a", "", "enc", nil)}, []ruleSev{{RuleUse, "a", warn}}},
		{"use enc on an EC key beside no signer warns", []json.RawMessage{jwkJSON(t, &p256.PublicKey, "a", "", "enc", nil)}, []ruleSev{{RuleUse, "a", warn}}},
		{"key_ops sign only, the only key, fails", []json.RawMessage{jwkJSON(t, pub, "a", "", "", map[string]any{"key_ops": []string{"sign"}})}, []ruleSev{{RuleKeyOps, "a", fail}}},
		{"key_ops encrypt beside a signing key warns", []json.RawMessage{sig, jwkJSON(t, pub, "a", "", "", map[string]any{"key_ops": []string{"encrypt"}})}, []ruleSev{{RuleKeyOps, "a", warn}}},
		{"RSA key with ES256", []json.RawMessage{jwkJSON(t, pub, "a", "ES256", "", nil)}, []ruleSev{{RuleAlgMismatch, "a", fail}}},
		{"P-256 key with ES384", []json.RawMessage{jwkJSON(t, &p256.PublicKey, "a", "ES384", "", nil)}, []ruleSev{{RuleAlgMismatch, "a", fail}}},
		{"RSA key with enc alg", []json.RawMessage{jwkJSON(t, pub, "a", "RSA-OAEP", "", nil)}, []ruleSev{{RuleAlgMismatch, "a", fail}}},
		{"PS512 on RSA is fine", []json.RawMessage{jwkJSON(t, pub, "a", "PS512", "sig", nil)}, nil},
		{"unsupported kty warns", []json.RawMessage{json.RawMessage(`{"kty":"OKP","crv":"X25519","kid":"x","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}`)},
			[]ruleSev{{RuleUnsupportedKty, "x", warn}}},
		{"invalid key fails", []json.RawMessage{json.RawMessage(`{"kty":"RSA","kid":"bad","n":"AQAB"}`)}, []ruleSev{{RuleInvalidKey, "bad", fail}}},
		{"escape in kid warns", []json.RawMessage{jwkJSON(t, pub, "a\x1b[31m", "", "", nil)}, []ruleSev{{RuleKIDUnprintable, "a", warn}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemSeverities(Lint(mustParse(t, setJSON(t, tt.keys...)), cis2Algs))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUsable(t *testing.T) {
	big, _ := testRSA(t)
	p256 := testEC(t, elliptic.P256())
	ecOnly := mustParse(t, setJSON(t, jwkJSON(t, &p256.PublicKey, "ec", "ES256", "sig", nil)))
	ps := Usable(ecOnly, cis2Algs)
	if len(ps) != 1 || ps[0].Rule != RuleNoUsableKey || ps[0].Severity != model.Fail ||
		!strings.Contains(ps[0].Message, "no key in the JWKS can verify RS256 or RS512: ec (RS256 needs an RSA key, this is EC P-256)") {
		t.Errorf("EC-only set: %+v", ps)
	}
	rsaSet := mustParse(t, setJSON(t, jwkJSON(t, &big.PublicKey, "r", "RS512", "sig", nil)))
	if ps := Usable(rsaSet, cis2Algs); ps != nil {
		t.Errorf("RS512 key: %+v", ps)
	}
	if ps := Usable(rsaSet, []string{"RS256"}); len(ps) != 1 || !strings.Contains(ps[0].Message, "limited to alg RS512") {
		t.Errorf("RS512 key for a declared RS256: %+v", ps)
	}
}

func TestSplitByAlg(t *testing.T) {
	big, _ := testRSA(t)
	p256, p384, p521 := testEC(t, elliptic.P256()), testEC(t, elliptic.P384()), testEC(t, elliptic.P521())
	s := mustParse(t, setJSON(t,
		jwkJSON(t, &big.PublicKey, "rsa", "", "", nil),
		jwkJSON(t, &big.PublicKey, "rsa-rs512", "RS512", "sig", nil),
		jwkJSON(t, &big.PublicKey, "rsa-enc", "", "enc", nil),
		jwkJSON(t, &big.PublicKey, "rsa-ops", "", "", map[string]any{"key_ops": []string{"encrypt"}}),
		jwkJSON(t, &p256.PublicKey, "p256", "", "", nil),
		jwkJSON(t, &p384.PublicKey, "p384", "", "", nil),
		jwkJSON(t, &p521.PublicKey, "p521", "", "", nil),
		json.RawMessage(`{"kty":"oct","kid":"hmac","k":"AAAA"}`),
	))
	tests := []struct {
		alg  string
		want []string
	}{
		{"RS256", []string{"rsa"}},
		{"RS512", []string{"rsa", "rsa-rs512"}},
		{"PS256", []string{"rsa"}},
		{"ES256", []string{"p256"}},
		{"ES384", []string{"p384"}},
		{"ES512", []string{"p521"}},
		{"HS256", nil},
		{"none", nil},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			can, cannot := SplitByAlg(s.Keys, tt.alg)
			var got []string
			for _, k := range can {
				got = append(got, k.KID)
				if !k.Supports(tt.alg) {
					t.Errorf("%s in can but Supports is false", k.KID)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("can = %v, want %v", got, tt.want)
			}
			if len(can)+len(cannot) != len(s.Keys) {
				t.Errorf("split lost keys: %d + %d", len(can), len(cannot))
			}
			for _, u := range cannot {
				if u.Reason == "" {
					t.Errorf("%s: no reason", u.Key.KID)
				}
			}
		})
	}
	_, cannot := SplitByAlg(s.Keys, "ES256")
	reasons := map[string]string{}
	for _, u := range cannot {
		reasons[u.Key.KID] = u.Reason
	}
	for kid, want := range map[string]string{"rsa": "needs an EC P-256 key, this is RSA", "p384": "this is EC P-384", "hmac": "symmetric"} {
		if !strings.Contains(reasons[kid], want) {
			t.Errorf("%s reason %q, want it to contain %q", kid, reasons[kid], want)
		}
	}
	_, cannot = SplitByAlg(s.Keys, "RS256")
	for _, u := range cannot {
		if u.Key.KID == "rsa-enc" && !strings.Contains(u.Reason, `use is "enc"`) || u.Key.KID == "rsa-rs512" && !strings.Contains(u.Reason, "limited to alg RS512") {
			t.Errorf("%s: reason %q", u.Key.KID, u.Reason)
		}
	}
}
