package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// TestPatternSwitchKeepsJWKSAndAlg: private key JWT answers survive a switch to client secret
// and back (they are answers until written; the unchosen pattern's are simply not used).
// Driven through the real program at 80x24; the private key JWT screen it comes back to is a
// golden.
func TestPatternSwitchKeepsJWKSAndAlg(t *testing.T) {
	tm := startProbedSized(t, Options{Config: filled()}, 80, 24)
	tm.Send(jumpTo(stateSecurity))
	waitView(t, tm, func(v string) bool { return strings.Contains(v, "How does your service authenticate") })
	press(tm, "down", "enter") // client secret
	waitView(t, tm, func(v string) bool { return strings.Contains(v, "Step 5 of 8 · Signed userinfo") })
	press(tm, "esc")
	waitView(t, tm, func(v string) bool { return strings.Contains(v, "How does your service authenticate") })
	press(tm, "up", "enter") // private key JWT again
	var view string
	waitView(t, tm, func(v string) bool { view = v; return strings.Contains(v, "Step 5 of 9 · Private key JWT") })
	for _, want := range []string{"> https://epr.acme-health.co.uk/jwks.json", "RS512"} {
		if !strings.Contains(view, want) {
			t.Errorf("the private key JWT screen lost %q:\n%s", want, view)
		}
	}
	got := probeView(t, tm)
	golden.RequireEqual(t, []byte(got))
	press(tm, "ctrl+c", "y")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(probed)
	if cfg := final.Config(); cfg.JWKSURI != filled().JWKSURI || cfg.TokenEndpointAuthSigningAlg != "RS512" {
		t.Fatalf("after the switch back: jwks %q alg %q", cfg.JWKSURI, cfg.TokenEndpointAuthSigningAlg)
	}
}

// TestPatternSwitchIsNotWritten: with client secret chosen, the kept JWKS URI and algorithm
// are neither checked nor written, but stay in the draft.
func TestPatternSwitchIsNotWritten(t *testing.T) {
	draft := filepath.Join(t.TempDir(), "d.yaml")
	h := newHarness(t, Options{Config: filled(), DraftPath: draft})
	h.jump(stateSecurity)
	h.keys("down", "enter")
	h.wantState(stateUserinfo)
	if cfg := h.r.Config(); cfg.JWKSURI != "" || cfg.TokenEndpointAuthSigningAlg != "" {
		t.Fatalf("a client secret configuration carries %q %q", cfg.JWKSURI, cfg.TokenEndpointAuthSigningAlg)
	}
	h.send(gotoMsg{to: stateReview})
	h.wantView("✓ no problems found offline")
	d, err := model.LoadDraft(draft)
	if err != nil || d == nil || d.Config.JWKSURI != filled().JWKSURI || d.Config.TokenEndpointAuthSigningAlg != "RS512" {
		t.Fatalf("the draft lost the private key JWT answers: %+v %v", d, err)
	}
}

// TestAccessiblePatternSwitchKeepsJWKSAndAlg: the same in accessible mode, where changing the
// security pattern from the review re-asks the private key JWT questions with the old answers.
func TestAccessiblePatternSwitchKeepsJWKSAndAlg(t *testing.T) {
	answers := strings.Join([]string{
		"", "", "", "", // organisation, product, contact, client id
		"", "", "", "", // two redirect URIs kept, no third, logout kept
		"2",      // security: client secret
		"",       // userinfo kept
		"5", "1", // review: change the security pattern, private key JWT
		"", "", "", // JWKS URI, algorithm and key choice: kept
		"",           // no key file
		"",           // review: run the checks
		"", "0", "y", // not submitted, no ticks, write anyway
	}, "\n") + "\n"
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), Options{Config: filled(), OutDir: t.TempDir(), Now: fixedNow},
		strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.Config.JWKSURI != filled().JWKSURI || res.Config.TokenEndpointAuthSigningAlg != "RS512" {
		t.Fatalf("after the switch back: %+v\n%s", res.Config, out.String())
	}
	if !strings.Contains(said(out.String()), "JWKS URI (enter keeps https://epr.acme-health.co.uk/jwks.json)") {
		t.Errorf("the JWKS question did not offer the kept answer:\n%s", out.String())
	}
}

// jump moves the wizard to a screen as if the user had walked there (gotoMsg is the review's
// "edit this row", which comes back to where it started).
func (h *harness) jump(s state) {
	h.t.Helper()
	h.send(gotoMsg{to: s})
	h.r.hasReturn = false
}

