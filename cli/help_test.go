package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestHelpFits80Columns: every command's help, piped and on an 80-column terminal, has no
// line over 80 bytes (so `cis2-golive … --help | awk 'length > 80'` prints nothing in any
// locale), no trailing space, and no word broken across lines.
func TestHelpFits80Columns(t *testing.T) {
	ios, _, _, _ := Test()
	for _, cmd := range helpCommands(NewRootCmd(ios, BuildInfo{})) {
		path := strings.Fields(cmd.CommandPath())[1:]
		for _, tty := range []bool{false, true} {
			ios, _, out, errOut := Test()
			ios.SetTTY(false, tty)
			ios.SetTerminalWidth(80)
			if code := Run(context.Background(), append(path, "--help"), ios, BuildInfo{}); code != ExitOK {
				t.Fatalf("%s --help: exit %d: %s", cmd.CommandPath(), code, errOut.String())
			}
			help := out.String()
			if !strings.Contains(help, "USAGE\n  "+cmd.CommandPath()) {
				t.Errorf("%s --help (tty %v) is not our help:\n%s", cmd.CommandPath(), tty, help)
			}
			for _, line := range strings.Split(help, "\n") {
				if len(line) > 80 {
					t.Errorf("%s --help (tty %v): line of %d bytes: %q", cmd.CommandPath(), tty, len(line), line)
				}
				if strings.HasSuffix(line, " ") {
					t.Errorf("%s --help (tty %v): trailing space: %q", cmd.CommandPath(), tty, line)
				}
			}
		}
	}
}

// TestHelpShowsValuePlaceholders: a flag that takes a value says what kind.
func TestHelpShowsValuePlaceholders(t *testing.T) {
	for args, want := range map[string][]string{
		"check --help":     {"--timeout DURATION", "--ca-cert FILE", "-c, --config FILE", "--discovery URL", "--offline  "},
		"wizard --help":    {"-o, --output-dir DIR", "--from-int FILE"},
		"checklist --help": {"-o, --output FILE", "--submitted DATE", "--checks FILE"},
		"help keys":        {"cis2-golive keys <command>", "rotate   Add the next signing key"},
		"--help":           {"cis2-golive <command> [flags]", "START HERE", "-v, --version"},
		// --jwks takes a file or an https URL there, only a file for rotate.
		"keys inspect --help":   {"--jwks FILE|URL  "},
		"assertion lint --help": {"--jwks FILE|URL  "},
		"keys rotate --help":    {"--jwks FILE  "},
	} {
		code, stdout, stderr := runCLI(t, strings.Fields(args)...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", args, code, stderr)
		}
		for _, w := range want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%s lacks %q:\n%s", args, w, stdout)
			}
		}
		if strings.Contains(stdout, "VALUE") {
			t.Errorf("%s: a flag has no placeholder of its own:\n%s", args, stdout)
		}
	}
}

// TestHelpBreaksNoWord: a wrapped description breaks between words only.
func TestHelpBreaksNoWord(t *testing.T) {
	check, _, err := NewRootCmd(&IOStreams{}, BuildInfo{}).Find([]string{"check"})
	if err != nil {
		t.Fatal(err)
	}
	got := ansi.Strip(renderHelp(check, 40))
	for _, line := range strings.Split(got, "\n") {
		if len(line) > 40 && len(strings.Fields(line)) > 1 {
			t.Errorf("line over 40 columns: %q", line)
		}
	}
	if !strings.Contains(flat(got), "testing only") {
		t.Errorf("a word was split:\n%s", got)
	}
}
