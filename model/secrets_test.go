package model

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The value every secret below carries, so a test can prove it is never echoed.
const secretValue = "hunter2-7f3a9c1e"

// A JWT (header {"alg":"RS256","typ":"JWT"}, a short payload, a signature).
const testJWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"

// secretSpellings are the ways a secret reaches a value: every one must be caught, however
// it is encoded, cased or separated.
var secretSpellings = []struct {
	name, value, what string
}{
	{"query client_secret", "https://app.example.nhs.uk/cb?client_secret=" + secretValue, "a secret in a URI query"},
	{"query percent-encoded client%5Fsecret", "https://app.example.nhs.uk/cb?client%5Fsecret=" + secretValue, "a secret in a URI query"},
	{"query percent-encoded twice", "https://app.example.nhs.uk/cb?client%255Fsecret=" + secretValue, "a secret in a URI query"},
	{"query all percent-encoded", "https://app.example.nhs.uk/cb?%63%6c%69%65%6e%74%5f%73%65%63%72%65%74=" + secretValue, "a secret in a URI query"},
	{"query clientSecret", "https://app.example.nhs.uk/cb?clientSecret=" + secretValue, "a secret in a URI query"},
	{"query client-secret", "https://app.example.nhs.uk/cb?x=1&client-secret=" + secretValue, "a secret in a URI query"},
	{"query CLIENT_SECRET", "https://app.example.nhs.uk/cb?CLIENT_SECRET=" + secretValue, "a secret in a URI query"},
	{"query client.secret", "https://app.example.nhs.uk/cb?client.secret=" + secretValue, "a secret in a URI query"},
	{"query api_key", "https://app.example.nhs.uk/cb?api_key=" + secretValue, "a secret in a URI query"},
	{"query apikey", "https://app.example.nhs.uk/cb?apikey=" + secretValue, "a secret in a URI query"},
	{"query x-api-key", "https://app.example.nhs.uk/cb?x-api-key=" + secretValue, "a secret in a URI query"},
	{"query key", "https://app.example.nhs.uk/cb?key=" + secretValue, "a secret in a URI query"},
	{"query access_token", "https://app.example.nhs.uk/cb?access_token=" + secretValue, "a secret in a URI query"},
	{"query password", "https://app.example.nhs.uk/cb?password=" + secretValue, "a secret in a URI query"},
	{"query secret", "https://app.example.nhs.uk/cb?secret=" + secretValue, "a secret in a URI query"},
	{"query after an HTML-escaped &", "https://app.example.nhs.uk/cb?a=1&amp;secret=" + secretValue, "a secret in a URI query"},
	{"matrix parameter", "https://app.example.nhs.uk/cb;secret=" + secretValue, "a secret in a URI query"},
	{"fragment client_secret", "https://app.example.nhs.uk/cb#client_secret=" + secretValue, "a secret in a URI fragment"},
	{"fragment percent-encoded", "https://app.example.nhs.uk/cb#client%2Dsecret=" + secretValue, "a secret in a URI fragment"},
	{"fragment access_token", "https://app.example.nhs.uk/cb#access_token=" + secretValue, "a secret in a URI fragment"},
	{"password in userinfo", "https://bob:" + secretValue + "@app.example.nhs.uk/cb", "a password in a URI (user:password@)"},
	{"password in percent-encoded userinfo", "https://bob%3A" + secretValue + "%40app.example.nhs.uk/cb", "a password in a URI (user:password@)"},
	{"assignment in text", "our client_secret = " + secretValue, "a credential (name=value)"},
	{"JSON member", `{"clientSecret": "` + secretValue + `"}`, `a credential ("name": value)`},
	{"JWT in a query", "https://app.example.nhs.uk/cb?assertion_for=" + testJWT, "a JWT (a signed token such as a client assertion)"},
	{"JWT in text", "paste: " + testJWT, "a JWT (a signed token such as a client assertion)"},
	{"JWT percent-encoded", "https://app.example.nhs.uk/cb?x=" + strings.ReplaceAll(testJWT, ".", "%2E"), "a JWT (a signed token such as a client assertion)"},
	{"PEM private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIE" + secretValue, "a PEM private key"},
	{"PEM private key in a URI", "https://app.example.nhs.uk/cb?k=-----BEGIN%20PRIVATE%20KEY-----" + secretValue, "a PEM private key"},
	{"PEM certificate", "-----BEGIN CERTIFICATE-----\nMIIB", "a PEM block (keys and certificates belong in files, not in the configuration)"},
	{"private JWK", `{"kty":"RSA","d":"` + secretValue + `"}`, `a private JWK (it has a "d" or "k" member)`},
	// A form-encoded space (+, or %2B once decoded) between the words of a name.
	{"query client+secret", "https://app.example.nhs.uk/cb?client+secret=" + secretValue, "a secret in a URI query"},
	{"query client%2Bsecret", "https://app.example.nhs.uk/cb?client%2Bsecret=" + secretValue, "a secret in a URI query"},
	// name=value as a path segment, also inside an encoded return path.
	{"path segment", "https://app.example.nhs.uk/cb/client_secret=" + secretValue, "a secret in a URI path"},
	{"encoded path in a query", "https://app.example.nhs.uk/cb?next=%2Fclient_secret%3D" + secretValue, "a secret in a URI path"},
	{"query client_secret[]", "https://app.example.nhs.uk/cb?client_secret[]=" + secretValue, "a secret in a URI query"},
	{"query member user[password]", "https://app.example.nhs.uk/cb?user[password]=" + secretValue, "a credential (name=value)"},
	{"semicolon between parameters", "https://app.example.nhs.uk/cb?a=1;api_key=" + secretValue, "a secret in a URI query"},
	// JSON in a query: escaped inside another JSON string, a number, single quotes, base64url.
	{"JSON in a query", `https://app.example.nhs.uk/cb?state={"client_secret":"` + secretValue + `"}`, `a credential ("name": value)`},
	{"escaped JSON in a query", `https://app.example.nhs.uk/cb?state={\"client_secret\":\"` + secretValue + `\"}`, `a credential ("name": value)`},
	{"JSON \\u escapes", `https://app.example.nhs.uk/cb?x=1\u0026client\u005fsecret=` + secretValue, "a secret in a URI query"},
	{"JSON number", `https://app.example.nhs.uk/cb?state={"password":12345678}`, `a credential ("name": value)`},
	{"single-quoted JSON", `https://app.example.nhs.uk/cb?state={'client_secret':'` + secretValue + `'}`, `a credential ("name": value)`},
	{"base64url JSON state", "https://app.example.nhs.uk/cb?state=" + base64.RawURLEncoding.EncodeToString([]byte(`{"client_secret":"`+secretValue+`"}`)),
		`a credential ("name": value)`},
	{"HTML numeric entity", "https://app.example.nhs.uk/cb?client&#95;secret=" + secretValue, "a secret in a URI query"},
	// Look-alike characters: fullwidth forms, an invisible character inside the name, Cyrillic.
	{"fullwidth name", "https://app.example.nhs.uk/cb?ｃｌｉｅｎｔ＿ｓｅｃｒｅｔ＝" + secretValue, "a secret in a URI query"},
	{"zero-width space in the name", "https://app.example.nhs.uk/cb?client\u200bsecret=" + secretValue, "a secret in a URI query"},
	{"soft hyphen, percent-encoded", "https://app.example.nhs.uk/cb?client%C2%ADsecret=" + secretValue, "a secret in a URI query"},
	{"Cyrillic letters", "https://app.example.nhs.uk/cb?client_\u0455e\u0441ret=" + secretValue, "a secret in a URI query"},
}

