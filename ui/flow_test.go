package ui

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

func TestStateNames(t *testing.T) {
	seen := map[string]bool{}
	for s := stateWelcome; s < numStates; s++ {
		if s.String() == "" || s.Title() == "" || seen[s.String()] {
			t.Fatalf("state %d has a missing or duplicate name", s)
		}
		seen[s.String()] = true
		if got, ok := parseState(s.String()); !ok || got != s {
			t.Fatalf("parseState(%q) = %v, %v", s, got, ok)
		}
	}
	if numStates.String() != "unknown" {
		t.Fatal("out-of-range state should say unknown")
	}
}

// walkToRedirects answers the organisation screen.
func walkToRedirects(h *harness) {
	h.t.Helper()
	h.keys("enter") // welcome: Start
	h.wantState(stateOrg)
	h.wantView("Step 1 of 9 · Organisation and client")
	h.typ("Acme Health Ltd")
	h.keys("enter")
	h.typ("Acme EPR")
	h.keys("enter")
	h.typ("ops@acme-health.co.uk")
	h.keys("enter")
	h.typ("123456789012.apps.supplier")
	h.keys("enter")
	h.wantState(stateRedirects)
}

func TestWizardFlowByKeys(t *testing.T) {
	out := t.TempDir()
	draft := filepath.Join(t.TempDir(), "draft.yaml")
	h := newHarness(t, Options{OutDir: out, DraftPath: draft})
	h.wantView("Put your CIS2 Authentication integration live", "Start")
	walkToRedirects(h)

	// A validation error is shown inline as you type, blocks enter, and clears once fixed.
	h.typ("http://epr.acme-health.co.uk/cb")
	h.wantView(`scheme "http" is not allowed`)
	h.keys("enter")
	h.wantView("✗ scheme")
	if len(h.r.c.cfg.RedirectURIs) != 0 {
		t.Fatal("an invalid URI was added")
	}
	h.keys("ctrl+u")
	h.typ("https://epr.acme-health.co.uk/cb")
	h.wantView("✓ looks right")
	h.keys("enter")
	h.wantView("1 ✓ https://epr.acme-health.co.uk/cb")

	// Pasting two lines adds two URIs.
	h.paste("https://admin.acme-health.co.uk/cb\r\nhttps://typo.acme-health.co.uk/cbb\n")
	h.wantView("pasted 2 URIs", "3 ✓ https://typo.acme-health.co.uk/cbb")

	// Edit the third: select it, e, replace the text.
	h.keys("up", "e")
	h.wantView("Edit URI 3")
	h.keys("ctrl+u")
	h.typ("https://reports.acme-health.co.uk/cb")
	h.keys("enter")
	h.wantView("URI 3 updated")

	// Remove the second.
	h.keys("up", "up", "d")
	h.wantView("removed https://admin.acme-health.co.uk/cb")
	h.keys("down") // back to the input
	h.keys("enter")

	// Back-channel logout: an IP address is refused, then fixed. Going back and forward
	// keeps the answers.
	h.wantState(stateLogout)
	h.wantView("Step 3 of 9 · Back-channel logout")
	h.typ("https://203.0.113.9/logout")
	h.keys("enter")
	h.wantState(stateLogout)
	h.wantView("needs a public DNS name")
	h.keys("esc")
	h.wantState(stateRedirects)
	h.wantView("2 ✓ https://reports.acme-health.co.uk/cb")
	h.keys("enter")
	h.wantState(stateLogout)
	for range len("https://203.0.113.9/logout") {
		h.keys("backspace")
	}
	h.typ("https://epr.acme-health.co.uk/backchannel-logout")
	h.keys("enter")

	// Security: private key JWT is preselected.
	h.wantState(stateSecurity)
	h.wantView("Private key JWT (recommended)", "no shared secret")
	h.keys("enter")

	h.wantState(statePKJ)
	h.typ("https://epr.acme-health.co.uk/.well-known/jwks.json")
	h.keys("enter", "right", "enter") // RS256 -> RS512
	h.wantView("I have a key file", "I don't have a key yet")
	h.keys("enter") // I have a key file
	h.wantView("Private key file (optional)")
	h.typ("-----BEGIN PRIVATE KEY-----")
	h.keys("enter")
	h.wantView("not the key itself")
	for range len("-----BEGIN PRIVATE KEY-----") {
		h.keys("backspace")
	}
	h.keys("enter")

	h.wantState(stateUserinfo)
	h.keys("down", "enter") // yes, signed with RS256, the first

	h.wantState(stateReview)
	h.wantView("✓ no problems found offline", "Redirect URI 2", "RS512", "Continue to the checks")
	// Jump back to edit the organisation from the review, and return to the review.
	for range 20 {
		h.keys("up")
	}
	h.keys("enter")
	h.wantState(stateOrg)
	h.keys("ctrl+u")
	h.typ("Acme Health NHS Supplier Ltd")
	h.keys("pgdown")
	h.wantState(stateReview)
	h.wantView("Acme Health NHS Supplier Ltd")
	for range 20 {
		h.keys("down")
	}
	h.keys("enter")

	h.wantState(stateChecks)
	h.wantView("0 failed", "config.backchannel_logout_uri")
	h.keys("enter")

	h.wantState(stateChecklist)
	h.wantView("[ ] Production configuration passes", "Submitted to NHS on: not yet") // offline rules only: not evidence enough
	h.keys("space")                                                                   // tick "Assurance complete"
	for range report.ChecklistIDs() {                                                 // past every item to the submission date
		h.keys("down")
	}
	h.keys("enter", "ctrl+u")
	h.typ("2026-11-02")
	h.keys("enter")
	h.wantView("Earliest go-live: Monday 16 November 2026")
	if !h.r.s.draft.Checklist["assurance.complete"] {
		t.Fatal("assurance not ticked")
	}
	h.keys("down", "enter")
	// Offline only: the wizard asks before writing, and the default is no.
	h.wantView("The live checks did not run: nothing has tested your endpoints as they are", "configured. Write the files anyway?")
	h.keys("enter")
	if h.r.Finished() {
		t.Fatal("enter (the default, no) wrote the files")
	}
	h.wantView("files not written")
	h.keys("enter", "y")
	if !h.r.Finished() {
		t.Fatalf("wizard did not finish:\n%s", h.view())
	}
	if got := h.r.s.despite; !reflect.DeepEqual(got, []string{"the live checks did not run"}) {
		t.Fatalf("written despite %q", got)
	}

	want := model.Config{
		Environment:                 model.Production,
		Organisation:                "Acme Health NHS Supplier Ltd",
		Product:                     "Acme EPR",
		ContactEmail:                "ops@acme-health.co.uk",
		ClientID:                    "123456789012.apps.supplier",
		RedirectURIs:                []string{"https://epr.acme-health.co.uk/cb", "https://reports.acme-health.co.uk/cb"},
		BackchannelLogoutURI:        "https://epr.acme-health.co.uk/backchannel-logout",
		TokenEndpointAuthMethod:     model.PrivateKeyJWT,
		JWKSURI:                     "https://epr.acme-health.co.uk/.well-known/jwks.json",
		TokenEndpointAuthSigningAlg: "RS512",
		UserinfoSignedResponseAlg:   "RS256",
	}
	if got := h.r.Config(); !reflect.DeepEqual(got, want) {
		t.Fatalf("config:\n got %+v\nwant %+v", got, want)
	}
	written, _, err := model.Load(filepath.Join(out, ConfigFile))
	if err != nil || !reflect.DeepEqual(*written, want) {
		t.Fatalf("written config: %v\n%+v", err, written)
	}
	for _, f := range []string{"cis2-production-config.json", "cis2-production-config.md", ChecklistFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatal(err)
		}
	}
	ck, _ := os.ReadFile(filepath.Join(out, ChecklistFile))
	if !strings.Contains(string(ck), "[x] Assurance complete") || !strings.Contains(string(ck), "2026-11-16") {
		t.Fatalf("checklist:\n%s", ck)
	}
	d, _ := model.LoadDraft(draft)
	if d == nil || !d.Checklist["assurance.complete"] || d.SubmittedOn != "2026-11-02" {
		t.Fatalf("draft lacks the checklist: %+v", d)
	}
}

