package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// validProd is a configuration every rule passes; each case below changes one thing.
func validProd() *Config {
	return &Config{
		Environment:                 Production,
		Organisation:                "Acme Health Ltd",
		ContactEmail:                "it@acme-health.co.uk",
		ClientID:                    "123456789012.apps.supplier",
		RedirectURIs:                []string{"https://epr.acme-health.co.uk/cb", "https://admin.acme-health.co.uk/cb"},
		BackchannelLogoutURI:        "https://epr.acme-health.co.uk/bcl",
		TokenEndpointAuthMethod:     PrivateKeyJWT,
		JWKSURI:                     "https://epr.acme-health.co.uk/jwks.json",
		TokenEndpointAuthSigningAlg: "RS512",
		UserinfoSignedResponseAlg:   "RS256",
	}
}

func TestValidProductionConfigHasNoFindings(t *testing.T) {
	if fs := Validate(validProd()); len(fs) != 0 {
		t.Fatalf("want no findings, got %+v", fs)
	}
}

// TestRules covers every rule with a failing value; the passing value of each rule is the
// corresponding field of validProd, asserted above and again per case via wantNone.
func TestRules(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		rule   string
		field  string
		sev    Severity
	}{
		{"environment unset", func(c *Config) { c.Environment = "" }, "environment", "environment", Warn},
		{"environment unknown", func(c *Config) { c.Environment = "prod" }, "environment", "environment", Fail},
		{"contact email", func(c *Config) { c.ContactEmail = "Ops <ops@x.uk>" }, "contact_email", "contact_email", Warn},
		{"client id format", func(c *Config) { c.ClientID = "my-client" }, "client_id", "client_id", Warn},
		{"no redirect uris", func(c *Config) { c.RedirectURIs = nil }, "redirect_uris.required", "redirect_uris", Fail},
		{"http in production", func(c *Config) { c.RedirectURIs[0] = "http://epr.acme-health.co.uk/cb" }, "uri.scheme", "redirect_uris[0]", Fail},
		{"custom scheme in production", func(c *Config) { c.RedirectURIs[0] = "com.acme.epr:/cb" }, "uri.absolute", "redirect_uris[0]", Fail},
		{"fragment", func(c *Config) { c.RedirectURIs[1] = "https://admin.acme-health.co.uk/cb#x" }, "uri.fragment", "redirect_uris[1]", Fail},
		{"userinfo", func(c *Config) { c.RedirectURIs[0] = "https://bob@epr.acme-health.co.uk/cb" }, "uri.userinfo", "redirect_uris[0]", Fail},
		{"wildcard", func(c *Config) { c.RedirectURIs[0] = "https://*.acme-health.co.uk/cb" }, "uri.wildcard", "redirect_uris[0]", Fail},
		{"two uris glued by a paste", func(c *Config) {
			c.RedirectURIs[0] = "https://epr.acme-health.co.uk/callbackhttps://admin.acme-health.co.uk/callback"
		}, "uri.glued", "redirect_uris[0]", Fail},
		{"whitespace", func(c *Config) { c.RedirectURIs[0] = " https://epr.acme-health.co.uk/cb" }, "uri.whitespace", "redirect_uris[0]", Fail},
		{"empty uri", func(c *Config) { c.RedirectURIs[0] = "" }, "uri.empty", "redirect_uris[0]", Fail},
		{"space inside", func(c *Config) { c.RedirectURIs[0] = "https://epr.acme-health.co.uk/a b" }, "uri.space", "redirect_uris[0]", Fail},
		{"two uris on one line", func(c *Config) {
			c.RedirectURIs[0] = "https://epr.acme-health.co.uk/cb https://admin.acme-health.co.uk/cb"
		}, "uri.space", "redirect_uris[0]", Fail},
		{"bad percent-encoding", func(c *Config) { c.RedirectURIs[0] = "https://epr.acme-health.co.uk/%zz" }, "uri.parse", "redirect_uris[0]", Fail},
		{"upper-case scheme", func(c *Config) { c.RedirectURIs[0] = "HTTPS://epr.acme-health.co.uk/cb" }, "uri.case", "redirect_uris[0]", Warn},
		{"port out of range", func(c *Config) { c.RedirectURIs[0] = "https://epr.acme-health.co.uk:99999/cb" }, "uri.port", "redirect_uris[0]", Fail},
		{"empty dns label", func(c *Config) { c.RedirectURIs[0] = "https://epr..acme-health.co.uk/cb" }, "uri.host.invalid", "redirect_uris[0]", Fail},
		{"label with edge hyphen", func(c *Config) { c.JWKSURI = "https://-bad-.acme-health.co.uk/jwks" }, "uri.host.invalid", "jwks_uri", Fail},
		{"relative uri", func(c *Config) { c.RedirectURIs[0] = "/cb" }, "uri.absolute", "redirect_uris[0]", Fail},
		{"mixed-case host", func(c *Config) { c.RedirectURIs[0] = "https://EPR.acme-health.co.uk/cb" }, "uri.case", "redirect_uris[0]", Warn},
		{"idn host", func(c *Config) { c.RedirectURIs[0] = "https://bücher.acme-health.co.uk/cb" }, "uri.idn", "redirect_uris[0]", Warn},
		{"localhost", func(c *Config) { c.RedirectURIs[0] = "https://localhost/cb" }, "uri.host.local", "redirect_uris[0]", Fail},
		{"loopback ip", func(c *Config) { c.RedirectURIs[0] = "https://127.0.0.1/cb" }, "uri.host.local", "redirect_uris[0]", Fail},
		{"private ip", func(c *Config) { c.RedirectURIs[0] = "https://10.1.2.3/cb" }, "uri.host.local", "redirect_uris[0]", Fail},
		{"carrier-grade NAT ip", func(c *Config) { c.RedirectURIs[0] = "https://100.64.1.2/cb" }, "uri.host.local", "redirect_uris[0]", Fail},
		{"ngrok", func(c *Config) { c.RedirectURIs[0] = "https://abc123.ngrok-free.app/cb" }, "uri.host.test", "redirect_uris[0]", Fail},
		{".local host", func(c *Config) { c.RedirectURIs[0] = "https://epr.local/cb" }, "uri.host.test", "redirect_uris[0]", Fail},
		{".test host", func(c *Config) { c.RedirectURIs[0] = "https://epr.test/cb" }, "uri.host.test", "redirect_uris[0]", Fail},
		{".example host", func(c *Config) { c.BackchannelLogoutURI = "https://rp.example/logout" }, "uri.host.test", "backchannel_logout_uri", Fail},
		{".example host, upper case", func(c *Config) { c.JWKSURI = "https://RP.EXAMPLE/jwks.json" }, "uri.host.test", "jwks_uri", Fail},
		{"example host", func(c *Config) { c.RedirectURIs[0] = "https://app.example.com/cb" }, "uri.host.example", "redirect_uris[0]", Warn},
		// A fully qualified name's final dot (RFC 1034 §3.1) names the same host.
		{".test host, fully qualified", func(c *Config) { c.RedirectURIs[0] = "https://epr.test./cb" }, "uri.host.test", "redirect_uris[0]", Fail},
		{".example host, fully qualified", func(c *Config) { c.JWKSURI = "https://rp.acme.example./jwks.json" }, "uri.host.test", "jwks_uri", Fail},
		{"localhost, fully qualified", func(c *Config) { c.BackchannelLogoutURI = "https://localhost./logout" }, "uri.host.local", "backchannel_logout_uri", Fail},
		{"duplicate", func(c *Config) { c.RedirectURIs[1] = c.RedirectURIs[0] }, "uri.duplicate", "redirect_uris[1]", Fail},
		{"trailing-slash near duplicate", func(c *Config) { c.RedirectURIs[1] = c.RedirectURIs[0] + "/" }, "uri.near-duplicate", "redirect_uris[1]", Warn},
		{"missing logout uri", func(c *Config) { c.BackchannelLogoutURI = "" }, "backchannel_logout_uri.required", "backchannel_logout_uri", Fail},
		{"logout uri on public ip", func(c *Config) { c.BackchannelLogoutURI = "https://203.0.113.7/bcl" }, "uri.host.ip", "backchannel_logout_uri", Fail},
		{"jwks uri on public ip", func(c *Config) { c.JWKSURI = "https://203.0.113.7/jwks" }, "uri.host.ip", "jwks_uri", Fail},
		{"jwks uri http", func(c *Config) { c.JWKSURI = "http://epr.acme-health.co.uk/jwks.json" }, "uri.scheme", "jwks_uri", Fail},
		{"no auth method", func(c *Config) { c.TokenEndpointAuthMethod = "" }, "token_endpoint_auth_method", "token_endpoint_auth_method", Fail},
		{"unknown auth method", func(c *Config) { c.TokenEndpointAuthMethod = "tls_client_auth" }, "token_endpoint_auth_method", "token_endpoint_auth_method", Fail},
		{"legacy auth method", func(c *Config) {
			c.TokenEndpointAuthMethod, c.JWKSURI, c.TokenEndpointAuthSigningAlg = ClientSecretPost, "", ""
		}, "token_endpoint_auth_method", "token_endpoint_auth_method", Warn},
		{"pkj without jwks uri", func(c *Config) { c.JWKSURI = "" }, "jwks_uri.required", "jwks_uri", Fail},
		{"pkj without alg", func(c *Config) { c.TokenEndpointAuthSigningAlg = "" }, "token_endpoint_auth_signing_alg.required", "token_endpoint_auth_signing_alg", Fail},
		{"alg not offered", func(c *Config) { c.TokenEndpointAuthSigningAlg = "HS256" }, "token_endpoint_auth_signing_alg", "token_endpoint_auth_signing_alg", Fail},
		{"secret with jwks uri", func(c *Config) {
			c.TokenEndpointAuthMethod, c.TokenEndpointAuthSigningAlg = ClientSecretBasic, ""
		}, "jwks_uri.unexpected", "jwks_uri", Fail},
		{"secret with alg", func(c *Config) {
			c.TokenEndpointAuthMethod, c.JWKSURI = ClientSecretBasic, ""
		}, "token_endpoint_auth_signing_alg.unexpected", "token_endpoint_auth_signing_alg", Fail},
		{"userinfo alg", func(c *Config) { c.UserinfoSignedResponseAlg = "none" }, "userinfo_signed_response_alg", "userinfo_signed_response_alg", Fail},
		{"userinfo alg CIS2 does not advertise", func(c *Config) { c.UserinfoSignedResponseAlg = "RS512" }, "userinfo_signed_response_alg", "userinfo_signed_response_alg", Warn},
		{"jwks on an INT-named host", func(c *Config) { c.JWKSURI = "https://epr.acme-int.co.uk/jwks.json" }, RuleNonProduction, "jwks_uri", Warn},
		{"logout on a UAT host", func(c *Config) { c.BackchannelLogoutURI = "https://epr.uat.acme-health.co.uk/bcl" }, RuleNonProduction, "backchannel_logout_uri", Warn},
		{"redirect on CIS2's INT domain", func(c *Config) { c.RedirectURIs[0] = "https://rp.nhsint.auth-ptl.example-rp.uk/cb" }, RuleNonProduction, "redirect_uris[0]", Warn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validProd()
			tt.mutate(c)
			fs := Validate(c)
			i := slices.IndexFunc(fs, func(f Finding) bool { return f.Rule == tt.rule && f.Field == tt.field })
			if i < 0 {
				t.Fatalf("want rule %s on %s, got %+v", tt.rule, tt.field, fs)
			}
			f := fs[i]
			if f.Severity != tt.sev {
				t.Errorf("severity = %s, want %s", f.Severity, tt.sev)
			}
			if f.Message == "" || f.Fix == "" {
				t.Errorf("finding must say what is wrong and how to fix it: %+v", f)
			}
		})
	}
}

