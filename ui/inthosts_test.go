package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

// intExample is an INT configuration and the production one prefilled from it, unchanged:
// every URI still on one of INT's hosts.
func intExample() *model.Config {
	return &model.Config{
		Environment: model.Integration, Organisation: "Acme Health Ltd", Product: "Acme EPR",
		ContactEmail:         "ops@acme-health.co.uk",
		RedirectURIs:         []string{"https://epr.acme-int.co.uk/auth/cis2/callback", "https://admin.acme-int.co.uk/auth/cis2/callback"},
		BackchannelLogoutURI: "https://epr.acme-int.co.uk/logout", TokenEndpointAuthMethod: model.PrivateKeyJWT,
		JWKSURI: "https://epr.acme-int.co.uk/jwks.json", TokenEndpointAuthSigningAlg: "RS512",
	}
}

// TestINTHostMessageNamesTheRedirectURI: a finding about a host of INT's redirect URIs says
// "redirect URI 2", as the wizard numbers them, not "URI 2" (which URI?) nor redirect_uris[1].
func TestINTHostMessageNamesTheRedirectURI(t *testing.T) {
	h := newHarness(t, Options{INT: intExample()})
	h.send(gotoMsg{to: stateReview})
	selectRow(h, "Redirect URI 2")
	h.wantWrapped("the host of your INT configuration's redirect URI 2")
	if v := h.view(); strings.Contains(v, "configuration's URI") || strings.Contains(v, "redirect_uris[") {
		t.Fatalf("the INT URI is not named as the wizard numbers it:\n%s", v)
	}
	if got := userNumbering("duplicate of redirect_uris[0]"); got != "duplicate of redirect URI 1" {
		t.Errorf("userNumbering: %q", got)
	}
	if got := fieldLabel("redirect_uris[3]"); got != "Redirect URI 4" {
		t.Errorf("fieldLabel: %q", got)
	}
}

// TestReviewDoesNotCallTheSameValueDifferent: a production value identical to INT's, on INT's
// own host, is marked ✗ (its host is wrong) but not "≠ differs from INT": as a pair it is the
// same, and compare's only complaint is the host.
func TestReviewDoesNotCallTheSameValueDifferent(t *testing.T) {
	h := newHarness(t, Options{INT: intExample()})
	h.send(gotoMsg{to: stateReview})
	v := h.view()
	h.wantView("Back-channel logout ✗ https://epr.acme-int.", "✗ to fix")
	if strings.Contains(v, "≠") || strings.Contains(v, "differs from INT") || strings.Contains(v, "difference from INT") {
		t.Fatalf("an unchanged value is marked as differing from INT:\n%s", v)
	}
	// A host moved to another INT-named one is the host changed, still marked ! on production.
	h.r.c.cfg.BackchannelLogoutURI = "https://epr.acme-uat.co.uk/logout"
	h.send(gotoMsg{to: stateReview})
	h.wantView("Back-channel logout ! https://epr.acme-uat.   ~ https://epr.acme-int.co.", "~ host changed")
	if v := h.view(); strings.Contains(v, "≠") {
		t.Fatalf("a moved host is marked as differing from INT:\n%s", v)
	}
}

// TestFieldScreensJudgeAgainstINT: with --from-int, the redirect list, the logout and the JWKS
// screens give a URI on a host INT uses the verdict the review and the checks give it (✗, and
// it cannot be kept), not the naming warning they give without INT.
func TestFieldScreensJudgeAgainstINT(t *testing.T) {
	const hostOf = "production still points at epr.acme-int.co.uk, the host of your INT configuration's"
	h := newHarness(t, Options{INT: intExample()})
	h.send(gotoMsg{to: stateRedirects})
	h.wantView("1 ✗ https://epr.acme-int.co.uk/auth/cis2/callback", "2 ✗ https://admin.acme-int.co.uk/auth/cis2/callback")
	h.wantWrapped(hostOf + " redirect URI 1")
	h.keys("pgdown")
	h.wantState(stateRedirects)
	h.wantWrapped("✗ Redirect URI 1: " + hostOf + " redirect URI 1")
	h.typ("https://epr.acme-int.co.uk/auth/cis2/other")
	h.wantWrapped("✗ " + hostOf + " redirect URI 1")
	h.keys("enter")
	if n := len(h.r.c.cfg.RedirectURIs); n != 2 {
		t.Fatalf("a URI on INT's host was added: %d URIs", n)
	}

	h.send(gotoMsg{to: stateLogout})
	h.wantWrapped("✗ Back-channel logout URI: " + hostOf + " back-channel logout URI")
	h.keys("enter")
	h.wantState(stateLogout)

	h.send(gotoMsg{to: statePKJ})
	h.wantWrapped("✗ JWKS URI: " + hostOf + " JWKS URI")
	h.keys("enter")
	h.wantView("┃ JWKS URI") // still asked

	// Without INT the same names only look like a non-production host: a warning.
	h = newHarness(t, Options{Config: fromINTUnchanged()})
	h.send(gotoMsg{to: stateLogout})
	h.wantWrapped("! Back-channel logout URI: production still points at a non-production host (epr.acme-int.co.uk)")
	h.r.hasReturn = false
	h.keys("enter")
	h.wantState(stateSecurity)
}

// fromINTUnchanged is the production configuration prefilled from intExample, unchanged.
func fromINTUnchanged() *model.Config {
	c := fromINT(*intExample())
	return &c
}

// TestAccessibleJudgesAgainstINT: the accessible prompts refuse a URI on INT's host as the
// full-screen fields do, saying why under the prompt, and say a warning under a redirect URI
// as they do under the other questions.
func TestAccessibleJudgesAgainstINT(t *testing.T) {
	answers := strings.Join([]string{
		"", "", "", "", // organisation, product, contact, client id: kept
		"", // redirect URI 1 kept: refused, on INT's host
		"https://epr.acme.co.uk/auth/cis2/callback", // instead
		"-",                             // redirect URI 2 removed
		"https://epr-uat.acme.co.uk/cb", // a third: named like UAT, a warning
		"",                              // no more
		"",                              // logout kept: refused
		"https://epr.acme.co.uk/logout",
		"", // security pattern kept
		"", // JWKS kept: refused
		"https://epr.acme.co.uk/jwks.json",
		"", "", "", // algorithm, key choice kept; no key file
		"", // userinfo
	}, "\n") + "\n"
	var out strings.Builder
	_, err := RunAccessible(context.Background(), Options{INT: intExample(), OutDir: t.TempDir(), Now: fixedNow},
		strings.NewReader(answers), &out)
	if !errors.Is(err, ErrCancelled) { // the input ends at the review
		t.Fatalf("err %v\n%s", err, out.String())
	}
	got := said(out.String())
	const hostOf = "production still points at epr.acme-int.co.uk, the host of your INT configuration's"
	for _, want := range []string{
		hostOf + " redirect URI 1",
		"Warning: production still points at a non-production host (epr-uat.acme.co.uk)",
		hostOf + " back-channel logout URI",
		hostOf + " JWKS URI",
		"Redirect URI 1: https://epr.acme.co.uk/auth/cis2/callback",
		"Back-channel logout: https://epr.acme.co.uk/logout", "JWKS URI: https://epr.acme.co.uk/jwks.json",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
