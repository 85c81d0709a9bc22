package model

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadExample(t *testing.T) {
	c, notes, err := Load("../examples/production.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 || c.Environment != Production || len(c.RedirectURIs) != 2 || !c.UsesPrivateKeyJWT() {
		t.Fatalf("unexpected load: %+v %v", c, notes)
	}
	if fs := Validate(c); len(fs) != 0 {
		t.Fatalf("the shipped example must validate cleanly: %+v", fs)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantLine int
		wantMsg  string
		wantFix  string
	}{
		{"unknown key", "environment: production\nredirect_uri:\n  - https://a\n", 2, `unknown key "redirect_uri"`, `"redirect_uris"`},
		{"unknown key far from any", "environment: production\nzzzzzzzzzzzzzz: 1\n", 2, `unknown key "zzzzzzzzzzzzzz"`, "known keys:"},
		{"secret key", "environment: production\nclient_secret: hunter2\n", 2, "would hold a secret", "delete that line"},
		{"yaml tab indent", "environment: production\nredirect_uris:\n\t- https://a.b/c\n", 3, "invalid YAML", "replace the tabs"},
		{"yaml duplicate key", "environment: production\nenvironment: integration\n", 2, "already defined at line 1", "keep one"},
		{"yaml unclosed list", "environment: production\nredirect_uris: [https://a.b/c\n", 2, "invalid YAML", "close the ["},
		// yaml.v3 reports these a line early: the line is where the file goes wrong.
		{"yaml unclosed list before more keys", "environment: production\nredirect_uris: [https://a.b/c\nbackchannel_logout_uri: https://a.b/l\n", 2, "invalid YAML", "close the ["},
		{"yaml list item among keys", "environment: production\nproduct: x\n- https://a.b/c\n", 3, "invalid YAML", "indentation"},
		{"yaml key inside a list", "environment: production\nredirect_uris:\n  - https://a.b/c\n  bad: [\n", 4, "invalid YAML", "indentation"},
		// A tab elsewhere in the file is not the cause of this error.
		{"yaml error beside a tab", "description: \"a\tb\"\nproduct: : x\n", 2, "invalid YAML", "quote values"},
		{"binary", "\x7fELF\x02\x01\x01\x00\x00\n\tgarbage\xff\xfe", 0, "not a text file", "pass the configuration file"},
		{"yaml syntax", "environment: production\nredirect_uris: [\n  - https://a\n", 2, "invalid YAML", "indentation"},
		{"wrong type", "redirect_uris: https://a\n", 1, "invalid YAML", "is a list"},
		{"not a mapping", "- a\n- b\n", 1, "expected a mapping", "examples/production.yaml"},
		{"empty", "  \n", 0, "empty", "examples"},
		{"json unknown key", "{\n  \"environment\": \"production\",\n  \"redirect\": []\n}\n", 3, `unknown key "redirect"`, `"redirect_uris"`},
		{"json syntax", "{\n  \"environment\": \"production\",\n}\n", 3, "invalid JSON", "commas"},
		{"json wrong type", "{\n  \"redirect_uris\": \"https://a\"\n}\n", 2, "must be a", "list of strings"},
		{"json duplicate key", "{\n  \"environment\": \"production\",\n  \"environment\": \"integration\"\n}\n", 2, `key "environment" appears twice`, "keep one"},
		{"pem key in a value", "environment: production\ndescription: |\n  -----BEGIN PRIVATE KEY-----\n  MIIE\n", 2, "description holds what looks like a PEM private key", "check --key"},
		{"secret in a uri query", "redirect_uris:\n  - https://a.b/cb\n  - https://a.b/cb?client_secret=hunter2\n", 3, "redirect_uris[1] holds what looks like a secret in a URI query", "secret store"},
		{"password in a uri", "backchannel_logout_uri: https://bob:hunter2@a.b/bcl\n", 1, "backchannel_logout_uri holds what looks like a password", "secret store"},
		{"escape in a value", "organisation: \"Evil\\e]0;pwned\\a Ltd\"\n", 1, "organisation holds a control character", "retype"},
		{"bidi override in a uri", "jwks_uri: \"https://a.b/\u202ejwks\"\n", 1, "jwks_uri holds a control character or a bidirectional-text override", "retype"},
		{"secret in a connection manager export", `{"client_name":"x","redirect_uris":["https://u:hunter2@a.b/cb"]}`, 1, "redirect_uris[0] holds what looks like a password", "secret store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse("cfg", []byte(tt.data))
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("want *LoadError, got %v", err)
			}
			if le.Line != tt.wantLine || !strings.Contains(le.Msg, tt.wantMsg) || !strings.Contains(le.Fix, tt.wantFix) {
				t.Fatalf("got line %d msg %q fix %q", le.Line, le.Msg, le.Fix)
			}
			if !strings.HasPrefix(le.Error(), "cfg") {
				t.Errorf("error must start with the file name: %q", le.Error())
			}
			if strings.Contains(le.Error(), "hunter2") || strings.Contains(le.Error(), "MIIE") || strings.Contains(le.Error(), "pwned") {
				t.Errorf("the error echoes the value: %q", le.Error())
			}
		})
	}
}