func TestIntegrationIsMoreLenient(t *testing.T) {
	c := validProd()
	c.Environment = Integration
	c.RedirectURIs = []string{"http://localhost:8080/cb", "https://localhost/cb"}
	c.BackchannelLogoutURI = ""
	for _, f := range Validate(c) {
		if f.Severity == Fail {
			t.Errorf("integration: unexpected failure %+v", f)
		}
	}
}

func TestValidateReportsEveryFinding(t *testing.T) {
	c := validProd()
	c.RedirectURIs = []string{"http://a.acme-health.co.uk/cb", "https://b.acme-health.co.uk/cb#f", "https://c.acme-health.co.uk/x", "https://c.acme-health.co.uk/x"}
	c.JWKSURI = ""
	var rules []string
	for _, f := range Validate(c) {
		rules = append(rules, f.Rule)
	}
	for _, want := range []string{"uri.scheme", "uri.fragment", "uri.duplicate", "jwks_uri.required"} {
		if !slices.Contains(rules, want) {
			t.Errorf("missing %s in %v", want, rules)
		}
	}
}

func TestIDNFixShowsPunycode(t *testing.T) {
	fs := ValidateURI("redirect_uris[0]", "https://bücher.acme-health.co.uk/cb", RedirectURI, Production)
	if len(fs) != 1 || !strings.Contains(fs[0].Fix, "xn--bcher-kva.acme-health.co.uk") {
		t.Fatalf("want punycode in the fix, got %+v", fs)
	}
}

