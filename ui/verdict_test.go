package ui

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/cis2-golive/cis2-golive/model"
)

// The tests here show golive's one verdict on the screens of both wizards: a production value
// on an INT host, a value that looks like a secret, and the review's INT comparison, which is
// `compare`'s.

// onINTHost is filled() with its JWKS still on the INT host, as a --from-int walk-through
// leaves it when the user changes every host but that one.
func onINTHost() *model.Config {
	c := filled()
	c.JWKSURI = "https://epr.acme-int.co.uk/.well-known/jwks.json"
	return c
}

// intOnINTHost is the INT configuration onINTHost came from.
func intOnINTHost() *model.Config {
	return &model.Config{Environment: model.Integration, Organisation: "Acme Health Ltd", Product: "Acme EPR",
		ContactEmail:         "ops@acme-health.co.uk",
		RedirectURIs:         []string{"https://epr.acme-int.co.uk/cb", "https://admin.acme-int.co.uk/cb"},
		BackchannelLogoutURI: "https://epr.acme-int.co.uk/logout", TokenEndpointAuthMethod: model.PrivateKeyJWT,
		JWKSURI: "https://epr.acme-int.co.uk/.well-known/jwks.json", TokenEndpointAuthSigningAlg: "RS512"}
}

// snap checks the view fits 80x24 and matches its golden, one subtest (one golden) per
// screen shown (go test ./ui -update refreshes them).
func snap(t *testing.T, h *harness, name string) {
	t.Helper()
	fits(t, h.view(), 80, 24)
	t.Run(name, func(t *testing.T) { golden.RequireEqual(t, render(t, h)) })
}

func selectRow(h *harness, label string) {
	h.t.Helper()
	for range 30 {
		if strings.Contains(h.view(), "▸ "+label) {
			return
		}
		h.keys("up")
	}
	h.t.Fatalf("no row %q:\n%s", label, h.view())
}

// TestINTHostOnReviewAndChecks: a JWKS left on an INT-named host warns on the review and the
// checks screen, and the checks screen says it is not ready to send; with the INT file
// loaded, the same value fails on both.
func TestINTHostOnReviewAndChecks(t *testing.T) {
	t.Run("warn", func(t *testing.T) {
		h := newHarness(t, Options{Config: onINTHost()})
		h.send(gotoMsg{to: stateReview})
		h.wantView("1 value still on an INT/test host", "JWKS URI            ! https://epr.acme-int.co.uk", "! to check")
		selectRow(h, "JWKS URI")
		h.wantWrapped("! production still points at a non-production host (epr.acme-int.co.uk): named like a non-production host (acme-int)")
		snap(t, h, "review")

		h.r.hasReturn = false
		h.send(gotoMsg{to: stateChecks})
		h.wantView("6 passed · 1 warning · 0 failed", "Not ready to send to NHS: jwks_uri: production still points at a",
			"▸ ! warn config.uri.non-production  jwks_uri  production still points at a")
		snap(t, h, "checks")
	})
	t.Run("fail with INT", func(t *testing.T) {
		h := newHarness(t, Options{Config: onINTHost(), INT: intOnINTHost()})
		h.send(gotoMsg{to: stateReview})
		// The same value as INT's: ✗ for its host, but not "≠ differs from INT".
		h.wantView("1 value still on an INT/test host", "JWKS URI            ✗ https://epr.acme-int.", "✗ to fix")
		if strings.Contains(h.view(), "≠") {
			t.Fatalf("the value INT has too is marked as differing:\n%s", h.view())
		}
		selectRow(h, "JWKS URI")
		h.wantWrapped("✗ production still points at epr.acme-int.co.uk, the host of your INT configuration's JWKS URI")
		snap(t, h, "review")

		h.r.hasReturn = false
		h.send(gotoMsg{to: stateChecks})
		h.wantView("6 passed · 0 warnings · 1 failed", "Not ready to send to NHS: 1 check failed",
			"▸ ✗ FAIL config.uri.non-production  jwks_uri  production still points at")
		snap(t, h, "checks")
	})
}

