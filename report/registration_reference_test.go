package report

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestReferenceRegistration registers the submission's client_metadata at a real RFC 7591
// provider and reads back every declared member exactly: scripts/reference starts node
// oidc-provider 9 on loopback and sets CIS2_GOLIVE_REFERENCE_OP to its registration endpoint
// (CI runs it; without the variable there is no provider to ask).
func TestReferenceRegistration(t *testing.T) {
	endpoint := os.Getenv("CIS2_GOLIVE_REFERENCE_OP")
	if endpoint == "" {
		t.Skip("CIS2_GOLIVE_REFERENCE_OP is not set: run scripts/reference")
	}
	if u, err := url.Parse(endpoint); err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("CIS2_GOLIVE_REFERENCE_OP %q: the reference provider runs on loopback only", endpoint)
	}
	pkjwt := exampleConfig(t)
	pkjwt.UserinfoSignedResponseAlg = "" // unsigned: the member must be absent, not ""
	secret := &model.Config{
		Environment: model.Production, Product: "Bravo Rota",
		RedirectURIs:            []string{"https://rota.bravo.co.uk/oidc/callback"},
		BackchannelLogoutURI:    "https://rota.bravo.co.uk/oidc/logout",
		TokenEndpointAuthMethod: model.ClientSecretBasic, UserinfoSignedResponseAlg: "ES256",
	}
	for name, cfg := range map[string]*model.Config{"private_key_jwt": pkjwt, "client_secret_basic": secret} {
		t.Run(name, func(t *testing.T) {
			declared := declaredMembers(t, NewSubmission(cfg, nil, "offline rules", Verdict{}, time.Now(), "test").ClientMetadata)
			status, registered := call(t, http.MethodPost, endpoint, "", declared)
			if status != http.StatusCreated {
				t.Fatalf("registration refused: HTTP %d %v", status, registered)
			}
			uri, _ := registered["registration_client_uri"].(string)
			token, _ := registered["registration_access_token"].(string)
			status, readBack := call(t, http.MethodGet, uri, token, nil)
			if status != http.StatusOK {
				t.Fatalf("read back: HTTP %d %v", status, readBack)
			}
			for _, got := range []map[string]any{registered, readBack} {
				for k, want := range declared {
					if !reflect.DeepEqual(got[k], want) {
						t.Errorf("%s: registered %v, declared %v", k, got[k], want)
					}
				}
				// Undeclared means the provider's default: unsigned userinfo, no JWT client
				// authentication alg for a client secret client.
				for _, k := range []string{"userinfo_signed_response_alg", "token_endpoint_auth_signing_alg", "jwks_uri"} {
					if _, ok := declared[k]; !ok && got[k] != nil {
						t.Errorf("%s: registered %v, declared nothing", k, got[k])
					}
				}
			}
		})
	}

	// Why client_metadata exists: the Connection Manager object, registered as is, loses the
	// signing alg (and an unsigned userinfo written "" is refused outright).
	cm := declaredMembers(t, NewSubmission(exampleConfig(t), nil, "offline rules", Verdict{}, time.Now(), "test").Client)
	if status, got := call(t, http.MethodPost, endpoint, "", cm); status != http.StatusCreated || got["token_endpoint_auth_signing_alg"] == "RS512" {
		t.Errorf("the Connection Manager object registered as HTTP %d with alg %v: is client_metadata still needed?", status, got["token_endpoint_auth_signing_alg"])
	}
	empty := declaredMembers(t, NewSubmission(secret, nil, "offline rules", Verdict{}, time.Now(), "test").ClientMetadata)
	empty["userinfo_signed_response_alg"] = ""
	if status, _ := call(t, http.MethodPost, endpoint, "", empty); status != http.StatusBadRequest {
		t.Errorf(`userinfo_signed_response_alg "" registered (HTTP %d): the provider no longer refuses empty members`, status)
	}
}

// declaredMembers is v as the JSON members it declares.
func declaredMembers(t *testing.T, v any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// call sends body (if any) as JSON, with a bearer token (if any), and decodes the JSON answer.
func call(t *testing.T, method, u, token string, body map[string]any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("%s %s: HTTP %d, not JSON: %v", method, u, resp.StatusCode, err)
	}
	return resp.StatusCode, got
}
