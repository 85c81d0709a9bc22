package ui

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sandbox"
)

// These run the checks screen against the sandbox: a fake relying party and CIS2 on
// 127.0.0.1 with their own CA and made-up names that its resolver maps to loopback only.

// sandboxOptions wires the wizard's live checks to sb the way `demo` does.
func sandboxOptions(t *testing.T, sb *sandbox.Sandbox) Options {
	t.Helper()
	cfg := sb.Config()
	key, err := sb.WriteKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// No fault here ever hangs, so a long timeout costs nothing; a short one let a loaded
	// machine time out the JWKS fetch a test holds on purpose.
	live := checks.Options{
		Timeout: 2 * time.Minute, Resolver: sb.Resolver(), RootCAs: sb.RootCAs(), AllowPrivate: true,
		Discovery: sb.DiscoveryURL(), ProbeTokenEndpoint: true,
	}
	return Options{
		Config:       &cfg,
		KeyPath:      key,
		CheckOptions: live,
		Plan: func(cfg *model.Config, keyPath string) []checks.Check {
			o := live
			o.KeyPath = keyPath
			return checks.Plan(cfg, o)
		},
	}
}

func startSandbox(t *testing.T, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// lineOf is the view's line naming id (and target, when given).
func lineOf(view, id, target string) string {
	for _, l := range strings.Split(view, "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "re-ran") || strings.HasPrefix(t, "re-running") {
			continue // the note of what r did, not the check's row
		}
		if strings.Contains(l, " "+id+" ") && strings.Contains(l, target) {
			return l
		}
	}
	return ""
}

// TestChecksScreenRunsOfflineAndLive: entering the screen draws every check at once, none
// with a result yet; then every offline and live check passes against the sandbox, and the
// checklist gets the full run.
func TestChecksScreenRunsOfflineAndLive(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	opts := sandboxOptions(t, sb)
	h := newHarness(t, opts)
	h.send(tea.WindowSizeMsg{Width: 100, Height: 60}) // every line on screen at once

	// Update alone, before any command runs: every line is there, every one running.
	_, cmd := h.r.Update(gotoMsg{to: stateChecks})
	s := h.r.screens[stateChecks].(*checksScreen)
	n := len(s.list)
	if n < 15 {
		t.Fatalf("only %d checks planned", n)
	}
	v := h.view()
	for _, id := range []string{"config.redirect_uris", checks.IDResolve, checks.IDTLS, checks.IDBCL, checks.IDJWKSFetch, checks.IDAssertion} {
		if l := lineOf(v, id, ""); l == "" || strings.Contains(l, "pass") {
			t.Errorf("%s: want a running line, got %q\n%s", id, l, v)
		}
	}
	h.wantView("0 passed", "running")

	for _, m := range h.run(cmd) {
		h.send(m)
	}
	h.wantView("0 warnings · 0 failed · 0 skipped")
	if strings.Contains(h.view(), "running") {
		t.Fatalf("still running:\n%s", h.view())
	}
	got := map[string]bool{}
	for _, r := range h.r.s.results {
		if r.Status != model.Pass {
			t.Errorf("%s %s: %s %s", r.ID, r.Target, r.Status, r.Message)
		}
		got[r.ID] = true
	}
	for _, id := range []string{"config.redirect_uris", checks.IDResolve, checks.IDTLS, checks.IDReachable, checks.IDBCL,
		checks.IDJWKSFetch, checks.IDJWKSPublic, checks.IDJWKSLint, checks.IDJWKSAlgMatch, checks.IDAssertion,
		checks.IDCIS2Algs, checks.IDTokenProbe} {
		if !got[id] {
			t.Errorf("no %s result", id)
		}
	}
	if len(h.r.s.results) != n {
		t.Fatalf("%d results for %d checks", len(h.r.s.results), n)
	}
}

// TestChecksScreenKeyPrompt: without a key the assertion check is skipped; k sets the path
// and the checks run again with it.
func TestChecksScreenKeyPrompt(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})
	opts := sandboxOptions(t, sb)
	key := opts.KeyPath
	opts.KeyPath = ""
	h := newHarness(t, opts)
	h.send(tea.WindowSizeMsg{Width: 100, Height: 60})
	h.send(gotoMsg{to: stateChecks})
	h.wantView("key file: none")
	if l := lineOf(h.view(), checks.IDAssertion, ""); !strings.Contains(l, "skip") {
		t.Fatalf("assertion without a key: %q", l)
	}
	h.keys("k")
	h.wantView("Path of the private key")
	h.paste("-----BEGIN PRIVATE KEY-----")
	h.keys("enter")
	h.wantView("Path of the private key", "not the key itself") // a pasted key is refused and cleared
	if h.r.s.draft.KeyPath != "" {
		t.Fatalf("key path = %q", h.r.s.draft.KeyPath)
	}
	notKey := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(notKey, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.typ(notKey) // a file, not a key: refused where it is typed
	h.keys("enter")
	h.wantWrapped("no PEM private key found")
	if h.r.s.draft.KeyPath != "" {
		t.Fatalf("key path = %q", h.r.s.draft.KeyPath)
	}
	h.keys("ctrl+u")
	h.typ(key)
	h.keys("enter")
	if h.r.s.draft.KeyPath != key {
		t.Fatalf("key path = %q, want %q", h.r.s.draft.KeyPath, key)
	}
	h.wantView("key file: "+key, "0 failed · 0 skipped")
	if l := lineOf(h.view(), checks.IDAssertion, ""); !strings.Contains(l, "pass") {
		t.Fatalf("assertion with the key: %q\n%s", l, h.view())
	}
}