// TestAccessibleINTHostOnReviewAndChecks: the accessible review and checks say the same.
func TestAccessibleINTHostOnReviewAndChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   *model.Config
		want []string
	}{
		{"warn", nil, []string{
			"JWKS URI: https://epr.acme-int.co.uk/.well-known/jwks.json Signing algorithm", // nothing more on its line
			"Warning, JWKS URI: production still points at a non-production host (epr.acme-int.co.uk)",
			"! warn config.uri.non-production jwks_uri: production still points at a non-production host",
			"Not ready to send to NHS: jwks_uri: production still points at a non-production host (epr.acme-int.co.uk)",
		}},
		// With the INT file the prompt refuses to keep it, as the full-screen field does: the
		// verdict is said where the answer is given, and the answer given instead is reviewed.
		{"fail with INT", intOnINTHost(), []string{
			"JWKS URI (enter keeps https://epr.acme-int.co.uk/.well-known/jwks.json) production still points at epr.acme-int.co.uk, the host of your INT configuration's JWKS URI",
			"JWKS URI: https://epr.acme-health.co.uk/.well-known/jwks.json (INT https://epr.acme-int.co.uk/.well-known/jwks.json: same scheme, port and path, production host)",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var jwks []string
			if tc.in != nil {
				jwks = []string{"https://epr.acme-health.co.uk/.well-known/jwks.json"}
			}
			out := runAccessibleKeeping(t, Options{Config: onINTHost(), INT: tc.in}, jwks...)
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// runAccessibleKeeping walks the accessible wizard over a prefilled private key JWT
// configuration keeping every answer, runs the (offline) checks, and declines to write.
// Answers in jwks follow the JWKS URI's, for a prompt that refuses to keep it.
func runAccessibleKeeping(t *testing.T, opts Options, jwks ...string) string {
	t.Helper()
	answers := strings.Join(slices.Concat([]string{
		"", "", "", "", // organisation, product, contact, client id: kept
		"", "", "", // both redirect URIs kept, no third
		"", // logout kept
		"", // security pattern kept
		"", // JWKS URI kept
	}, jwks, []string{
		"",     // algorithm kept
		"", "", // I have a key file; no path
		"",  // userinfo kept
		"",  // review: run the checks
		"",  // not submitted
		"0", // no ticks
		"n", // do not write anyway
	}), "\n") + "\n"
	dir := t.TempDir()
	opts.OutDir, opts.Now = dir, fixedNow
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), opts, strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.Ready() || len(res.Written) != 0 {
		t.Fatalf("declined, yet %+v", res)
	}
	return said(out.String())
}

// TestReviewPortFromCompare: the review marks a production redirect URI that moved to :8443
// as differing from INT with compare's own words, where it used to call it "host changed";
// the accessible review says the same.
func TestReviewPortFromCompare(t *testing.T) {
	in := &model.Config{Environment: model.Integration, Product: "Acme EPR",
		RedirectURIs: []string{"https://epr.int.acme.co.uk/cb"}, BackchannelLogoutURI: "https://epr.int.acme.co.uk/logout",
		TokenEndpointAuthMethod: model.ClientSecretBasic}
	prod := &model.Config{Environment: model.Production, Organisation: "Acme Health Ltd", Product: "Acme EPR",
		ContactEmail: "ops@acme-health.co.uk", RedirectURIs: []string{"https://epr.acme.co.uk:8443/cb"},
		BackchannelLogoutURI: "https://epr.acme.co.uk/logout", TokenEndpointAuthMethod: model.ClientSecretBasic}
	var port model.Comparison
	for _, c := range model.CompareINTProd(in, prod, model.CompareOptions{}) {
		if c.Field == "redirect_uris[0]" {
			port = c
		}
	}
	if port.Rule != "uri-port" {
		t.Fatalf("compare: %+v", port)
	}

	h := newHarness(t, Options{Config: prod, INT: in})
	h.send(gotoMsg{to: stateReview})
	h.wantView("1 difference from INT", "Redirect URI 1      https://epr.acme.co.      ≠ https://epr.int.acme.co.",
		"                    uk:8443/cb                  uk/cb", // the port is on screen, not cut off
		"Back-channel logout https://epr.acme.co.uk/   ~ https://epr.int.acme.co.")
	selectRow(h, "Redirect URI 1")
	h.wantWrapped("≠ "+port.Message, "fix: "+port.Fix)
	snap(t, h, "review")

	var out bytes.Buffer
	printReview(&out, h.r.s)
	want := "Redirect URI 1: https://epr.acme.co.uk:8443/cb (differs from INT https://epr.int.acme.co.uk/cb: " + port.Message + ")"
	if !strings.Contains(said(out.String()), want) {
		t.Errorf("accessible review lacks %q:\n%s", want, out.String())
	}
}

// TestSecretTypedIsAnInlineError: a logout URI with ?client_secret= typed on its screen is an
// error on that field, saying it is left out and why; the draft holds it blank and says so,
// and the resumed wizard goes back to that field and marks it on the review and the checks.
func TestSecretTypedIsAnInlineError(t *testing.T) {
	draft := filepath.Join(t.TempDir(), "draft.yaml")
	cfg := filled()
	cfg.BackchannelLogoutURI = ""
	h := newHarness(t, Options{Config: cfg, DraftPath: draft})
	h.r.started = true
	h.send(gotoMsg{to: stateLogout})
	h.typ("https://epr.acme-health.co.uk/logout?client_secret=abc")
	h.keys("enter")
	h.wantState(stateLogout) // refused: enter does not move on
	h.wantWrapped("this looks like a secret in a URI query: cis2-golive leaves it out of the draft and of every file")
	snap(t, h, "logout")
	h.keys("pgdown")
	h.wantState(stateLogout)
	h.r.quitNow()

	d, err := model.LoadDraft(draft)
	if err != nil || d == nil {
		t.Fatalf("draft: %v", err)
	}
	if d.Config.BackchannelLogoutURI != "" || len(d.LeftOut) != 1 || d.LeftOut[0].Field != "backchannel_logout_uri" ||
		d.LeftOut[0].LookedLike != "a secret in a URI query" {
		t.Fatalf("draft %+v, left out %+v", d.Config, d.LeftOut)
	}

	// Resumed: back on the logout screen, the field marked as needing an answer.
	d.Step = stateChecks.String()
	r := newHarness(t, Options{Draft: d, DraftPath: draft})
	r.send(resumeMsg{})
	r.wantState(stateLogout)
	r.wantWrapped("Back-channel logout URI was left out of the draft as a secret: enter it again",
		"! Back-channel logout URI: left out of your saved draft: it looked like a secret in a URI query. Enter it again, without the secret.")
	snap(t, r, "logout-resumed")

	r.send(gotoMsg{to: stateReview})
	r.wantView("Back-channel logout ✗ ")
	selectRow(r, "Back-channel logout")
	r.wantWrapped("! left out of your saved draft: it looked like a secret in a URI query. Enter it again, without the secret.")
	snap(t, r, "review-resumed")

	r.r.hasReturn = false
	r.send(gotoMsg{to: stateChecks})
	r.wantWrapped("! Back-channel logout URI: left out of your saved draft: it looked like a secret",
		"Not ready to send to NHS: 1 check failed", "✗ FAIL config.backchannel_logout_uri.required")
	snap(t, r, "checks-resumed")

	// A clean answer clears the mark, and the draft's note with it.
	r.send(gotoMsg{to: stateLogout})
	r.typ("https://epr.acme-health.co.uk/logout")
	r.keys("enter")
	if strings.Contains(r.view(), "left out of your saved draft") {
		t.Fatalf("mark kept after the answer:\n%s", r.view())
	}
	r.r.quitNow()
	if d, _ := model.LoadDraft(draft); len(d.LeftOut) != 0 || d.Config.BackchannelLogoutURI == "" {
		t.Fatalf("after the answer: %+v %+v", d.Config, d.LeftOut)
	}
}

// TestSecretOnReviewAndChecks: a prefilled answer that looks like a secret (the loader
// refuses such a file; this is the wizard's own guard) is hidden and failed on the review and
// the checks screen, in both wizards, and never written.
func TestSecretOnReviewAndChecks(t *testing.T) {
	cfg := filled()
	cfg.BackchannelLogoutURI = "https://epr.acme-health.co.uk/logout?client_secret=abc"
	h := newHarness(t, Options{Config: cfg})
	h.send(gotoMsg{to: stateReview})
	h.wantView("1 problem to fix", "Back-channel logout ✗ (hidden: it looks like a secret)")
	selectRow(h, "Back-channel logout")
	h.wantWrapped("✗ this looks like a secret in a URI query: cis2-golive leaves it out of the draft and of every file")
	if strings.Contains(h.view(), "abc") {
		t.Fatalf("the review shows the secret:\n%s", h.view())
	}
	snap(t, h, "review")
	h.r.hasReturn = false
	h.send(gotoMsg{to: stateChecks})
	h.wantView("✗ FAIL config.secret  backchannel_logout_uri  this looks like a secret in")
	if strings.Contains(h.view(), "abc") {
		t.Fatalf("the checks screen shows the secret:\n%s", h.view())
	}
	snap(t, h, "checks")

}

// TestAccessibleSecretIsAnInlineError: the accessible logout question refuses a value that
// looks like a secret (kept or typed) with the same words, and asks again; it never reaches
// the draft.
func TestAccessibleSecretIsAnInlineError(t *testing.T) {
	cfg := filled()
	cfg.TokenEndpointAuthMethod, cfg.JWKSURI, cfg.TokenEndpointAuthSigningAlg = model.ClientSecretBasic, "", ""
	cfg.BackchannelLogoutURI = "https://epr.acme-health.co.uk/logout?client_secret=abc"
	dir := t.TempDir()
	draft := filepath.Join(dir, "d.yaml")
	answers := strings.Join([]string{
		"", "", "", "", "", "", "", // organisation…client id, both redirect URIs kept, no third
		"", // logout: keeping the secret is refused
		"https://epr.acme-health.co.uk/logout?token=x1", // typing one is refused too
		"https://epr.acme-health.co.uk/logout",          // a clean one is taken
		"", "", "", "", "0", "n",                        // security, userinfo kept; review; not submitted; no ticks; do not write
	}, "\n") + "\n"
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), Options{Config: cfg, OutDir: dir, Now: fixedNow, DraftPath: draft},
		strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if n := strings.Count(said(out.String()), "this looks like a secret in a URI query: cis2-golive leaves it out of the draft and of every file"); n != 2 {
		t.Errorf("want the refusal twice, got %d:\n%s", n, out.String())
	}
	if res.Config.BackchannelLogoutURI != "https://epr.acme-health.co.uk/logout" {
		t.Errorf("logout %q", res.Config.BackchannelLogoutURI)
	}
	if d, _ := model.LoadDraft(draft); d == nil || strings.Contains(d.Config.BackchannelLogoutURI, "secret") {
		t.Errorf("draft %+v", d)
	}
}

// TestAccessibleLeftOutOnReviewAndChecks: an optional answer a resumed draft left out as a
// secret is asked for with the reason, and while it stays blank the review and the checks say
// why it is blank.
func TestAccessibleLeftOutOnReviewAndChecks(t *testing.T) {
	c := filled()
	c.TokenEndpointAuthMethod, c.JWKSURI, c.TokenEndpointAuthSigningAlg = model.ClientSecretBasic, "", ""
	d := &model.Draft{Config: *c, Step: stateReview.String(),
		LeftOut: []model.LeftOut{{Field: "client_id", LookedLike: "a secret in a URI query"}}}
	dir := t.TempDir()
	answers := strings.Join([]string{
		"1",                        // resume
		"", "", "", "", "", "", "", // organisation…client id (left blank), redirects, no third
		"", "", "", // logout, security, userinfo kept
		"", "", "0", "n", // review; not submitted; no ticks; do not write
	}, "\n") + "\n"
	var out bytes.Buffer
	if _, err := RunAccessible(context.Background(), Options{Draft: d, OutDir: dir, Now: fixedNow, DraftPath: filepath.Join(dir, "d.yaml")},
		strings.NewReader(answers), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	note := "left out of your saved draft: it looked like a secret in a URI query. Enter it again, without the secret."
	for _, want := range []string{
		"Client id (optional) (" + note + ")",     // the question
		"Client id: (blank) " + note,              // the review
		"Client id: " + note + " Running checks…", // the checks
	} {
		if !strings.Contains(said(out.String()), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRedirectSecretNeverJoinsTheList: a redirect URI that looks like a secret, typed or
// pasted among others, is refused with the reason and never joins the answers.
func TestRedirectSecretNeverJoinsTheList(t *testing.T) {
	cfg := filled()
	cfg.RedirectURIs = nil
	h := newHarness(t, Options{Config: cfg})
	h.send(gotoMsg{to: stateRedirects})
	h.typ("https://epr.acme-health.co.uk/cb?access_token=abc")
	h.wantWrapped("✗ this looks like a secret in a URI query") // live, before enter
	h.keys("enter")
	h.wantWrapped("✗ this looks like a secret in a URI query: cis2-golive leaves it out of the draft and of every file")
	if len(h.r.c.cfg.RedirectURIs) != 0 {
		t.Fatalf("typed secret joined the list: %v", h.r.c.cfg.RedirectURIs)
	}
	h.keys("ctrl+u")
	h.paste("https://epr.acme-health.co.uk/cb\nhttps://admin.acme-health.co.uk/cb?client_secret=abc\n")
	if got := h.r.c.cfg.RedirectURIs; len(got) != 1 || got[0] != "https://epr.acme-health.co.uk/cb" {
		t.Fatalf("after the paste: %v", got)
	}
	h.wantWrapped("left out 1 line that looked like a secret in a URI query")
	fits(t, h.view(), 80, 24)
}

// TestReviewCountsFindingsWithoutARow: with no redirect URI there is no row to mark, but the
// review never says "no problems found offline" over the offline rule that fails.
func TestReviewCountsFindingsWithoutARow(t *testing.T) {
	cfg := filled()
	cfg.RedirectURIs = nil
	h := newHarness(t, Options{Config: cfg})
	h.send(gotoMsg{to: stateReview})
	if strings.Contains(h.view(), "no problems found offline") {
		t.Fatalf("review says no problems with no redirect URI:\n%s", h.view())
	}
	h.wantView("1 problem to fix", "✗ at least one redirect URI")
	fits(t, h.view(), 80, 24)
}