func TestClientSecretSkipsPrivateKeyJWT(t *testing.T) {
	h := newHarness(t, Options{})
	walkToRedirects(h)
	h.typ("https://epr.acme-health.co.uk/cb")
	h.keys("enter", "enter")
	h.typ("https://epr.acme-health.co.uk/logout")
	h.keys("enter")
	h.keys("down", "enter") // client secret
	h.wantState(stateUserinfo)
	h.wantView("Step 5 of 8 · Signed userinfo")
	h.keys("esc")
	h.wantState(stateSecurity)
}

func TestCtrlCAsksBeforeDiscarding(t *testing.T) {
	h := newHarness(t, Options{})
	walkToRedirects(h)
	h.typ("https://half-typed")
	h.keys("ctrl+c")
	h.wantView("Quit? Your answers so far will be lost.  y quit · n stay") // no draft file here
	if h.r.quitting {
		t.Fatal("quit without asking")
	}
	h.keys("n")
	h.wantState(stateRedirects)
	h.wantView("https://half-typed")
	h.keys("ctrl+c", "y")
	if !h.r.quitting || h.r.Finished() {
		t.Fatal("y should quit, unfinished")
	}
}

// TestQuitPromptFits: at 80 columns the whole question shows, keys included, and it only
// mentions the draft when there is one; narrower, the explanation gives way, not the keys.
func TestQuitPromptFits(t *testing.T) {
	h := newHarness(t, Options{DraftPath: filepath.Join(t.TempDir(), "d.yaml")})
	walkToRedirects(h)
	h.typ("https://half-typed")
	h.keys("ctrl+c")
	h.wantView("Quit? Answers are kept in the draft; unsaved typing is lost.  y quit · n stay")
	fits(t, h.view(), 80, 24)
	h.send(tea.WindowSizeMsg{Width: 50, Height: 24})
	h.wantView("…  y quit · n stay")
	fits(t, h.view(), 50, 24)
}

