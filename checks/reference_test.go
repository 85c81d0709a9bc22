package checks

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/keys"
)

// deliberate lists the cases where our verdict differs from jose's on purpose, and why. Every
// entry must still differ (so the list cannot rot), and every other case must agree.
var deliberate = map[string]string{
	// RFC 7517 §4.7: the first x5c certificate's key MUST match the JWK's. jose ignores x5c;
	// go-jose (and verifiers built on it) refuse the key, so the safe verdict is to fail.
	"x5c of another key (openssl)": "RFC 7517 §4.7",
	// A symmetric key is a shared secret in a public document. jose skips it for RS256, but
	// oidc-provider refuses the whole set ("must not contain symmetric keys"), as we do.
	"symmetric key beside the signing key": "oidc-provider refuses the set",
}

// TestReferenceVerdicts compares, case by case, what the live checks conclude about a JWKS
// and a client assertion with what jose 6 concludes (and, for the sets we refuse, whether
// oidc-provider 9 registers them). scripts/reference makes the cases with jose, node:crypto
// and openssl's keys and sets CIS2_GOLIVE_REFERENCE_CASES (and CIS2_GOLIVE_REFERENCE_OP);
// CI runs it.
func TestReferenceVerdicts(t *testing.T) {
	path := os.Getenv("CIS2_GOLIVE_REFERENCE_CASES")
	if path == "" {
		t.Skip("CIS2_GOLIVE_REFERENCE_CASES is not set: run scripts/reference")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ClientID string `json:"client_id"`
		Aud      string `json:"aud"`
		Cases    []struct {
			Name  string          `json:"name"`
			Alg   string          `json:"alg"`
			JWKS  json.RawMessage `json:"jwks"`
			Token string          `json:"token"`
			Jose  struct {
				Accepted bool   `json:"accepted"`
				Reason   string `json:"reason"`
			} `json:"jose"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 10 {
		t.Fatalf("only %d cases in %s", len(doc.Cases), path)
	}
	op := os.Getenv("CIS2_GOLIVE_REFERENCE_OP")
	for _, c := range doc.Cases {
		t.Run(c.Name, func(t *testing.T) {
			set, err := keys.ParseSet(c.JWKS)
			if err != nil {
				t.Fatalf("ParseSet: %v", err)
			}
			ins := keys.InspectSet(set, keys.InspectOptions{Remote: true, Algs: []string{c.Alg}})
			a := assertion{token: c.Token, alg: c.Alg, aud: doc.Aud, clientID: doc.ClientID}
			verifyErr := verifyAssertion(a, set, time.Now)
			accepted := !ins.Refused() && verifyErr == nil
			why, onPurpose := deliberate[c.Name]
			switch {
			case accepted == c.Jose.Accepted && onPurpose:
				t.Errorf("listed as a deliberate difference (%s) but we now agree with jose (accepted %v)", why, accepted)
			case accepted != c.Jose.Accepted && !onPurpose:
				t.Errorf("we accepted %v (refused %v, verify %v); jose accepted %v (%s)", accepted, ins.Refused(), verifyErr, c.Jose.Accepted, c.Jose.Reason)
			}
			t.Logf("ours: accepted %v (refused %v, %v; problems %v); jose: %v %s", accepted, ins.Refused(), verifyErr, rules(ins.Problems), c.Jose.Accepted, c.Jose.Reason)
			if op != "" && ins.Refused() {
				// A set we refuse as a whole: oidc-provider refuses it at registration, or jose
				// refuses the key when verifying (it checks RSA size then, not at registration).
				if registers(t, op, c.JWKS) && c.Jose.Accepted {
					t.Errorf("we refuse the set, yet oidc-provider registers it and jose verifies with it")
				}
			}
		})
	}
}

func rules(ps []keys.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.Severity)+" "+p.Rule)
	}
	return out
}

// registers reports whether oidc-provider accepts jwks as a private_key_jwt client's key set.
func registers(t *testing.T, endpoint string, jwks json.RawMessage) bool {
	t.Helper()
	if u, err := url.Parse(endpoint); err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("CIS2_GOLIVE_REFERENCE_OP %q: the reference provider runs on loopback only", endpoint)
	}
	body, _ := json.Marshal(map[string]any{"redirect_uris": []string{"https://rp.reference.test/cb"},
		"token_endpoint_auth_method": "private_key_jwt", "token_endpoint_auth_signing_alg": "RS256", "jwks": jwks})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer map[string]any
	json.NewDecoder(resp.Body).Decode(&answer)
	t.Logf("oidc-provider: HTTP %d %v", resp.StatusCode, answer["error_description"])
	return resp.StatusCode == http.StatusCreated
}