func TestCIS2TableIsConsistent(t *testing.T) {
	for _, env := range []Environment{Integration, Production} {
		e := CIS2.Environments[env]
		if !strings.Contains(e.Issuer, ":443/") || !strings.HasPrefix(e.TokenEndpoint, e.Issuer) {
			t.Errorf("%s: issuer must keep the explicit :443 and prefix the token endpoint: %+v", env, e)
		}
	}
	if !PrivateKeyJWT.Offered() || !ClientSecretBasic.Offered() || !ClientSecretJWT.Legacy() || AuthMethod("none").Known() {
		t.Error("auth method table disagrees with the go-live page")
	}
}

// BenchmarkValidateManyRedirectURIs: duplicate detection is linear, so even an absurd list of
// 20 000 URIs validates quickly (it took 32 s of CPU when every pair was compared).
func BenchmarkValidateManyRedirectURIs(b *testing.B) {
	c := validProd()
	c.RedirectURIs = nil
	for i := range 20000 {
		c.RedirectURIs = append(c.RedirectURIs, fmt.Sprintf("https://epr%d.acme-health.co.uk/cb", i))
	}
	for b.Loop() {
		Validate(c)
	}
}

// TestSecretsAreFindingsWithoutTheValue: in the wizard a typed secret is a failure on its
// field that never repeats the value, and no other finding about the field does either.
func TestSecretsAreFindingsWithoutTheValue(t *testing.T) {
	c := validProd()
	c.BackchannelLogoutURI = "http://epr.acme-health.co.uk/bcl?client_secret=abc"
	c.RedirectURIs = append(c.RedirectURIs, "https://x.acme-health.co.uk/cb?token=s3cr3t", "https://x.acme-health.co.uk/cb?token=s3cr3t")
	c.ContactEmail = "-----BEGIN PRIVATE KEY-----"
	c.JWKSURI = "https://u:p4ss@epr.acme-int.co.uk/jwks"
	in := &Config{Environment: Integration, JWKSURI: "https://epr.acme-int.co.uk/jwks"}
	bad := map[string]bool{}
	for _, f := range ValidateAgainstINT(c, in) {
		if f.Rule != RuleSecret {
			if strings.Contains(f.Field, "redirect_uris[2]") || strings.Contains(f.Field, "redirect_uris[3]") || f.Field == "backchannel_logout_uri" || f.Field == "contact_email" || f.Field == "jwks_uri" {
				t.Errorf("another finding on a secret field: %+v", f)
			}
			continue
		}
		bad[f.Field] = true
		if f.Severity != Fail || f.Value != "" || !strings.Contains(f.Message, "leaves it out of the draft") || f.Fix == "" {
			t.Errorf("secret finding %+v", f)
		}
		for _, s := range []string{"abc", "s3cr3t", "p4ss", "BEGIN"} {
			if strings.Contains(f.Message+f.Fix, s) {
				t.Errorf("finding repeats the secret: %+v", f)
			}
		}
	}
	for _, want := range []string{"backchannel_logout_uri", "redirect_uris[2]", "redirect_uris[3]", "contact_email", "jwks_uri"} {
		if !bad[want] {
			t.Errorf("no secret finding on %s", want)
		}
	}
}

