package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestKeysNewThenCheckVerifiesAssertion is the keys end-to-end path, through the commands a
// user types: `keys new` makes a key pair, jwks.json is served over loopback TLS, and
// `check --key` signs a client assertion with the new key and verifies it against the served
// JWKS. A key that was never published fails with the check's exact message.
func TestKeysNewThenCheckVerifiesAssertion(t *testing.T) {
	for _, alg := range []string{"RS256", "RS512"} {
		t.Run(alg, func(t *testing.T) {
			_, keyPath, jwksPath := newKeyDir(t, "--alg", alg)
			base, ca := tlsJWKSServer(t, mustRead(t, jwksPath))
			cfg := writeFile(t, "int.yaml", fmt.Sprintf(
				"environment: integration\nclient_id: 999999999999.apps.supplier\nredirect_uris: [%q]\n"+
					"backchannel_logout_uri: %q\ntoken_endpoint_auth_method: private_key_jwt\n"+
					"jwks_uri: %q\ntoken_endpoint_auth_signing_alg: %s\n",
				base+"/cb", base+"/logout", base+"/jwks.json", alg))
			args := []string{"check", "--config", cfg, "--format", "json", "--ca-cert", ca, "--allow-private", "--timeout", "5s"}

			got := assertionResult(t, append(args, "--key", keyPath)...)
			if got.Status != "pass" || !strings.Contains(got.Message, "verified it against the fetched JWKS") {
				t.Fatalf("published key: %+v", got)
			}

			_, otherKey, _ := newKeyDir(t, "--alg", alg)
			got = assertionResult(t, append(args, "--key", otherKey)...)
			if got.Status != "fail" || !strings.Contains(got.Message, "the key's public half is not in the JWKS") {
				t.Fatalf("unpublished key: %+v", got)
			}
		})
	}
}

type resultJSON struct{ ID, Status, Message string }

func assertionResult(t *testing.T, args ...string) resultJSON {
	t.Helper()
	_, stdout, stderr := runCLI(t, args...)
	var rep struct{ Results []resultJSON }
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\nstderr: %s", err, stderr)
	}
	for _, r := range rep.Results {
		if r.ID == "assertion.sign-verify" {
			return r
		}
	}
	t.Fatalf("no assertion.sign-verify result in %s", stdout)
	return resultJSON{}
}
