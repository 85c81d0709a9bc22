package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

var generated = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func TestSubmissionGolden(t *testing.T) {
	secretCfg := &model.Config{
		Environment: model.Production, Organisation: "Bravo Care | Co", Product: "Bravo Rota",
		ContactEmail: "it@bravo.example", Description: "Rota planning",
		RedirectURIs:            []string{"https://rota.bravo.co.uk/oidc/callback"},
		BackchannelLogoutURI:    "https://rota.bravo.co.uk/oidc/logout",
		TokenEndpointAuthMethod: model.ClientSecretBasic, UserinfoSignedResponseAlg: "RS256",
		ClientID: "123456789012.apps.supplier",
	}
	notReady := Verdict{Blockers: []Blocker{
		{Kind: "non-production", ID: "config.uri.non-production", Target: "backchannel_logout_uri",
			Message: "production still points at a non-production host (rota.uat.bravo.co.uk)", Fix: "replace the host"},
		{Kind: "unverified", ID: "live-checks", Message: "the live checks did not run: nothing has tested the endpoints"},
	}}
	for _, tc := range []struct {
		name string
		cfg  *model.Config
		v    Verdict
	}{{"submission-pkjwt", exampleConfig(t), Verdict{Live: true}}, {"submission-secret", secretCfg, notReady}} {
		rs := checks.Offline(tc.cfg, nil)
		rs = append(rs, checks.Result{ID: "live.jwks", Target: tc.cfg.JWKSURI, Status: model.Warn,
			Message: "served with \x1b[31mCache-Control: no-cache\x1b[0m", Fix: "cache for an hour"})
		s := NewSubmission(tc.cfg, rs, "cis2-golive check results: results.json", tc.v, generated, "v1.2.3")
		var j, md bytes.Buffer
		if err := WriteSubmissionJSON(&j, s); err != nil {
			t.Fatal(err)
		}
		if err := WriteSubmissionMarkdown(&md, s); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.name+".json.golden", j.Bytes())
		golden(t, tc.name+".md.golden", md.Bytes())
		if strings.Contains(j.String()+md.String(), "\x1b") {
			t.Errorf("%s: an escape sequence from a result reached the output", tc.name)
		}
	}
}

// The Markdown lists NHS's six items in the order of the "Put your software live" page.
func TestSubmissionMarkdownOrder(t *testing.T) {
	var md bytes.Buffer
	if err := WriteSubmissionMarkdown(&md, NewSubmission(exampleConfig(t), nil, "offline rules", Verdict{}, generated, "dev")); err != nil {
		t.Fatal(err)
	}
	last := -1
	for _, item := range []string{"Production Redirection URIs", "Production Backchannel Logout URI", "Security pattern used",
		"JWKS endpoint URI", "Token Endpoint Signing Algorithm", "Signed userinfo responses", "Check evidence"} {
		i := strings.Index(md.String(), item)
		if i <= last {
			t.Fatalf("%q missing or out of order in:\n%s", item, md.String())
		}
		last = i
	}
}

func TestSubmissionJSONIsConnectionManagerShape(t *testing.T) {
	var j bytes.Buffer
	if err := WriteSubmissionJSON(&j, NewSubmission(exampleConfig(t), nil, "offline rules", Verdict{}, generated, "dev")); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Client map[string]any `json:"client"`
	}
	if err := json.Unmarshal(j.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"backchannel_logout_uri": "https://epr.acme-health.co.uk/auth/cis2/backchannel-logout", "token_endpoint_auth_method": "private_key_jwt",
		"jwks_uri": "https://epr.acme-health.co.uk/.well-known/jwks.json", "jwks_uri_signing_algorithm": "RS512", "client_name": "Acme EPR",
	}
	for k, v := range want {
		if got.Client[k] != v {
			t.Errorf("client.%s = %v, want %v", k, got.Client[k], v)
		}
	}
	// The export must load back as a Connection Manager config with the same values.
	back, _, err := model.Parse("sub.json", mustJSON(t, got.Client))
	if err != nil {
		t.Fatal(err)
	}
	if back.JWKSURI != exampleConfig(t).JWKSURI || len(back.RedirectURIs) != 2 || back.TokenEndpointAuthSigningAlg != "RS512" {
		t.Errorf("client object does not read back as Connection Manager: %+v", back)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFindSecret(t *testing.T) {
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----"
	tests := []struct {
		name  string
		cfg   model.Config
		field string
	}{
		{"clean", model.Config{Description: "a public BEGIN CERTIFICATE mention", JWKSURI: "https://x.co.uk/jwks.json?kid=1"}, ""},
		{"PEM in description", model.Config{Description: "key: " + pem}, "description"},
		{"PKCS8 PEM in organisation", model.Config{Organisation: "-----BEGIN PRIVATE KEY-----"}, "organisation"},
		{"private JWK in product", model.Config{Product: `{"kty":"RSA","n":"AQAB","e":"AQAB","d":"c2VjcmV0"}`}, "product"},
		{"JWKS with d nested", model.Config{Description: `{"keys":[{"kty":"EC", "d" : "x"}]}`}, "description"},
		{"client secret in a redirect query", model.Config{RedirectURIs: []string{"https://a.co.uk/cb", "https://a.co.uk/cb?client_secret=s3cr3t"}}, "redirect_uris[1]"},
		{"public JWK is fine", model.Config{Description: `{"kty":"RSA","n":"AQAB","e":"AQAB"}`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := model.FindSecret(&tt.cfg)
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("unexpected refusal: %v", err)
			case tt.field != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.field+" ")):
				t.Errorf("got %v, want a refusal naming %s", err, tt.field)
			case err != nil && (strings.Contains(err.Error(), "c2VjcmV0") || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "MIIE")):
				t.Errorf("the refusal repeats the secret: %v", err)
			}
		})
	}
}