// TestRedirectInputSaysWhatIsWrong: two URIs glued by a paste are not "looks right", and a
// wildcard host is told it is a wildcard, not a generic DNS problem.
func TestRedirectInputSaysWhatIsWrong(t *testing.T) {
	h := newHarness(t, Options{})
	walkToRedirects(h)
	h.paste("https://epr.acme-health.co.uk/callbackhttps://admin.acme-health.co.uk/callback")
	h.wantView("two URIs run together (….uk/callbackhttps://…)", "put each URI on its own line")
	if strings.Contains(h.view(), "looks right") {
		t.Fatalf("glued URIs look right:\n%s", h.view())
	}
	h.keys("ctrl+u")
	h.typ("https://*.acme-health.co.uk/cb")
	h.wantView("wildcards are not allowed; CIS2 matches each URI exactly")
	if strings.Contains(h.view(), "not a valid DNS name") {
		t.Fatalf("a wildcard gets the generic DNS message:\n%s", h.view())
	}
}

// TestScrolledRedirectListSaysWhatIsHidden: a list longer than the screen says how many URIs
// are above and below what it shows.
func TestScrolledRedirectListSaysWhatIsHidden(t *testing.T) {
	h := newHarness(t, Options{})
	walkToRedirects(h)
	var uris []string
	for i := range 20 {
		uris = append(uris, fmt.Sprintf("https://epr%d.acme-health.co.uk/cb", i))
	}
	h.paste(strings.Join(uris, "\n"))
	h.wantView("more above", "20 ✓ https://epr19")
	for range 20 {
		h.keys("up")
	}
	h.wantView("1 ✓ https://epr0", "more below")
	if strings.Contains(h.view(), "more above") {
		t.Fatalf("at the top, still 'more above':\n%s", h.view())
	}
	fits(t, h.view(), 80, 24)
}

// TestFooterSaysWhatKeysDo: editing a URI, enter saves it (not "add"); the last step offers
// no "next step", and pgdn there says why once, until the next key.
func TestFooterSaysWhatKeysDo(t *testing.T) {
	h := newHarness(t, Options{Config: filled()})
	h.jump(stateRedirects)
	h.keys("up", "e")
	h.wantView("Edit URI 2", "enter save")
	if strings.Contains(h.view(), "enter add") {
		t.Fatalf("editing, the footer offers add:\n%s", h.view())
	}
	h.jump(stateChecklist)
	if strings.Contains(h.view(), "pgdn") {
		t.Fatalf("the last step offers pgdn:\n%s", h.view())
	}
	h.keys("pgdown")
	h.wantView("this is the last step")
	h.keys("down")
	if strings.Contains(h.view(), "this is the last step") {
		t.Fatalf("the message stayed after the next key:\n%s", h.view())
	}
}

// TestStatusAlignsWithTheBody: pgdn on an empty form says what is missing under the body's
// indent, marked, not at the left edge.
func TestStatusAlignsWithTheBody(t *testing.T) {
	h := newHarness(t, Options{})
	h.keys("enter", "pgdown")
	lines := strings.Split(h.view(), "\n")
	if got := lines[len(lines)-2]; got != "  ✗ enter the organisation" {
		t.Fatalf("status line %q", got)
	}
}

// TestFooterIsReadableOnAProjector: the footer's text is drawn in full-strength colours, not
// bubbles' dim greys (ANSI 237-245).
func TestFooterIsReadableOnAProjector(t *testing.T) {
	h := newHarness(t, Options{Config: filled()})
	h.jump(stateOrg)
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.ANSI256}
	if _, err := w.WriteString(h.r.View().Content); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	footer := lines[len(lines)-1]
	for n := 232; n <= 245; n++ {
		if strings.Contains(footer, fmt.Sprintf("38;5;%dm", n)) {
			t.Fatalf("the footer uses grey %d: %q", n, footer)
		}
	}
}