func TestSecretInCatchesEverySpelling(t *testing.T) {
	for _, tt := range secretSpellings {
		t.Run(tt.name, func(t *testing.T) {
			got := SecretIn(tt.value)
			if got != tt.what {
				t.Fatalf("SecretIn(%q) = %q, want %q", tt.value, got, tt.what)
			}
			if strings.Contains(got, secretValue) {
				t.Fatalf("the description echoes the secret: %q", got)
			}
		})
	}
}

// TestSecretInLeavesPublicValuesAlone: what a real configuration holds is never taken for a
// secret, so the rule can refuse without an override.
func TestSecretInLeavesPublicValuesAlone(t *testing.T) {
	for _, v := range []string{
		"https://app.example.nhs.uk/auth/cis2/callback",
		"https://app.example.nhs.uk/cb?state=abc&tenant=north",
		"https://app.example.nhs.uk/cb?response_type=code&monkey=1&config=a",
		"https://app.example.nhs.uk/cb?tokenizer=1&token_endpoint=x",
		"https://app.example.nhs.uk/cb#section-2",
		"https://app.example.nhs.uk:8443/cb",
		"client_secret_basic", "private_key_jwt", "RS512",
		"Acme Health Ltd", "golive@acme.nhs.uk",
		"Resets the password for staff; see the secret-free runbook",
		"123456789012.apps.supplier",
		"eyJ-not-a-token",
		`{"key": "(the private key file)", "kid": "abc", "keys": 1}`, "key=value pairs",
		"https://app.example.nhs.uk/100%25-sure",
		// Ordinary URIs whose words only look like a credential's.
		"https://app.example.nhs.uk/cb?token_type=bearer&id_token_hint=x&response_type=id_token",
		"https://app.example.nhs.uk/password-reset?next=/home",
		"https://app.example.nhs.uk/account/password/reset#password",
		"https://app.example.nhs.uk/cb?return=https%3A%2F%2Fapp%2Fsettings%2Fpassword",
		"https://apikey.example.nhs.uk/cb", "https://secret-garden.example.nhs.uk/cb",
		"https://app.example.nhs.uk/cb/aGVsbG8gd29ybGQ=", "https://app.example.nhs.uk/cb/eyJhbGciOiJub25lIn0",
		"https://app.example.nhs.uk/cb?state=" + base64.RawURLEncoding.EncodeToString([]byte(`{"returnTo":"/home","nonce":"n-0S6"}`)),
		"https://app.example.nhs.uk/cb?country_code=GB&key_id=2&keyword=x&passwordless=1&mode=password",
		"https://app.example.nhs.uk/@team/cb?email=a@b.nhs.uk",
		`{"client_secret_expires_at": 0, "max_tokens": 5, "password": null}`,
		"Ｎｏｒｔｈ Health \u00adLtd", "Café Health",
	} {
		if got := SecretIn(v); got != "" {
			t.Errorf("SecretIn(%q) = %q, want none", v, got)
		}
	}
}