// TestWildcardHostSaysWildcard: a wildcard host is refused for being a wildcard, first, not
// with the generic "not a valid DNS name".
func TestWildcardHostSaysWildcard(t *testing.T) {
	fs := ValidateURI("redirect_uris[0]", "https://*.acme-health.co.uk/cb", RedirectURI, Production)
	if len(fs) != 1 || fs[0].Rule != "uri.wildcard" {
		t.Fatalf("want only uri.wildcard, got %+v", fs)
	}
}

// TestGluedURI: a second scheme in the path is two URIs; one in the query is a value.
func TestGluedURI(t *testing.T) {
	for raw, glued := range map[string]bool{
		"https://epr.acme-health.co.uk/callbackhttps://admin.acme-health.co.uk/cb": true,
		"https://epr.acme-health.co.uk/cbhttp://x.acme-health.co.uk/cb":            true,
		"https://epr.acme-health.co.uk/cb?next=https://epr.acme-health.co.uk/home": false,
		"https://epr.acme-health.co.uk/https-callback":                             false,
	} {
		fs := ValidateURI("redirect_uris[0]", raw, RedirectURI, Production)
		got := slices.ContainsFunc(fs, func(f Finding) bool { return f.Rule == "uri.glued" })
		if got != glued {
			t.Errorf("%s: glued %v, want %v (%+v)", raw, got, glued, fs)
		}
		if glued && !strings.Contains(fs[len(fs)-1].Message, "cbhttp") && !strings.Contains(fs[len(fs)-1].Message, "callbackhttps") {
			t.Errorf("%s: the message does not show where: %q", raw, fs[len(fs)-1].Message)
		}
	}
}