// TestKeyPathNeverReachesTheSubmission: a check result naming the local key file (as a key
// that cannot be loaded does) is written with the path replaced, in every file.
func TestKeyPathNeverReachesTheSubmission(t *testing.T) {
	out := t.TempDir()
	keyPath := filepath.Join(t.TempDir(), "secret-place", "signing.pem")
	plan := func(*model.Config, string) []checks.Check {
		r := checks.Result{ID: checks.IDAssertion, Target: "jwks_uri", Status: model.Fail,
			Message: "could not load --key: read key " + keyPath + ": permission denied", Fix: "chmod 600 " + keyPath,
			Evidence: map[string]string{"key": keyPath}}
		return []checks.Check{{ID: r.ID, Target: r.Target, Run: func(context.Context) checks.Result { return r }}}
	}
	h := newHarness(t, Options{Config: filled(), OutDir: out, KeyPath: keyPath, Plan: plan})
	h.jump(stateChecks)
	h.keys("enter")
	h.wantState(stateChecklist)
	for range 12 {
		h.keys("down")
	}
	h.keys("enter", "y") // write anyway
	if !h.r.Finished() {
		t.Fatalf("not written:\n%s", h.view())
	}
	for _, p := range h.r.s.written {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "secret-place") {
			t.Errorf("%s names the local key file:\n%s", filepath.Base(p), data)
		}
	}
}

// TestChecklistAt80Columns: every item is shown in full (wrapped, never cut with "…"), and
// wherever the cursor is, a section heading is followed by an item of its section, never
// left alone at the edge of the window. The list scrolled to its end is a golden.
func TestChecklistAt80Columns(t *testing.T) {
	h := newHarness(t, Options{Config: filled()})
	h.jump(stateChecklist)
	headings := map[string]bool{}
	for _, it := range report.NewChecklist(filled(), report.Evidence{}, nil, time.Time{}).Items {
		headings[it.Section] = true
	}
	for i := range 12 {
		v := h.view()
		fits(t, v, 80, 24)
		if strings.Contains(v, "…") {
			t.Fatalf("an item is cut at cursor %d:\n%s", i, v)
		}
		lines := strings.Split(v, "\n")
		for j, l := range lines {
			if l := strings.TrimSpace(l); headings[l] && (j+1 >= len(lines) || !strings.Contains(lines[j+1], "[")) {
				t.Fatalf("heading %q orphaned at cursor %d:\n%s", l, i, v)
			}
		}
		h.keys("down")
	}
	h.keys("up", "up") // the last item
	golden.RequireEqual(t, render(t, h))
}

// TestWriteFailureOffersAnotherDirectory: an output directory that cannot be written at the
// last step is said, with a prompt for another one right there; the files go there.
func TestWriteFailureOffersAnotherDirectory(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := t.TempDir()
	h := newHarness(t, Options{Config: filled(), OutDir: blocker})
	h.jump(stateChecks)
	h.keys("enter")
	for range 12 {
		h.keys("down")
	}
	h.keys("enter", "y") // offline only: write anyway
	h.wantView("Write the files to this directory instead", "> "+blocker[:20])
	if h.r.Finished() {
		t.Fatal("finished although nothing was written")
	}
	h.keys("ctrl+u")
	h.paste(good)
	h.keys("enter")
	if !h.r.Finished() {
		t.Fatalf("not finished after a good directory:\n%s", h.view())
	}
	if _, err := os.Stat(filepath.Join(good, ChecklistFile)); err != nil {
		t.Fatal(err)
	}
}

// TestAccessibleSaysWhereYouAre: accessible mode opens with the same introduction as the
// welcome screen and heads each step "Step n of 9", the checks step saying whether the live
// checks run; no line is longer than 80 columns (a terminal would break it mid-word), except
// one holding a single long word such as a path.
func TestAccessibleSaysWhereYouAre(t *testing.T) {
	answers := strings.Join([]string{
		"", "", "", "", "", "", "", "", // organisation … logout: kept
		"", "", "", "", "", "", // security, JWKS URI, algorithm, key choice, no key file, userinfo
		"", "", "0", "y", // review; not submitted; no ticks; write anyway
	}, "\n") + "\n"
	var out bytes.Buffer
	if _, err := RunAccessible(context.Background(), Options{Config: filled(), OutDir: t.TempDir(), Now: fixedNow},
		strings.NewReader(answers), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Put your CIS2 Authentication integration live",
		"the path of your signing key file",
		"Step 1 of 9 · Organisation and client", "Step 2 of 9 · Redirect URIs", "Step 5 of 9 · Private key JWT",
		"Step 7 of 9 · Review", "Step 8 of 9 · Offline checks", "Step 9 of 9 · Go-live checklist",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if len([]rune(l)) > 80 && len(strings.Fields(l)) > 1 {
			t.Errorf("line of %d columns: %q", len([]rune(l)), l)
		}
	}
	if t.Failed() {
		t.Log(out.String())
	}
}

