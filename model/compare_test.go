package model

import (
	"strings"
	"testing"
)

func intConfig() *Config {
	return &Config{
		Environment: Integration, Product: "Acme EPR", ClientID: "111111111111.apps.supplier",
		RedirectURIs: []string{
			"https://epr.acme-test-env.co.uk/auth/cis2/callback",
			"https://admin.acme-test-env.co.uk/auth/cis2/callback",
		},
		BackchannelLogoutURI:        "https://epr.acme-test-env.co.uk/auth/cis2/backchannel-logout",
		TokenEndpointAuthMethod:     PrivateKeyJWT,
		JWKSURI:                     "https://epr.acme-test-env.co.uk/.well-known/jwks.json",
		TokenEndpointAuthSigningAlg: "RS512",
	}
}

// prodConfig is intConfig moved to production hosts: every path kept.
func prodConfig() *Config {
	return &Config{
		Environment: Production, Product: "Acme EPR",
		RedirectURIs: []string{
			"https://admin.acme-health.co.uk/auth/cis2/callback",
			"https://epr.acme-health.co.uk/auth/cis2/callback",
		},
		BackchannelLogoutURI:        "https://epr.acme-health.co.uk/auth/cis2/backchannel-logout",
		TokenEndpointAuthMethod:     PrivateKeyJWT,
		JWKSURI:                     "https://epr.acme-health.co.uk/.well-known/jwks.json",
		TokenEndpointAuthSigningAlg: "RS512",
	}
}

func TestCompareINTProd(t *testing.T) {
	tests := []struct {
		name    string
		change  func(in, prod *Config)
		opts    CompareOptions
		field   string // the field of the one divergence, or "" for none
		rule    string
		message string
	}{
		{"pure host change", func(in, prod *Config) {}, CompareOptions{}, "", "", ""},
		{"different auth method", func(in, prod *Config) {
			prod.TokenEndpointAuthMethod, prod.JWKSURI, prod.TokenEndpointAuthSigningAlg = ClientSecretBasic, "", ""
		}, CompareOptions{}, "token_endpoint_auth_method", "auth-method", "security pattern differs"},
		{"different signing alg", func(in, prod *Config) { prod.TokenEndpointAuthSigningAlg = "RS256" },
			CompareOptions{}, "token_endpoint_auth_signing_alg", "signing-alg", "differs from INT"},
		{"userinfo signed in prod only", func(in, prod *Config) { prod.UserinfoSignedResponseAlg = "RS256" },
			CompareOptions{}, "userinfo_signed_response_alg", "userinfo-alg", "userinfo signing differs"},
		{"userinfo alg differs", func(in, prod *Config) {
			in.UserinfoSignedResponseAlg, prod.UserinfoSignedResponseAlg = "RS256", "RS512"
		},
			CompareOptions{}, "userinfo_signed_response_alg", "userinfo-alg", "userinfo signing differs"},
		{"redirect path in INT only", func(in, prod *Config) {
			in.RedirectURIs = append(in.RedirectURIs, "https://epr.acme-test-env.co.uk/sso/callback")
		},
			CompareOptions{}, "redirect_uris[2]", "redirect-int-only", "/sso/callback"},
		{"redirect path in prod only", func(in, prod *Config) {
			prod.RedirectURIs = append(prod.RedirectURIs, "https://admin.acme-health.co.uk/auth/cis2/callback2")
		},
			CompareOptions{}, "redirect_uris[2]", "redirect-prod-only", "never tested"},
		{"redirect moves to http", func(in, prod *Config) {
			prod.RedirectURIs[1] = "http://epr.acme-health.co.uk/auth/cis2/callback"
		}, CompareOptions{}, "redirect_uris[0→1]", "uri-scheme", "scheme differs from INT (https in INT, http in production)"},
		{"redirect gains a port", func(in, prod *Config) {
			prod.RedirectURIs[1] = "https://epr.acme-health.co.uk:8443/auth/cis2/callback"
		}, CompareOptions{}, "redirect_uris[0→1]", "uri-port", "port differs from INT (443 in INT, 8443 in production)"},
		{"jwks moves to http", func(in, prod *Config) { prod.JWKSURI = "http://epr.acme-health.co.uk/.well-known/jwks.json" },
			CompareOptions{}, "jwks_uri", "uri-scheme", "only the host may change"},
		{"logout changes port and path", func(in, prod *Config) {
			prod.BackchannelLogoutURI = "https://epr.acme-health.co.uk:444/logout"
		}, CompareOptions{}, "backchannel_logout_uri", "uri-port", "the path differs"},
		{"second prod host on http", func(in, prod *Config) {
			in.RedirectURIs = in.RedirectURIs[:1]
			prod.RedirectURIs[0] = "http://admin.acme-health.co.uk/auth/cis2/callback"
		}, CompareOptions{}, "redirect_uris[0]", "uri-scheme", "scheme differs"},
		{"logout path differs", func(in, prod *Config) { prod.BackchannelLogoutURI = "https://epr.acme-health.co.uk/logout" },
			CompareOptions{}, "backchannel_logout_uri", "logout-path", "path differs"},
		{"logout missing in prod", func(in, prod *Config) { prod.BackchannelLogoutURI = "" },
			CompareOptions{}, "backchannel_logout_uri", "logout-path", "missing in production"},
		{"jwks path differs", func(in, prod *Config) { prod.JWKSURI = "https://epr.acme-health.co.uk/jwks" },
			CompareOptions{}, "jwks_uri", "jwks-path", "path differs"},
		{"prod logout on a UAT host", func(in, prod *Config) {
			prod.BackchannelLogoutURI = "https://rp.uat.acme-health.co.uk/auth/cis2/backchannel-logout"
		}, CompareOptions{}, "backchannel_logout_uri", "non-production-host", "uat."},
		{"prod jwks still on the INT host", func(in, prod *Config) {
			in.JWKSURI = "https://rp.nhsint.acme-health.co.uk/jwks"
			prod.JWKSURI = in.JWKSURI
		}, CompareOptions{}, "jwks_uri", "non-production-host", "nhsint"},
		{"prod redirect on a test host, same as INT", func(in, prod *Config) {
			in.RedirectURIs = []string{"https://epr.acme.test/auth/cis2/callback"}
			prod.RedirectURIs = []string{"https://epr.acme.test/auth/cis2/callback"}
		}, CompareOptions{}, "redirect_uris[0]", "non-production-host", "acme.test"},
		{"prod logout identical to INT", func(in, prod *Config) { prod.BackchannelLogoutURI = in.BackchannelLogoutURI },
			CompareOptions{}, "backchannel_logout_uri", "non-production-host", "the host of your INT configuration's"},
		{"prod jwks on ngrok", func(in, prod *Config) { prod.JWKSURI = "https://abc.ngrok.io/.well-known/jwks.json" },
			CompareOptions{}, "jwks_uri", "non-production-host", "ngrok"},
		{"prod file not production", func(in, prod *Config) { prod.Environment = Integration },
			CompareOptions{}, "environment", "environment", "not for environment production"},
		{"INT client id reused", func(in, prod *Config) { prod.ClientID = in.ClientID },
			CompareOptions{}, "client_id", "client-id", "INT client id"},
		{"CM export cannot show userinfo signing", func(in, prod *Config) { prod.UserinfoSignedResponseAlg = "RS256" },
			CompareOptions{INTFromConnectionManager: true}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, prod := intConfig(), prodConfig()
			tt.change(in, prod)
			cs := CompareINTProd(in, prod, tt.opts)
			var div []Comparison
			for _, c := range cs {
				if c.Status == Diverges {
					div = append(div, c)
				}
			}
			if tt.field == "" {
				if len(div) != 0 || Diverged(cs) {
					t.Fatalf("want no divergence, got %+v", div)
				}
				return
			}
			if len(div) != 1 || div[0].Field != tt.field || div[0].Rule != tt.rule || !strings.Contains(div[0].Message, tt.message) || div[0].Fix == "" {
				t.Fatalf("want one divergence %s/%s containing %q with a fix, got %+v", tt.field, tt.rule, tt.message, div)
			}
			if !Diverged(cs) {
				t.Error("Diverged = false")
			}
		})
	}
}

