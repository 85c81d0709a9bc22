package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sandbox"
)

// TestChecksScreenLoginPage: without a login page the probe is one skip; l asks for it
// (checked like every URI), and the checks run again with the probe's lines, whose
// result (here a missing nonce) shows on the screen and whose URL is kept in the answers.
func TestChecksScreenLoginPage(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{Faults: sandbox.Faults{LoginNoNonce: true}})
	opts := sandboxOptions(t, sb)
	login := opts.Config.LoginURL
	opts.Config.LoginURL = ""
	h := newHarness(t, opts)
	h.send(tea.WindowSizeMsg{Width: 100, Height: 60})
	h.send(gotoMsg{to: stateChecks})
	h.wantView("login page: none (l to set)")
	if l := lineOf(h.view(), checks.IDLogin, "login_url"); !strings.Contains(l, "skip") {
		t.Fatalf("login probe without a page: %q", l)
	}
	h.keys("l")
	h.wantView("Your application's sign-in page")
	h.typ("epr.example.nhs.uk/login")
	h.keys("enter")
	h.wantWrapped("not an absolute URI")
	if h.r.c.cfg.LoginURL != "" {
		t.Fatalf("a refused URL was kept: %q", h.r.c.cfg.LoginURL)
	}
	h.keys("ctrl+u")
	h.typ(login)
	h.keys("enter")
	if h.r.c.cfg.LoginURL != login || h.r.s.draft.Config.LoginURL != login {
		t.Fatalf("login_url = %q (draft %q), want %q", h.r.c.cfg.LoginURL, h.r.s.draft.Config.LoginURL, login)
	}
	h.wantView("login page: " + login)
	if l := lineOf(h.view(), checks.IDLogin, "authorize?nonce"); !strings.Contains(l, "FAIL") || !strings.Contains(l, "no nonce") {
		t.Fatalf("nonce line: %q\n%s", l, h.view())
	}
	if l := lineOf(h.view(), checks.IDLogin, "authorize?client_id"); !strings.Contains(l, "pass") {
		t.Fatalf("client_id line: %q", l)
	}
}

// TestChecksScreenLintsAPastedAssertion: a pastes an assertion (never shown), its lint
// rows follow the planned checks and name its fault, it stays out of the go-live verdict,
// and R drops it with the rest of the old run.
func TestChecksScreenLintsAPastedAssertion(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	opts := sandboxOptions(t, sb)
	live := opts.CheckOptions
	opts.Lint = func(cfg *model.Config, token string) []checks.Check {
		return checks.AssertionLint(cfg, live, token, nil)
	}
	key, err := keys.LoadPrivateKey(opts.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := keys.Thumbprint(key)
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{
		"iss": sandbox.ClientID, "sub": sandbox.ClientID, "aud": sb.Issuer(), // the issuer: RFC 10070's audience
		"jti": "j", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()})
	tok.Header["kid"] = kid
	assertion, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}

	h := newHarness(t, opts)
	h.send(tea.WindowSizeMsg{Width: 100, Height: 60})
	h.send(gotoMsg{to: stateChecks})
	h.wantView("a: lint an assertion")
	planned := len(h.r.s.results)
	h.keys("a")
	h.wantView("Paste a client assertion")
	h.paste("something else entirely")
	h.keys("enter")
	h.wantView("no JWT in what was pasted")
	h.paste("grant_type=authorization_code&client_assertion=" + assertion + "&client_id=" + sandbox.ClientID)
	if strings.Contains(h.view(), assertion[:40]) {
		t.Fatal("the pasted assertion is on the screen")
	}
	h.keys("enter")
	v := h.view()
	if l := lineOf(v, checks.IDLintAud, ""); !strings.Contains(l, "FAIL") {
		t.Fatalf("aud line: %q\n%s", l, v)
	}
	got := map[string]model.Severity{}
	for _, r := range h.r.screens[stateChecks].(*checksScreen).results {
		got[r.ID] = r.Status
	}
	for _, id := range []string{checks.IDLintKID, checks.IDLintSignature, checks.IDLintIssSub, checks.IDLintLifetime} {
		if got[id] != model.Pass {
			t.Errorf("%s: %s", id, got[id])
		}
	}
	if strings.Contains(v, assertion) || strings.Contains(v, assertion[strings.LastIndex(assertion, ".")+1:][:20]) {
		t.Fatal("the view repeats the assertion")
	}
	for _, r := range h.r.s.results {
		if strings.HasPrefix(r.ID, "assertion.lint.") {
			t.Fatalf("a lint result joined the go-live results: %s", r.ID)
		}
	}
	if len(h.r.s.results) != planned {
		t.Fatalf("%d results after the lint, %d before", len(h.r.s.results), planned)
	}
	h.keys("R")
	if l := lineOf(h.view(), checks.IDLintAud, ""); l != "" {
		t.Fatalf("R kept the lint of the old run: %q", l)
	}
}

// TestAccessibleLoginPageAndLint: the accessible wizard asks for the login page before the
// live checks and prints the probe's lines, then offers the lint of a pasted assertion,
// whose lines name the fault and never repeat it.
func TestAccessibleLoginPageAndLint(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{Faults: sandbox.Faults{LoginFormPost: true}})
	opts := sandboxOptions(t, sb)
	live := opts.CheckOptions
	opts.Lint = func(cfg *model.Config, token string) []checks.Check {
		return checks.AssertionLint(cfg, live, token, nil)
	}
	login := opts.Config.LoginURL
	opts.Config.LoginURL = ""
	opts.OutDir, opts.Now = t.TempDir(), fixedNow
	key, _ := keys.LoadPrivateKey(opts.KeyPath)
	kid, _ := keys.Thumbprint(key)
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS512, jwt.MapClaims{
		"iss": sandbox.ClientID, "sub": "someone-else", "aud": sb.TokenEndpoint(),
		"jti": "j", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()})
	tok.Header["kid"] = kid
	assertion, _ := tok.SignedString(key)
	answers := strings.Join([]string{
		"", "", "", "", "", "", "", "", // organisation…logout, security pattern: kept
		"", "", // JWKS URI, algorithm: kept
		"", "", // I have a key file: the one given, kept
		"",        // userinfo: kept
		"",        // review: run the checks
		login,     // the login page
		assertion, // lint this
		"", "0", "y",
	}, "\n") + "\n"
	var out strings.Builder
	if _, err := RunAccessible(t.Context(), opts, strings.NewReader(answers), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	o := said(out.String()) // lines wrap at 80 columns
	for _, want := range []string{"Your application's sign-in page", "login.authorize-request authorize?response_mode: response_mode=form_post",
		"Paste a client assertion", "assertion.lint.iss-sub claims.iss: iss \"123456789012.apps.supplier\" and sub \"someone-else\" differ"} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	if strings.Contains(o, assertion) {
		t.Error("the output repeats the pasted assertion")
	}
}

// TestChecksScreenSaysSignCommandSigns: with --sign-cmd and no key file, the settings line
// says the command signs, not that the assertion check is skipped.
func TestChecksScreenSaysSignCommandSigns(t *testing.T) {
	cfg := filled()
	opts := Options{Config: cfg, Plan: func(*model.Config, string) []checks.Check { return nil },
		CheckOptions: checks.Options{SignCommand: "openssl dgst -sha512 -sign key.pem"}}
	h := newHarness(t, opts)
	h.send(gotoMsg{to: stateChecks})
	h.wantView("key file: none: --sign-cmd signs (k for a file)")
	if strings.Contains(h.view(), "openssl dgst") {
		t.Error("the screen shows the sign command")
	}
}