// TestAccessibleWarnsAsYouAnswer: an email address with a display name is accepted (a
// warning, not an error) and said at once, under the question, without the YAML key or advice
// meant for NHS staff.
func TestAccessibleWarnsAsYouAnswer(t *testing.T) {
	answers := "Acme Health Ltd\nAcme EPR\nOps <ops@acme-health.co.uk>\n\n"
	var out bytes.Buffer
	_, err := RunAccessible(context.Background(), Options{OutDir: t.TempDir(), Now: fixedNow}, strings.NewReader(answers), &out)
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := said(out.String())
	want := "Warning: not a plain email address (fix: write one address, such as ops@your-company.co.uk, with no name or brackets) Assigned by CIS2" // before the next question
	if !strings.Contains(got, want) {
		t.Fatalf("no inline warning after the email question:\n%s", out.String())
	}
	if strings.Contains(got, "contact_email") || strings.Contains(got, "nhs.uk") {
		t.Fatalf("the warning names the YAML key or an NHS address:\n%s", out.String())
	}
}

// TestContactWarningUnderItsQuestion: on the full-screen organisation step the same warning
// names its question, not the YAML key, so it does not read as being about the client id.
func TestContactWarningUnderItsQuestion(t *testing.T) {
	h := newHarness(t, Options{})
	h.keys("enter")
	h.typ("Acme Health Ltd")
	h.keys("enter")
	h.typ("Acme EPR")
	h.keys("enter")
	h.typ("Ops <ops@acme-health.co.uk>")
	h.wantView("! Contact email: not a plain email address", "fix: write one address, such as ops@your-company.co.uk")
	if strings.Contains(h.view(), "contact_email") {
		t.Fatalf("the YAML key on screen:\n%s", h.view())
	}
}

// TestAccessibleStopsPromptingOnCtrlC: once Ctrl+C ends the context, no further prompt is
// printed (huh would print every remaining question of a group, answering each empty).
func TestAccessibleStopsPromptingOnCtrlC(t *testing.T) {
	var out string
	err := stopAfter(t, func(ctx context.Context, in io.Reader, w io.Writer) error {
		sb := &syncBuffer{}
		defer func() { out = sb.String() }()
		_, err := RunAccessible(ctx, Options{OutDir: t.TempDir(), Now: fixedNow}, in, io.MultiWriter(w, sb))
		return err
	}, "Acme Health Ltd\n", "Product")
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("want cancelled, got %v", err)
	}
	for _, later := range []string{"Contact email", "Client id", "Redirect URI"} {
		if strings.Contains(out, later) {
			t.Errorf("%q was still asked after Ctrl+C:\n%s", later, out)
		}
	}
}