// TestSubmissionSaysNotReadyFirst: a submission written over blockers says so in its first
// lines, in JSON ("status" and "blockers" before anything else) and in Markdown (under the
// title, naming each); "No warnings or failures" only when the live checks ran.
func TestSubmissionSaysNotReadyFirst(t *testing.T) {
	v := Verdict{Blockers: []Blocker{{Kind: "non-production", ID: "config.uri.non-production", Target: "jwks_uri",
		Message: "production still points at a non-production host (epr.acme-int.co.uk)"}}}
	s := NewSubmission(exampleConfig(t), nil, "offline rules", v, generated, "dev")
	var j, md bytes.Buffer
	_ = WriteSubmissionJSON(&j, s)
	_ = WriteSubmissionMarkdown(&md, s)
	if lines := strings.Split(j.String(), "\n"); lines[1] != `  "status": "not-ready",` || lines[2] != `  "blockers": [` {
		t.Errorf("JSON does not open with the status and blockers:\n%s", j.String())
	}
	head := strings.Join(strings.Split(md.String(), "\n")[:6], "\n")
	for _, want := range []string{"**Status: NOT READY.**", "written anyway", "`jwks_uri`: production still points at a non-production host (epr.acme-int.co.uk)"} {
		if !strings.Contains(head, want) {
			t.Errorf("Markdown's first lines lack %q:\n%s", want, head)
		}
	}
	if strings.Contains(md.String(), "No warnings or failures.") {
		t.Errorf("offline rules alone must not read \"No warnings or failures.\":\n%s", md.String())
	}
	ready := NewSubmission(exampleConfig(t), nil, "cis2-golive check results: r.json", Verdict{Live: true}, generated, "dev")
	md.Reset()
	j.Reset()
	_ = WriteSubmissionMarkdown(&md, ready)
	_ = WriteSubmissionJSON(&j, ready)
	if !strings.Contains(md.String(), "**Status: ready to send.**") || !strings.Contains(md.String(), "No warnings or failures.") ||
		!strings.Contains(j.String(), `"status": "ready"`) || !strings.Contains(j.String(), `"blockers": []`) {
		t.Errorf("ready submission:\n%s\n%s", md.String(), j.String())
	}
}

// The RFC 7591 object declares only what the configuration does, and nothing empty: unsigned
// userinfo is an absent member (a provider refuses ""), and a client secret client carries no
// JWKS URI or signing alg even if the file still holds them.
func TestClientMetadataDeclaresNothingEmpty(t *testing.T) {
	cfg := exampleConfig(t)
	cfg.UserinfoSignedResponseAlg = ""
	var m map[string]any
	data, _ := json.Marshal(NewClientMetadata(cfg))
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["userinfo_signed_response_alg"]; ok {
		t.Errorf("unsigned userinfo written as a member: %s", data)
	}
	if m["token_endpoint_auth_signing_alg"] != "RS512" || m["jwks_uri"] != cfg.JWKSURI || m["token_endpoint_auth_method"] != "private_key_jwt" {
		t.Errorf("private_key_jwt members: %s", data)
	}
	for k, v := range m {
		if v == "" {
			t.Errorf("%s written empty", k)
		}
	}
	secret := *cfg
	secret.TokenEndpointAuthMethod, secret.UserinfoSignedResponseAlg = model.ClientSecretBasic, "RS256"
	got := NewClientMetadata(&secret)
	if got.JWKSURI != "" || got.TokenEndpointAuthSigningAlg != "" || got.UserinfoSignedResponseAlg != "RS256" {
		t.Errorf("client_secret_basic: %+v", got)
	}
}