func TestCompareHostChangeIsExpected(t *testing.T) {
	cs := CompareINTProd(intConfig(), prodConfig(), CompareOptions{})
	got := map[string]CompareStatus{}
	for _, c := range cs {
		got[c.Field] = c.Status
	}
	// The second INT URI (admin) pairs with the first prod URI (admin), by host label.
	want := map[string]CompareStatus{
		"redirect_uris[0→1]": Expected, "redirect_uris[1→0]": Expected, "backchannel_logout_uri": Expected,
		"jwks_uri": Expected, "token_endpoint_auth_method": Same, "token_endpoint_auth_signing_alg": Same, "client_id": "",
	}
	for f, s := range want {
		if got[f] != s {
			t.Errorf("%s: status %q, want %q (all: %+v)", f, got[f], s, cs)
		}
	}
}

func TestCompareExplicitDefaultPortIsSame(t *testing.T) {
	in, prod := intConfig(), prodConfig()
	prod.JWKSURI = "https://epr.acme-health.co.uk:443/.well-known/jwks.json"
	for _, c := range CompareINTProd(in, prod, CompareOptions{}) {
		if c.Field == "jwks_uri" && c.Status != Expected {
			t.Fatalf("an explicit :443 is the https default: got %+v", c)
		}
	}
}

// INT tested /auth/cis2/callback on one host; production serves it on two. The path was
// tested, so the second host is expected, and the message must not claim INT lacks the path.
func TestCompareSecondProdHostForTestedPath(t *testing.T) {
	in, prod := intConfig(), prodConfig()
	in.RedirectURIs = in.RedirectURIs[:1]
	cs := CompareINTProd(in, prod, CompareOptions{})
	if Diverged(cs) {
		t.Fatalf("want no divergence, got %+v", cs)
	}
	var extra *Comparison
	for i := range cs {
		if cs[i].Field == "redirect_uris[0]" {
			extra = &cs[i]
		}
	}
	if extra == nil {
		t.Fatalf("no comparison for the unpaired production URI: %+v", cs)
	}
	want := "a second production host for a path INT tested on one host (/auth/cis2/callback)"
	if extra.Status != Expected || extra.Message != want || extra.INT != in.RedirectURIs[0] {
		t.Errorf("got %+v, want expected %q against INT %s", *extra, want, in.RedirectURIs[0])
	}
	if strings.Contains(extra.Message, "no INT redirect URI") {
		t.Errorf("false reason: %s", extra.Message)
	}
}

// Load says whether it read a Connection Manager export, so compare need not read the file again.
func TestParseSaysWhenItReadAConnectionManagerExport(t *testing.T) {
	for data, want := range map[string]bool{
		`{"client_config": {"redirect_uris": []}, "hash": "x"}`: true,
		`{"redirect_uris": [], "client_name": "a"}`:             true,
		`{"redirect_uris": [], "environment": "integration"}`:   false,
		"environment: integration\n":                            false,
	} {
		c, _, err := Parse("f", []byte(data))
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if c.FromConnectionManager != want {
			t.Errorf("%s: FromConnectionManager = %v, want %v", data, c.FromConnectionManager, want)
		}
	}
}