// TestLoadRefusesEverySecretSpelling: the loader refuses each spelling in a URI, naming the
// field and its line and never echoing the value, in YAML, JSON and a Connection Manager
// export; a key spelled like a credential is refused as one.
func TestLoadRefusesEverySecretSpelling(t *testing.T) {
	for _, tt := range secretSpellings {
		t.Run(tt.name, func(t *testing.T) {
			for _, file := range []struct{ name, data string }{
				{"prod.yaml", fmt.Sprintf("environment: production\nredirect_uris:\n  - https://app.example.nhs.uk/cb\n  - %q\n", tt.value)},
				{"prod.json", fmt.Sprintf("{\n  \"environment\": \"production\",\n  \"description\": %q\n}\n", tt.value)},
				{"cm.json", fmt.Sprintf(`{"client_name":"x","redirect_uris":[%q]}`, tt.value)},
			} {
				_, _, err := Parse(file.name, []byte(file.data))
				var le *LoadError
				if !errors.As(err, &le) {
					t.Fatalf("%s: want a refusal, got %v", file.name, err)
				}
				if !strings.Contains(le.Msg, "holds what looks like "+tt.what) || le.Line == 0 && file.name != "cm.json" {
					t.Errorf("%s: got line %d %q", file.name, le.Line, le.Msg)
				}
				if strings.Contains(err.Error(), secretValue) || strings.Contains(le.Fix, secretValue) {
					t.Errorf("%s: the refusal echoes the secret: %v", file.name, err)
				}
			}
		})
	}
	for _, key := range []string{"client_secret", "clientSecret", "client-secret", "Client_Secret", "api_key", "apikey", "access_token", "password", "secret"} {
		_, _, err := Parse("prod.yaml", []byte("environment: production\n"+key+": "+secretValue+"\n"))
		var le *LoadError
		if !errors.As(err, &le) || !strings.Contains(le.Msg, "would hold a secret") || le.Line != 2 {
			t.Errorf("key %s: got %v", key, err)
		}
	}
}

// TestValidateNeverQuotesASecret: the offline rules (what the wizard validates each answer
// with) fail a field holding a secret, and no finding carries its value.
func TestValidateNeverQuotesASecret(t *testing.T) {
	for _, tt := range secretSpellings {
		c := &Config{Environment: Production, RedirectURIs: []string{tt.value}, Description: tt.value}
		fs := Validate(c)
		for _, field := range []string{"redirect_uris[0]", "description"} {
			if err := FirstFail(FieldFindingsAgainstINT(c, nil, field)); err == nil || !strings.Contains(err.Error(), tt.what) {
				t.Errorf("%s: %s: got %v, want a failure naming %s", tt.name, field, err, tt.what)
			}
		}
		for _, f := range append(fs, ValidateURI("backchannel_logout_uri", tt.value, LogoutURI, Production)...) {
			if strings.Contains(f.Value, secretValue) || strings.Contains(f.Message, secretValue) {
				t.Errorf("%s: finding %s quotes the secret: %+v", tt.name, f.Rule, f)
			}
		}
	}
}

// TestDraftScrubsEverySpelling: the draft writer drops each spelling from every field.
func TestDraftScrubsEverySpelling(t *testing.T) {
	for _, tt := range secretSpellings {
		p := filepath.Join(t.TempDir(), "draft.yaml")
		d := &Draft{Config: Config{Product: tt.value, RedirectURIs: []string{"https://app.example.nhs.uk/cb", tt.value},
			TokenEndpointAuthSigningAlg: tt.value, LoginURL: tt.value}}
		if err := SaveDraft(p, d); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), secretValue) || strings.Contains(string(b), "eyJ") || !strings.Contains(string(b), "https://app.example.nhs.uk/cb") {
			t.Errorf("%s: draft on disk:\n%s", tt.name, b)
		}
	}
}