// TestAccessibleChecklistShowsWhatTheFileTicks: with a submission date, the accessible
// checklist shows "submitted" ticked, as the written file does, and does not offer to untick it.
func TestAccessibleChecklistShowsWhatTheFileTicks(t *testing.T) {
	dir := t.TempDir()
	answers := strings.Join([]string{
		"", "", "", "", "", "", "", "", // organisation … logout: kept
		"", "", "", "", "", "", // security … userinfo
		"",           // review
		"2026-11-02", // submitted
		"0", "y",     // no ticks; write anyway
	}, "\n") + "\n"
	var out bytes.Buffer
	if _, err := RunAccessible(context.Background(), Options{Config: filled(), OutDir: dir, Now: fixedNow},
		strings.NewReader(answers), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(said(out.String()), "[x] Production configuration submitted to NHS England on 2026-11-02 (from the submission date)") {
		t.Errorf("the accessible checklist does not show the submission ticked:\n%s", out.String())
	}
	ck, err := os.ReadFile(filepath.Join(dir, ChecklistFile))
	if err != nil || !strings.Contains(string(ck), "- [x] Production configuration submitted to NHS England on 2026-11-02") {
		t.Fatalf("checklist file: %v\n%s", err, ck)
	}
}

// TestReviewShowsTheREADMEExampleInFull: the review of examples/production.yaml at 80x24
// shows its whole back-channel logout URI (it was cut at "backchannel-l…"), and so every
// value; the view is a golden.
func TestReviewShowsTheREADMEExampleInFull(t *testing.T) {
	cfg, _, err := model.Load("../examples/production.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Options{Config: cfg})
	h.jump(stateReview)
	v := h.view()
	fits(t, v, 80, 24)
	if strings.Contains(v, "…") {
		t.Fatalf("a value is cut:\n%s", v)
	}
	h.wantView("Back-channel logout https://epr.acme-health.co.uk/auth/cis2/", "backchannel-logout",
		"Security pattern    Private key JWT")
	golden.RequireEqual(t, render(t, h))

	// At 60x20 the URIs still differ where they differ: nothing is cut there either.
	h.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	fits(t, h.view(), 60, 20)
	body := h.view()[:strings.LastIndex(h.view(), "\n")] // the footer may shorten its keys
	if strings.Contains(body, "…") {
		t.Fatalf("a value is cut at 60 columns:\n%s", h.view())
	}
}

// TestReviewMarksTheRowAWarningIsAbout: a warning (here the contact email's) marks its row
// "!", so the headline's count can be traced to a row.
func TestReviewMarksTheRowAWarningIsAbout(t *testing.T) {
	cfg := filled()
	cfg.ContactEmail = "Ops <ops@acme-health.co.uk>"
	h := newHarness(t, Options{Config: cfg})
	h.jump(stateReview)
	h.wantView("1 warning", "Contact email       ! Ops <ops@acme-health.co.uk>", "! to check")
}

// TestChecksScreenSaysWhatRAndRDid: r and R finish faster than a frame on local checks; the
// screen says what was re-run and when, so the key visibly did something. Under --offline the
// step is called what it is.
func TestChecksScreenSaysWhatRAndRDid(t *testing.T) {
	h := newHarness(t, Options{Config: filled()})
	h.jump(stateChecks)
	h.wantView("Step 8 of 9 · Offline checks")
	if strings.Contains(h.view(), "Live checks") {
		t.Fatalf("an offline run is called live:\n%s", h.view())
	}
	h.keys("r")
	h.wantView("re-ran config.environment for environment at 09:30:00: pass")
	h.keys("R")
	h.wantView("re-ran all 7 checks at 09:30:00")

	live := newHarness(t, Options{Config: filled(), Plan: failingPlan(model.Pass)})
	live.jump(stateChecks)
	live.wantView("Step 8 of 9 · Live checks")
}

// TestLogoutRefusalSaidOnce: a refused logout URI is said under its field once, not again in
// the findings below the form.
func TestLogoutRefusalSaidOnce(t *testing.T) {
	h := newHarness(t, Options{Config: filled()})
	h.jump(stateLogout)
	h.keys("ctrl+u")
	h.typ("https://203.0.113.9/logout")
	h.keys("enter")
	h.wantState(stateLogout)
	if n := strings.Count(h.view(), "needs a public DNS name"); n != 1 {
		t.Fatalf("the refusal is said %d times:\n%s", n, h.view())
	}
}

// TestWrapKeepsIndentAndURLs: a long message wraps under its own text, its "fix:" under the
// fix, and a URL moves whole to the next line rather than being split at its slashes.
func TestWrapKeepsIndentAndURLs(t *testing.T) {
	url := "https://epr.acme-health.co.uk/auth/cis2/backchannel-logout"
	got := wrap("✗ the logout endpoint answered 200 to a forged token, see "+url+"\n  fix: verify the token signature against the CIS2 JWKS and answer 400 to every token that fails it", 60)
	lines := strings.Split(got, "\n")
	want := []string{
		"✗ the logout endpoint answered 200 to a forged token, see",
		"  " + url,
		"  fix: verify the token signature against the CIS2 JWKS and",
		"       answer 400 to every token that fails it",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// TestCtrlCOnWelcomeSavesNothing: stopped before any answer, the wizard says no draft was
// saved (it claimed "Your answers so far are in …draft.yaml", a file that did not exist).
func TestCtrlCOnWelcomeSavesNothing(t *testing.T) {
	draft := filepath.Join(t.TempDir(), "draft.yaml")
	err := runStopped(t, Options{DraftPath: draft, Now: fixedNow}, "", "Have ready")
	var se *StopError
	if !errors.As(err, &se) || se.Saved {
		t.Fatalf("want a StopError with nothing saved, got %#v", err)
	}
	if _, err := os.Stat(draft); err == nil {
		t.Fatal("a draft was written although nothing was answered")
	}
}