// TestChecksScreenStreamsResults runs the real program: the sandbox holds its JWKS until the
// test lets go, so the other lines finish while the JWKS lines still spin; then they pass
// too. r re-runs the line under the cursor against the endpoint again.
func TestChecksScreenStreamsResults(t *testing.T) {
	release := make(chan struct{})
	jwksHits := make(chan struct{}, 100)
	sb := startSandbox(t, sandbox.Options{Wrap: func(e sandbox.Endpoint, h http.Handler) http.Handler {
		if e != sandbox.JWKS {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			jwksHits <- struct{}{}
			select {
			case <-release:
				h.ServeHTTP(w, r)
			case <-r.Context().Done():
			}
		})
	}})
	tm := startProbedSized(t, sandboxOptions(t, sb), 100, 60) // every line on screen at once
	tm.Send(gotoMsg{to: stateChecks})

	// The redirect URI's TLS line passes while the JWKS fetch is held.
	waitView(t, tm, func(v string) bool {
		return strings.Contains(lineOf(v, checks.IDTLS, "redirect_uris[0]"), "✓ pass") &&
			lineOf(v, checks.IDJWKSFetch, "") != "" && !strings.Contains(lineOf(v, checks.IDJWKSFetch, ""), "pass") &&
			strings.Contains(v, "running")
	})
	close(release)
	waitView(t, tm, func(v string) bool {
		return strings.Contains(v, "0 failed · 0 skipped") && !strings.Contains(v, "running") &&
			strings.Contains(lineOf(v, checks.IDJWKSFetch, ""), "✓ pass")
	})

	// Move to jwks.fetch and re-run it: it asks the server again.
	for len(jwksHits) > 0 {
		<-jwksHits
	}
	view := probeView(t, tm)
	lines := strings.Split(view, "\n")
	moves := 0
	for _, l := range lines {
		if strings.Contains(l, " "+checks.IDJWKSFetch+" ") {
			break
		}
		if strings.Contains(l, " pass ") {
			moves++
		}
	}
	for range moves {
		press(tm, "down")
	}
	waitView(t, tm, func(v string) bool { return strings.Contains(lineOf(v, checks.IDJWKSFetch, ""), "▸") })
	press(tm, "r")
	select {
	case <-jwksHits:
	case <-time.After(20 * time.Second):
		t.Fatal("re-run did not fetch the JWKS again")
	}
	waitView(t, tm, func(v string) bool {
		return !strings.Contains(v, "running") && strings.Contains(lineOf(v, checks.IDJWKSFetch, ""), "✓ pass")
	})
	tm.Quit()
	tm.WaitFinished(t, teatest.WithFinalTimeout(20*time.Second))
}

