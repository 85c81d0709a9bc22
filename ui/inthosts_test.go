package ui

import (
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
