package ui

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

// These drive the real bubbletea program at 80x24 by keystrokes (teatest v2). They wait for
// text on the screen before each step, as a person would; the waits bound a hang, they do not
// time anything.

func startProgram(t *testing.T, opts Options) *teatest.TestModel {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	root := NewRoot(opts)
	t.Cleanup(root.WaitSaves) // before TempDir's cleanup (cleanups run last first)
	return teatest.NewTestModel(t, root,
		teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
}

func waitFor(t *testing.T, tm *teatest.TestModel, subs ...string) {
	t.Helper()
	var seen bytes.Buffer
	teatest.WaitFor(t, io.TeeReader(tm.Output(), &seen), func(b []byte) bool {
		for _, s := range subs {
			if !bytes.Contains(b, []byte(s)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func press(tm *teatest.TestModel, names ...string) {
	for _, n := range names {
		tm.Send(keyMsg(n))
	}
}

// answerOrg passes the organisation screen, prefilled as by --config, with the forward key.
// (Typing into several huh fields is covered by the Update-level flow test: huh moves focus
// in a command, and a terminal diff renderer gives no reliable text to wait on between fields.)
func answerOrg(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	waitFor(t, tm, "Acme EPR")
	press(tm, "pgdown")
	waitFor(t, tm, "Add a redirect URI")
}

var orgOnly = &model.Config{Organisation: "Acme Health Ltd", Product: "Acme EPR"}

func TestEndToEndAt80x24(t *testing.T) {
	out := t.TempDir()
	tm := startProgram(t, Options{Config: orgOnly, OutDir: out, DraftPath: filepath.Join(t.TempDir(), "d.yaml")})
	waitFor(t, tm, "Put your CIS2")
	press(tm, "enter")
	answerOrg(t, tm)

	tm.Type("http://epr.acme-health.co.uk/cb") // invalid in production
	press(tm, "enter")
	waitFor(t, tm, "not allowed")
	press(tm, "ctrl+u")
	tm.Type("https://epr.acme-health.co.uk/cb")
	press(tm, "enter")
	waitFor(t, tm, "URI 1 added")
	tm.Send(tea.PasteMsg{Content: "https://admin.acme-health.co.uk/cb\nhttps://typo.acme-health.co.uk/x"})
	waitFor(t, tm, "pasted 2 URIs")
	press(tm, "up", "e", "ctrl+u")
	tm.Type("https://reports.acme-health.co.uk/cb")
	press(tm, "enter")
	waitFor(t, tm, "URI 3 updated")
	press(tm, "enter")
	waitFor(t, tm, "Back-channel logout URI")

	press(tm, "esc") // back to the URIs, then on again
	waitFor(t, tm, "reports.acme-health")
	press(tm, "enter")
	waitFor(t, tm, "Back-channel logout URI")
	tm.Type("https://epr.acme-health.co.uk/logout")
	press(tm, "enter")
	waitFor(t, tm, "How does your service")
	press(tm, "down", "enter") // client secret
	waitFor(t, tm, "sign userinfo")
	press(tm, "enter") // no
	waitFor(t, tm, "Continue to the checks")
	press(tm, "enter")
	waitFor(t, tm, "passed")
	press(tm, "enter")
	waitFor(t, tm, "Write files and finish")
	for range 12 {
		press(tm, "down")
	}
	press(tm, "enter")
	waitFor(t, tm, "anyway?") // offline: the live checks did not run
	press(tm, "y")

	final := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(*Root)
	if !final.Finished() {
		t.Fatal("not finished")
	}
	want := model.Config{
		Environment: model.Production, Organisation: "Acme Health Ltd", Product: "Acme EPR",
		RedirectURIs: []string{"https://epr.acme-health.co.uk/cb", "https://admin.acme-health.co.uk/cb",
			"https://reports.acme-health.co.uk/cb"},
		BackchannelLogoutURI:    "https://epr.acme-health.co.uk/logout",
		TokenEndpointAuthMethod: model.ClientSecretBasic,
	}
	if got := final.Config(); !reflect.DeepEqual(got, want) {
		t.Fatalf("config:\n got %+v\nwant %+v", got, want)
	}
	if len(final.s.written) != 4 {
		t.Fatalf("written: %v", final.s.written)
	}
}

// TestKillAndResume kills the program mid-flow; a new one offers the draft and resumes with
// every answered field.
func TestKillAndResume(t *testing.T) {
	draft := filepath.Join(t.TempDir(), "draft.yaml")
	tm := startProgram(t, Options{Config: orgOnly, DraftPath: draft})
	waitFor(t, tm, "Put your CIS2")
	press(tm, "enter")
	answerOrg(t, tm)
	tm.Send(tea.PasteMsg{Content: "https://epr.acme-health.co.uk/cb\nhttps://admin.acme-health.co.uk/cb"})
	press(tm, "enter")
	waitFor(t, tm, "Back-channel logout URI")
	tm.Type("https://epr.acme-health.co.uk/logout")
	press(tm, "enter")
	waitFor(t, tm, "How does your service")
	// Stop the program the way a kill would leave things: only what is on disk survives.
	// The root writes nothing at exit, so once the draft holds the last answer, quitting and
	// killing leave the same file.
	waitForFile(t, draft, "step: security")
	tm.Quit()
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	d, err := model.LoadDraft(draft)
	if err != nil || d == nil {
		t.Fatalf("draft after kill: %v, %v", d, err)
	}
	tm2 := startProgram(t, Options{DraftPath: draft, Draft: d})
	waitFor(t, tm2, "Resume it: Acme Health Ltd")
	press(tm2, "enter")
	waitFor(t, tm2, "How does your service")
	press(tm2, "ctrl+c", "y")
	got := tm2.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Root).Config()
	want := model.Config{
		Environment: model.Production, Organisation: "Acme Health Ltd", Product: "Acme EPR",
		RedirectURIs:            []string{"https://epr.acme-health.co.uk/cb", "https://admin.acme-health.co.uk/cb"},
		BackchannelLogoutURI:    "https://epr.acme-health.co.uk/logout",
		TokenEndpointAuthMethod: model.PrivateKeyJWT, // the security screen's default, shown
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("resumed:\n got %+v\nwant %+v", got, want)
	}
}

// waitForFile waits until path contains sub (autosaves run in the background).
func waitForFile(t *testing.T, path, sub string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), sub) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, err := os.ReadFile(path)
	t.Fatalf("%s never contained %q (%v):\n%s", path, sub, err, b)
}

// probed wraps the root so a test can ask the running program for its current view: the
// question travels through the program's own message loop, so reading the view never races
// with Update. Waiting on the view rather than on the output stream does not depend on how
// the renderer split, diffed or skipped frames, which varies with load.
type probed struct{ *Root }

// viewProbe asks for the view, as plain text, on its channel.
type viewProbe chan string

// jumpTo moves the running program to a screen, as if the user had walked there.
type jumpTo state

func (p probed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ch, ok := msg.(viewProbe); ok {
		ch <- ansi.Strip(p.render())
		return p, nil
	}
	if s, ok := msg.(jumpTo); ok {
		return p, p.goTo(state(s))
	}
	_, cmd := p.Root.Update(msg)
	return p, cmd
}

// startProbedSized starts the program at a given terminal size. The size must be the
// program's initial one: a WindowSizeMsg sent after start can be overtaken by teatest's own
// initial-size message and undone.
func startProbedSized(t *testing.T, opts Options, w, h int) *teatest.TestModel {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	root := NewRoot(opts)
	t.Cleanup(root.WaitSaves)
	return teatest.NewTestModel(t, probed{root},
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
}

// probeView is the running program's current view.
func probeView(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	ch := make(viewProbe, 1)
	tm.Send(ch)
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatal("the program did not answer a view probe")
	}
	return ""
}

// waitView polls the view until ok accepts it; the bound only stops a hang.
func waitView(t *testing.T, tm *teatest.TestModel, ok func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second) // generous: CI machines are small and shared
	for {
		v := probeView(t, tm)
		if ok(v) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("view never matched:\n%s", v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
