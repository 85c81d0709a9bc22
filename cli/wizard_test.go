package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/ui"
)

func TestWizardWithoutTerminal(t *testing.T) {
	for _, args := range [][]string{{}, {"wizard"}, {"wizard", "--config", "examples/production.yaml"}} {
		for _, tty := range []struct{ in, out bool }{{false, false}, {true, false}, {false, true}} {
			ios, _, out, errOut := Test()
			ios.SetTTY(tty.in, tty.out)
			code := Run(context.Background(), args, ios, BuildInfo{})
			if code != ExitUsage {
				t.Errorf("%v tty=%+v: exit %d, want %d", args, tty, code, ExitUsage)
			}
			if !strings.Contains(errOut.String(), "check --config FILE") {
				t.Errorf("%v: stderr does not name check --config FILE: %q", args, errOut.String())
			}
			if out.Len() != 0 {
				t.Errorf("%v: stdout not empty: %q", args, out.String())
			}
		}
	}
}

func TestWizardLiveFlags(t *testing.T) {
	code, _, stderr := runCLI(t, "wizard", "--timeout", "0s")
	if code != ExitUsage || !strings.Contains(stderr, "--timeout must be positive") {
		t.Fatalf("--timeout 0: exit %d, %q", code, stderr)
	}

	// --offline: the checks screen runs the offline rules only.
	var uo ui.Options
	if err := (&WizardOptions{LiveFlags: LiveFlags{Offline: true, Timeout: time.Second, KeyPath: "k.pem"}}).liveChecks(&uo); err != nil {
		t.Fatal(err)
	}
	if uo.Plan != nil || uo.KeyPath != "k.pem" || uo.CheckOptions.Timeout != time.Second {
		t.Fatalf("offline: %+v", uo)
	}

	// --ca-cert that is not PEM is a usage error naming the flag.
	bad := writeFile(t, "ca.pem", "not a certificate")
	err := (&WizardOptions{LiveFlags: LiveFlags{Timeout: time.Second, CACertPath: bad}}).liveChecks(&uo)
	if err == nil || exitCode(err) != ExitUsage || !strings.Contains(err.Error(), "--ca-cert") {
		t.Fatalf("bad --ca-cert: %v", err)
	}

	// Live: checks.Plan with the flags, and the key path the wizard passes in.
	uo = ui.Options{}
	if err := (&WizardOptions{LiveFlags: LiveFlags{Timeout: 3 * time.Second, AllowPrivate: true}}).liveChecks(&uo); err != nil {
		t.Fatal(err)
	}
	if uo.Plan == nil || !uo.CheckOptions.AllowPrivate || uo.CheckOptions.Timeout != 3*time.Second {
		t.Fatalf("live: %+v", uo.CheckOptions)
	}
	cfg := &model.Config{
		Environment: model.Production, RedirectURIs: []string{"https://rp.example.test/cb"},
		TokenEndpointAuthMethod: model.PrivateKeyJWT, JWKSURI: "https://rp.example.test/jwks.json",
		TokenEndpointAuthSigningAlg: "RS256",
	}
	ids := map[string]bool{}
	for _, c := range uo.Plan(cfg, "") {
		ids[c.ID] = true
	}
	for _, id := range []string{checks.IDResolve, checks.IDTLS, checks.IDJWKSFetch, checks.IDAssertion} {
		if !ids[id] {
			t.Errorf("plan lacks %s: %v", id, ids)
		}
	}
}

// TestDemoWithoutTerminalPrintsReport: the wizard only takes over on a terminal.
func TestDemoWithoutTerminalPrintsReport(t *testing.T) {
	code, stdout, _ := runCLI(t, "demo", "--dir", t.TempDir())
	if code != ExitOK || !strings.Contains(stdout, "assertion.sign-verify") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
}