// TestCreateKeyOnPKJScreen: "I don't have a key yet" writes a key pair with package keys,
// says where each file went and sets the key path the assertion check uses.
func TestCreateKeyOnPKJScreen(t *testing.T) {
	out := t.TempDir()
	cfg := filled()
	h := newHarness(t, Options{Config: cfg, OutDir: out})
	h.send(gotoMsg{to: statePKJ})
	h.r.hasReturn = false    // walk on to the next screen, not back to where the jump came from
	h.keys("enter", "enter") // JWKS URI, algorithm (RS512)
	h.wantView("I don't have a key yet: create one")
	h.keys("down", "enter")
	h.wantView("Create the key pair in this directory", filepath.Join(out, "keys"))
	h.keys("enter")

	h.wantView("Created a 2048-bit RSA key pair for RS512", "never leaves the server",
		"Publish this file at https://epr.acme-health.co.uk/jwks.json")
	kp := h.r.s.draft.KeyPath
	if filepath.Dir(kp) != filepath.Join(out, "keys") || !strings.HasSuffix(kp, ".pem") {
		t.Fatalf("key path = %q", kp)
	}
	info, err := os.Stat(kp)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v %v", info, err)
	}
	data, err := os.ReadFile(filepath.Join(out, "keys", "jwks.json"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := keys.ParseSet(data)
	if err != nil || len(set.Keys) != 1 || set.Keys[0].HasPrivate() || set.Keys[0].Alg != "RS512" {
		t.Fatalf("jwks.json: %v\n%s", err, data)
	}
	v := h.view()
	if !strings.Contains(strings.ReplaceAll(v, "\n  ", ""), filepath.Base(kp)) {
		t.Fatalf("view does not name the key file:\n%s", v)
	}
	if strings.Contains(v, "PRIVATE KEY") {
		t.Fatal("key material on screen")
	}
	h.keys("enter")
	h.wantState(stateUserinfo)

	// Back on the screen, the new key is the file in use; creating again in the same
	// directory is refused (jwks.json exists) and says so.
	h.keys("esc")
	h.wantState(statePKJ)
	h.keys("enter", "enter", "enter")
	h.wantView("Private key file (optional)", "> "+kp[:20]) // prefilled with the new key
	h.keys("shift+tab", "down", "enter")
	h.wantView("Create the key pair in this directory")
	h.keys("enter")
	// wraps where the temp path's length puts it; asked again in place, naming no CLI flag
	h.wantWrapped("jwks.json already exists (existing keys are never overwritten): choose another directory",
		"> "+filepath.Join(out, "keys"))
	if strings.Contains(h.view(), "-o DIR") {
		t.Fatalf("the wizard names a command-line flag:\n%s", h.view())
	}
	h.wantState(statePKJ)
	if h.r.s.draft.KeyPath != kp {
		t.Fatalf("key path changed to %q", h.r.s.draft.KeyPath)
	}
	h.typ("2")
	h.keys("enter")
	h.wantView("Created a 2048-bit RSA key pair for RS512")
	if filepath.Dir(h.r.s.draft.KeyPath) != filepath.Join(out, "keys2") {
		t.Fatalf("the second key went to %q", h.r.s.draft.KeyPath)
	}
}

// TestKeyFileMustBeAPrivateKey: a file that is not a PEM private key (/etc/passwd was
// accepted, then "chmod 600 /etc/passwd" advised) is refused where it is typed, in both
// wizards, and asked for again; a real key readable by others says chmod; a good key passes.
func TestKeyFileMustBeAPrivateKey(t *testing.T) {
	dir := t.TempDir()
	notKey := filepath.Join(dir, "passwd")
	if err := os.WriteFile(notKey, []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := keys.WriteNew(filepath.Join(dir, "k"), "RS512", 2048, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Options{Config: filled(), OutDir: dir})
	h.jump(statePKJ)
	h.keys("enter", "enter", "enter") // JWKS URI, algorithm, "I have a key file"
	h.typ(notKey)
	h.keys("enter")
	h.wantWrapped("no PEM private key found")
	h.wantState(statePKJ)
	if strings.Contains(h.view(), "chmod") {
		t.Fatalf("chmod advised for a file that is not a key:\n%s", h.view())
	}
	h.keys("ctrl+u")
	h.typ(files.KeyPath)
	h.keys("enter")
	h.wantState(stateUserinfo)

	answers := strings.Join([]string{
		"", "", "", "", "", "", "", "", "", // organisation … security pattern: kept
		"", "", "", // JWKS URI, algorithm, "I have a key file"
		notKey,        // refused
		files.KeyPath, // accepted
		"",            // userinfo
	}, "\n") + "\n"
	var out bytes.Buffer
	_, err = RunAccessible(context.Background(), Options{Config: filled(), OutDir: dir, Now: fixedNow}, strings.NewReader(answers), &out)
	if !errors.Is(err, ErrCancelled) { // the answers end at the review
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(said(out.String()), notKey+": no PEM private key found") || strings.Contains(said(out.String()), "chmod") {
		t.Fatalf("accessible mode took the file:\n%s", out.String())
	}
}

// TestPlaceholdersReadAsExamples: an empty field's hint must not look like an answer in a
// terminal without colour.
func TestPlaceholdersReadAsExamples(t *testing.T) {
	h := newHarness(t, Options{})
	h.send(gotoMsg{to: stateOrg})
	h.wantView("e.g. Acme Health Ltd", "e.g. Acme EPR", "e.g. cis2@acme-health.co.uk")
	h.send(gotoMsg{to: stateRedirects})
	h.wantView("e.g. https://your-service.example.nhs.uk/auth/callback")
}

// TestKeyFileCheckedOnPgDn: pgdn moves on only after the same check as enter: a file that is
// not a PEM private key is refused there too, first typed or asked again.
func TestKeyFileCheckedOnPgDn(t *testing.T) {
	dir := t.TempDir()
	notKey := filepath.Join(dir, "passwd")
	if err := os.WriteFile(notKey, []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := keys.WriteNew(filepath.Join(dir, "k"), "RS512", 2048, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Options{Config: filled(), OutDir: dir})
	h.jump(statePKJ)
	h.keys("enter", "enter", "enter") // JWKS URI, algorithm, "I have a key file"
	h.typ(notKey)
	h.keys("pgdown")
	h.wantState(statePKJ)
	h.wantWrapped("no PEM private key found")
	h.keys("pgdown") // asked again, unchanged
	h.wantState(statePKJ)
	h.wantWrapped("no PEM private key found")
	h.keys("ctrl+u")
	h.typ(files.KeyPath)
	h.keys("pgdown")
	h.wantState(stateUserinfo)
}