func TestLoadConnectionManagerExport(t *testing.T) {
	c, notes, err := Load("testdata/cm-export.json")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Environment:                 Integration,
		Product:                     "Acme EPR (INT)",
		Description:                 "Acme EPR integration client",
		RedirectURIs:                []string{"https://epr.int.acme-health.co.uk/auth/cis2/callback"},
		BackchannelLogoutURI:        "https://epr.int.acme-health.co.uk/auth/cis2/backchannel-logout",
		TokenEndpointAuthMethod:     PrivateKeyJWT,
		JWKSURI:                     "https://epr.int.acme-health.co.uk/.well-known/jwks.json",
		TokenEndpointAuthSigningAlg: "RS512",
		FromConnectionManager:       true,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	if len(notes) != 1 || notes[0].Field != "grant_types" || notes[0].Severity != Warn {
		t.Fatalf("want one note for the ignored key, got %+v", notes)
	}
}

func TestConnectionManagerDefaultsToClientSecretBasic(t *testing.T) {
	c, _, err := Parse("cm.json", []byte(`{"client_name":"x","redirect_uris":["https://a.b/c"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.TokenEndpointAuthMethod != ClientSecretBasic {
		t.Fatalf("got %q", c.TokenEndpointAuthMethod)
	}
}

func TestConnectionManagerSecretRefused(t *testing.T) {
	_, _, err := Parse("cm.json", []byte(`{"client_name":"x","client_secret":"s3cr3t"}`))
	if err == nil || !strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("want a refusal that does not echo the secret, got %v", err)
	}
}

func TestSaveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	orig := validProd()
	for _, name := range []string{"c.yaml", "c.json"} {
		p := filepath.Join(dir, name)
		if err := Save(p, orig); err != nil {
			t.Fatal(err)
		}
		got, _, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, orig) {
			t.Fatalf("%s: round trip changed the config:\n%+v\n%+v", name, got, orig)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("atomic save must leave no temp files: %v", entries)
	}
}

func TestLoadRefusesHugeFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(p, make([]byte, maxConfigSize+10), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(p); err == nil || !strings.Contains(err.Error(), "1 MiB") {
		t.Fatalf("want size refusal, got %v", err)
	}
}

func TestNearest(t *testing.T) {
	for in, want := range map[string]string{"redirect_uri": "redirect_uris", "jwks_url": "jwks_uri", "Environment": "environment", "qqqqqqqq": ""} {
		if got := Nearest(in, Fields); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDraftNeverHoldsASecret: drafts are saved as the user types, before validation, so a
// pasted secret is scrubbed on the way to disk while the screen keeps what was typed.
func TestDraftNeverHoldsASecret(t *testing.T) {
	p := filepath.Join(t.TempDir(), "draft.yaml")
	d := &Draft{Config: Config{Organisation: "Acme", RedirectURIs: []string{"https://a.b/cb", "https://u:hunter2@a.b/cb"},
		Description: "-----BEGIN RSA PRIVATE KEY-----"}}
	if err := SaveDraft(p, d); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if strings.Contains(string(b), "hunter2") || strings.Contains(string(b), "PRIVATE KEY") || !strings.Contains(string(b), "https://a.b/cb") {
		t.Fatalf("draft on disk:\n%s", b)
	}
	if d.Config.RedirectURIs[1] != "https://u:hunter2@a.b/cb" {
		t.Error("scrubbing must not change the caller's config")
	}
	if err := Save(filepath.Join(t.TempDir(), "c.yaml"), &d.Config); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Save must refuse a secret without echoing it: %v", err)
	}
}
