package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/sandbox"
	"github.com/cis2-golive/cis2-golive/sim"
)

// runCommands types lines into the accessible sim and returns what it answered and whether
// it asked to stop.
func runCommands(t *testing.T, p *sim.Provider, lines ...string) (string, bool) {
	t.Helper()
	var out strings.Builder // RunSimCommands returns only once its loop is done writing
	quit := false
	RunSimCommands(context.Background(), p, strings.NewReader(strings.Join(lines, "\n")+"\n"), &out, func() { quit = true })
	return out.String(), quit
}

func TestSimCommandsFaultsAndHelp(t *testing.T) {
	_, p := simView(t)
	out, quit := runCommands(t, p, "?", "f", "f 3", "f expired", "f bogus", "s", "l", "nonsense", "q", "f none")
	for _, want := range []string{"Commands, one a line", "7 unknown-kid", "next sign-in: alg-none", "next sign-in: expired",
		`unknown fault "bogus"`, "--protected-url", "no session to log out", `unknown command "nonsense"`} {
		if !strings.Contains(out, want) {
			t.Errorf("answers lack %q:\n%s", want, out)
		}
	}
	if !quit {
		t.Error("q does not stop the sim")
	}
	if q := p.QueuedFaults(); len(q) != 2 || q[0] != sim.AlgNone || q[1] != sim.Expired {
		t.Errorf("queue %v: want alg-none, expired (and nothing read after q)", q)
	}
}

// TestSimCommandsAgainstSandbox signs in with the sim's browser and logs the session out by
// its number in the list, as a screen-reader user would.
func TestSimCommandsAgainstSandbox(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	out, _ := runCommands(t, sb.CIS2(), "s", "l", "l 1", "l 7")
	for _, want := range []string{"✓ pass signed in through the application", "1 Priya Patel · ", "end confirmable",
		"logout: ✓ pass; session ended", "no session 7: type l to list them"} {
		if !strings.Contains(out, want) {
			t.Errorf("answers lack %q:\n%s", want, out)
		}
	}
	if n := len(activeSessions(sb.CIS2())); n != 0 {
		t.Errorf("%d sessions still active after l 1", n)
	}
}