func TestForwardKeyRefusesInvalidAnswers(t *testing.T) {
	h := newHarness(t, Options{})
	walkToRedirects(h)
	h.keys("pgdown")
	h.wantState(stateRedirects)
	h.wantView("add at least one redirect URI")
}

func TestDraftResumesEveryAnsweredField(t *testing.T) {
	draft := filepath.Join(t.TempDir(), "cis2-golive", "draft.yaml")
	h := newHarness(t, Options{DraftPath: draft})
	walkToRedirects(h)
	h.paste("https://epr.acme-health.co.uk/cb\nhttps://admin.acme-health.co.uk/cb")
	h.keys("enter")
	h.typ("https://epr.acme-health.co.uk/logout")
	h.keys("enter")
	// The process is killed here: nothing more than the draft on disk survives.
	d, err := model.LoadDraft(draft)
	if err != nil || d == nil {
		t.Fatalf("draft: %v %v", d, err)
	}
	if fi, _ := os.Stat(draft); fi.Mode().Perm() != 0o600 {
		t.Fatalf("draft mode %v", fi.Mode())
	}

	h2 := newHarness(t, Options{DraftPath: draft, Draft: d})
	h2.wantView("You have a saved draft", "Resume it: Acme Health Ltd, at Security pattern")
	h2.keys("enter")
	h2.wantState(stateSecurity)
	want := h.r.Config()
	if got := h2.r.Config(); !reflect.DeepEqual(got, want) {
		t.Fatalf("resumed:\n got %+v\nwant %+v", got, want)
	}
	h2.keys("esc", "esc")
	h2.wantView("1 ✓ https://epr.acme-health.co.uk/cb", "2 ✓ https://admin.acme-health.co.uk/cb")
}

func TestFromINTShowsDifferences(t *testing.T) {
	in := &model.Config{
		Environment:             model.Integration,
		Organisation:            "Acme Health Ltd",
		Product:                 "Acme EPR",
		RedirectURIs:            []string{"https://epr.int.acme-health.co.uk/cb", "https://int-only.acme-health.co.uk/debug"},
		BackchannelLogoutURI:    "https://epr.int.acme-health.co.uk/logout",
		TokenEndpointAuthMethod: model.ClientSecretBasic,
	}
	h := newHarness(t, Options{INT: in})
	if h.r.c.cfg.Environment != model.Production || len(h.r.c.cfg.RedirectURIs) != 2 {
		t.Fatalf("prefill from INT: %+v", h.r.c.cfg)
	}
	h.r.c.cfg.RedirectURIs = []string{"https://epr.acme-health.co.uk/cb"}
	h.r.c.cfg.BackchannelLogoutURI = "https://epr.acme-health.co.uk/logout"
	h.r.c.cfg.TokenEndpointAuthMethod = model.PrivateKeyJWT
	h.r.c.cfg.JWKSURI = "https://epr.acme-health.co.uk/jwks"
	h.r.c.cfg.TokenEndpointAuthSigningAlg = "RS512"
	h.send(gotoMsg{to: stateReview})
	h.wantView("Production", "INT", "~ https://epr.int", "≠ Client secret", "≠ https://int-only")
}

// TestFormScreensSayNextOnce: a form screen sends "next" once, when its form completes. A
// message that reaches it after that but before the root has switched screens (in a real
// program: a cursor blink or a resize, in any order) must not send a second "next", which
// skipped the following screen (seen as a flaky TestKillAndResume under load).
func TestFormScreensSayNextOnce(t *testing.T) {
	for _, st := range []state{stateWelcome, stateOrg, stateLogout, stateSecurity, statePKJ, stateUserinfo} {
		t.Run(st.String(), func(t *testing.T) {
			h := newHarness(t, Options{Config: filled()})
			h.send(gotoMsg{to: st})
			sc := h.r.screens[st]
			nexts := 0
			var pump func(tea.Msg)
			pump = func(m tea.Msg) {
				for _, out := range h.run(sc.update(m)) {
					if _, ok := out.(nextMsg); ok {
						nexts++
						continue
					}
					pump(out)
				}
			}
			for range 10 {
				if nexts > 0 {
					break
				}
				pump(keyMsg("enter"))
			}
			if nexts != 1 {
				t.Fatalf("%d nexts after completing the form:\n%s", nexts, h.view())
			}
			pump(tea.WindowSizeMsg{Width: 80, Height: 24})
			pump(keyMsg("enter"))
			if nexts != 1 {
				t.Fatalf("a message after completion sent another next (%d)", nexts)
			}
		})
	}
}
