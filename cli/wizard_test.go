package cli

import (
	"context"
	"strings"
	"testing"
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