// TestDemoWizardVersionAndExit walks the demo's wizard (accessible prompts, so plain lines
// drive it) against the sandbox. It records the build's version, as `submission` does, and
// exits 0 only when every check passed: with a fault the wizard asks before writing, and its
// default (no) writes nothing and exits 1.
func TestDemoWizardVersionAndExit(t *testing.T) {
	for _, tc := range []struct {
		name, version, want string
		faults              []string
		code                int
	}{
		{name: "all pass", version: "1.2.3", want: "1.2.3", code: ExitOK},
		{name: "no version", version: "", want: "unknown", code: ExitOK},
		{name: "failing", version: "1.2.3", faults: []string{"jwks-private"}, code: ExitFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, out, errOut := Test()
			// Enter keeps each prefilled answer, up to the checklist question, which takes
			// blank lines as invalid until "0" ends it; the rest answer "write anyway?" (no).
			// Finite input: a loop on a refused answer ends as a cancelled wizard, never a hang.
			ios.In = strings.NewReader("Acme Health Ltd\nAcme EPR\nops@acme-health.co.uk\n" + strings.Repeat("\n", 30) + "0\n" + strings.Repeat("\n", 5))
			ios.SetTTY(true, true)
			ios.environ = []string{"ACCESSIBLE=1"}
			dir := t.TempDir()
			args := []string{"demo", "--dir", dir}
			for _, f := range tc.faults {
				args = append(args, "--fault", f)
			}
			code := Run(context.Background(), args, ios, BuildInfo{Version: tc.version})
			if strings.Contains(errOut.String(), "enter the") {
				t.Fatalf("an answer was refused:\n%s", errOut.String())
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, errOut.String())
			}
			js, err := os.ReadFile(filepath.Join(dir, report.SubmissionJSONFile))
			if tc.code == ExitFailed {
				if err == nil || out.Len() != 0 {
					t.Fatalf("files written although the default answer is no: %q", out.String())
				}
				for _, s := range []string{"check failed: NHS would deploy a configuration that does not work. Write the files anyway? [y/N]",
					"Not written: 1 check failed."} {
					if !strings.Contains(flat(errOut.String()), s) { // prompts wrap at 80 columns
						t.Fatalf("stderr lacks %q:\n%s", s, errOut.String())
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(js), `"tool_version": "`+tc.want+`"`) {
				t.Fatalf("submission:\n%s", js)
			}
			if strings.Contains(errOut.String(), "anyway") {
				t.Fatalf("asked although every check passed:\n%s", errOut.String())
			}
			// What stays in the terminal: what was written and what for, the earliest go-live
			// date, the next steps.
			for _, want := range []string{"✓ Written to " + dir + ", every check passed:", "cis2-production-config.md",
				"the same, to paste into the onboarding form", "Earliest go-live:", "Next:", "Send cis2-production-config.md"} {
				if !strings.Contains(flat(out.String()), want) { // wrapped at 80 columns
					t.Errorf("the summary lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// TestStoppedMessageSaysWhatWasKept: stopped before any answer, the wizard does not point to
// a draft that was never written; with answers saved it does; with an older draft it says
// that one is unchanged.
func TestStoppedMessageSaysWhatWasKept(t *testing.T) {
	uo := ui.Options{DraftPath: "/home/me/.config/cis2-golive/draft.yaml"}
	if got := stoppedMessage(&ui.StopError{}, uo); got != "Stopped before any answer; nothing was saved." {
		t.Errorf("nothing answered: %q", got)
	}
	if got := stoppedMessage(&ui.StopError{Saved: true}, uo); !strings.Contains(flat(got), "Your answers so far are in "+uo.DraftPath) {
		t.Errorf("answers saved: %q", got)
	}
	uo.Draft = &model.Draft{}
	if got := stoppedMessage(&ui.StopError{}, uo); !strings.Contains(flat(got), "Your saved draft in "+uo.DraftPath+" is unchanged") {
		t.Errorf("an older draft: %q", got)
	}
}

// TestStoppedMessageWrapsAtSpaces: the message left in the terminal breaks between words at
// 80 columns, not mid-word where the terminal would ("run cis2-golive ag|ain").
func TestStoppedMessageWrapsAtSpaces(t *testing.T) {
	uo := ui.Options{DraftPath: "/tmp/qa/d1/draft.yaml"}
	for _, err := range []error{&ui.StopError{Saved: true}, &ui.DraftError{Path: uo.DraftPath, Err: errors.New("read-only file system")}} {
		got := stoppedMessage(err, uo)
		for _, l := range strings.Split(got, "\n") {
			if len(l) > 80 {
				t.Errorf("line of %d columns: %q", len(l), l)
			}
		}
		if !strings.Contains(flat(got), "run cis2-golive again") && !strings.Contains(flat(got), "use --draft FILE") {
			t.Errorf("message lost words: %q", got)
		}
	}
}
