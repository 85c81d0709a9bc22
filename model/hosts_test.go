package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestNonProductionHost(t *testing.T) {
	in := &Config{Environment: Integration, JWKSURI: "https://keys.acme-health.co.uk/int/jwks.json",
		RedirectURIs: []string{"https://epr.acme-int.co.uk/cb"}}
	tests := []struct {
		uri  string
		in   *Config
		want Severity
		msg  string
	}{
		{"https://epr.acme-health.co.uk/cb", nil, Pass, ""},
		{"https://epr.acme.dev/cb", nil, Pass, ""},            // .dev is a TLD, not an environment
		{"https://equat.acme-health.co.uk/cb", nil, Pass, ""}, // "uat" inside a word
		{"https://epr.acme-int.co.uk/cb", nil, Warn, "named like a non-production host (acme-int)"},
		{"https://int.acme-health.co.uk/cb", nil, Warn, "(int)"},
		{"https://epr.uat.acme-health.co.uk/cb", nil, Warn, "(uat)"},
		{"https://staging.acme-health.co.uk/cb", nil, Warn, "(staging)"},
		// A hyphenated part of a label, numbered or not, names the environment as well.
		{"https://int-epr.acme-health.co.uk/cb", nil, Warn, "(int-epr)"},
		{"https://epr-uat2.acme-health.co.uk/cb", nil, Warn, "(epr-uat2)"},
		{"https://epr-int-1.acme-health.co.uk/cb", nil, Warn, "(epr-int-1)"},
		{"https://staging3.acme-health.co.uk/cb", nil, Warn, "(staging3)"},
		{"https://epr.test2.acme-health.co.uk/cb", nil, Warn, "(test2)"},
		{"https://epr-integrated.acme-health.co.uk/cb", nil, Pass, ""}, // a word, not a part
		{"https://v2.acme-health.co.uk/cb", nil, Pass, ""},
		{"https://am.nhsint.auth-ptl.cis2.spineservices.nhs.uk/x", nil, Warn, "CIS2 non-production domain (nhsint)"},
		{"https://am.nhsdep.auth-ptl.cis2.spineservices.nhs.uk/x", nil, Warn, "nhsdep"},
		// With INT loaded, a host INT uses fails, named or not.
		{"https://epr.acme-int.co.uk/other", in, Fail, "the host of your INT configuration's redirect_uris[0]"},
		{"https://KEYS.acme-health.co.uk/jwks.json", in, Fail, "INT configuration's jwks_uri"},
		{"https://epr.acme-health.co.uk/cb", in, Pass, ""},
		// A DNS name is the same host with a trailing dot, and in its punycode form.
		{"https://epr.acme-int.co.uk./cb", in, Fail, "INT configuration's redirect_uris[0]"},
		{"https://keys.acme-health.co.uk.:443/jwks.json", in, Fail, "INT configuration's jwks_uri"},
		{"https://xn--bcher-kva.acme-health.co.uk/cb", &Config{RedirectURIs: []string{"https://bücher.acme-health.co.uk/cb"}}, Fail, "INT configuration's redirect_uris[0]"},
		{"https://Bücher.acme-health.co.uk/cb", &Config{RedirectURIs: []string{"https://xn--bcher-kva.acme-health.co.uk/cb"}}, Fail, "INT configuration's redirect_uris[0]"},
		// An internationalised label is judged as it reads, not by its punycode.
		{"https://xn--bcher-int-q9a.acme-health.co.uk/cb", nil, Warn, "(bücher-int)"},
	}
	for _, tt := range tests {
		sev, why := NonProductionHost("jwks_uri", tt.uri, tt.in)
		if sev != tt.want || !strings.Contains(why, tt.msg) || (tt.msg == "") != (why == "") {
			t.Errorf("NonProductionHost(%s) = %s %q, want %s %q", tt.uri, sev, why, tt.want, tt.msg)
		}
	}
}

// TestValidateAgainstINT: the INT-named JWKS host warns from Validate alone and fails, once,
// when the INT configuration uses that host.
func TestValidateAgainstINT(t *testing.T) {
	prod := validProd()
	prod.JWKSURI = "https://epr.acme-int.co.uk/.well-known/jwks.json"
	in := &Config{Environment: Integration, JWKSURI: "https://epr.acme-int.co.uk/.well-known/jwks.json"}
	find := func(fs []Finding) []Finding {
		var out []Finding
		for _, f := range fs {
			if f.Rule == RuleNonProduction {
				out = append(out, f)
			}
		}
		return out
	}
	if got := find(Validate(prod)); len(got) != 1 || got[0].Severity != Warn || got[0].Field != "jwks_uri" {
		t.Fatalf("Validate: want one warning on jwks_uri, got %+v", got)
	}
	got := find(ValidateAgainstINT(prod, in))
	if len(got) != 1 || got[0].Severity != Fail || got[0].Field != "jwks_uri" || got[0].Value != prod.JWKSURI || got[0].Fix == "" {
		t.Fatalf("ValidateAgainstINT: want one failure on jwks_uri, got %+v", got)
	}
	// A production-looking host INT also uses fails too: no naming needed.
	prod = validProd()
	in = &Config{Environment: Integration, BackchannelLogoutURI: prod.BackchannelLogoutURI}
	if got := find(ValidateAgainstINT(prod, in)); len(got) != 3 || !slices.ContainsFunc(got, func(f Finding) bool {
		return f.Field == "backchannel_logout_uri" && f.Severity == Fail
	}) {
		// epr.acme-health.co.uk carries redirect_uris[0], the logout URI and the JWKS URI.
		t.Errorf("want the three URIs on INT's logout host to fail, got %+v", got)
	}
	if fs := ValidateAgainstINT(validProd(), nil); len(fs) != 0 {
		t.Errorf("no INT: want Validate's findings (none), got %+v", fs)
	}
}

func TestWithdrawnByNHS(t *testing.T) {
	w, ok := WithdrawnByNHS("response_mode", "form_post")
	if !ok || w.Release != "11.01" || w.Date != "2025-12-08" || !strings.Contains(w.Note, "form_post") {
		t.Errorf("form_post: %+v %v", w, ok)
	}
	if CIS2.WithdrawnResponseModes["form_post"] != w.Note {
		t.Errorf("WithdrawnResponseModes is not filled from Withdrawn: %v", CIS2.WithdrawnResponseModes)
	}
	if _, ok := WithdrawnByNHS("response_mode", "query"); ok {
		t.Error("query is not withdrawn")
	}
}

func TestUserinfoAlgsOfferRS256First(t *testing.T) {
	if got := CIS2.UserinfoSigningAlgs; !slices.Equal(got, []string{"RS256", "ES256", "ES384", "ES512"}) {
		t.Errorf("UserinfoSigningAlgs = %v", got)
	}
	c := validProd()
	c.UserinfoSignedResponseAlg = "RS512"
	fs := Validate(c)
	if len(fs) != 1 || fs[0].Severity != Warn || !strings.Contains(fs[0].Message, "RS256, ES256, ES384, ES512") {
		t.Errorf("RS512: want one warning naming the list, got %+v", fs)
	}
}

// TestUserinfoAlgMessages: an algorithm CIS2 does not list, and a symmetric one it lists, each
// warn saying which it is, naming the ones to use.
func TestUserinfoAlgMessages(t *testing.T) {
	for alg, want := range map[string]string{
		"RS512": "CIS2 does not advertise RS512 for signed userinfo",
		"HS256": "CIS2 advertises HS256 for signed userinfo, but it is keyed with the client secret",
	} {
		c := validProd()
		c.UserinfoSignedResponseAlg = alg
		fs := FieldFindingsAgainstINT(c, nil, "userinfo_signed_response_alg")
		if len(fs) != 1 || fs[0].Severity != Warn || !strings.Contains(fs[0].Message, want) || !strings.Contains(fs[0].Message, "RS256, ES256, ES384, ES512") {
			t.Errorf("%s: %+v, want one warning with %q", alg, fs, want)
		}
	}
}

// TestURIAndFieldFindingsAgainstINT: a form checks one answer with the verdict
// ValidateAgainstINT gives the whole configuration: a URI on a host INT uses fails (it
// replaces the naming warning), for the URI typed on its own and for a field of the config.
func TestURIAndFieldFindingsAgainstINT(t *testing.T) {
	in := &Config{Environment: Integration, RedirectURIs: []string{"https://epr-int.acme.co.uk/cb"}, JWKSURI: "https://keys.acme.co.uk/jwks.json"}
	rules := func(fs []Finding) (out []string) {
		for _, f := range fs {
			out = append(out, f.Rule+":"+string(f.Severity))
		}
		return out
	}
	for _, tc := range []struct {
		raw  string
		in   *Config
		want []string
	}{
		{"https://epr-int.acme.co.uk/logout", nil, []string{RuleNonProduction + ":warn"}},
		{"https://epr-int.acme.co.uk/logout", in, []string{RuleNonProduction + ":fail"}},
		{"https://keys.acme.co.uk/logout", in, []string{RuleNonProduction + ":fail"}}, // no naming needed
		{"https://epr.acme.co.uk/logout", in, nil},
		{"http://epr-int.acme.co.uk/logout", in, []string{"uri.scheme:fail", RuleNonProduction + ":fail"}},
	} {
		got := rules(ValidateURIAgainstINT("backchannel_logout_uri", tc.raw, LogoutURI, Production, tc.in))
		if !slices.Equal(got, tc.want) {
			t.Errorf("ValidateURIAgainstINT(%s, INT %v) = %v, want %v", tc.raw, tc.in != nil, got, tc.want)
		}
	}
	// In integration nothing is judged against INT.
	if got := rules(ValidateURIAgainstINT("jwks_uri", "https://keys.acme.co.uk/x", JWKSURI, Integration, in)); got != nil {
		t.Errorf("integration: %v", got)
	}
	prod := validProd()
	prod.RedirectURIs = append(prod.RedirectURIs, "https://epr-int.acme.co.uk/cb")
	got := FieldFindingsAgainstINT(prod, in, "redirect_uris")
	if len(got) != 1 || got[0].Field != fmt.Sprintf("redirect_uris[%d]", len(prod.RedirectURIs)-1) || got[0].Severity != Fail {
		t.Errorf("FieldFindingsAgainstINT: %+v", got)
	}
	if got := FieldFindingsAgainstINT(prod, nil, "redirect_uris"); len(got) != 1 || got[0].Severity != Warn {
		t.Errorf("FieldFindingsAgainstINT without INT: %+v", got)
	}
}
