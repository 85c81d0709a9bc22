package cli

import (
	"bytes"
	"io"
	"os"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
)

// IOStreams is where a command reads and writes. Data goes to Out; the TUI, progress and
// errors go to ErrOut, so `check --format json > out.json` stays clean.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	width                          int // of the terminal behind Out; 0 when unknown
	environ                        []string
}

// System returns the process's standard streams.
func System() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stdinTTY:  term.IsTerminal(os.Stdin.Fd()),
		stdoutTTY: term.IsTerminal(os.Stdout.Fd()),
		stderrTTY: term.IsTerminal(os.Stderr.Fd()),
		environ:   os.Environ(),
		width:     terminalWidth(os.Stdout),
	}
}

func terminalWidth(f *os.File) int {
	w, _, err := term.GetSize(f.Fd())
	if err != nil {
		return 0
	}
	return w
}

// Test returns streams backed by buffers, with no TTY; tests can flip the TTY flags.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, environ: []string{}}, in, out, errOut
}

// SetTTY sets the TTY flags (for tests).
func (s *IOStreams) SetTTY(stdin, stdout bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stdout
}

// TerminalWidth is the width of the terminal behind Out, or 0 when it is not a terminal.
func (s *IOStreams) TerminalWidth() int {
	if !s.stdoutTTY {
		return 0
	}
	return s.width
}

// SetTerminalWidth sets the width TerminalWidth reports (for tests).
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal (where progress is drawn).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// CanPrompt reports whether an interactive prompt is possible: stdin and stdout are terminals.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stdoutTTY }

// Getenv reads the environment the streams were created with.
func (s *IOStreams) Getenv(key string) string {
	for _, kv := range s.environ {
		if len(kv) > len(key) && kv[:len(key)] == key && kv[len(key)] == '=' {
			return kv[len(key)+1:]
		}
	}
	return ""
}

// ColorOut wraps Out so styled text keeps colour only on a terminal without NO_COLOR.
func (s *IOStreams) ColorOut() io.Writer { return s.colorWriter(s.Out, s.stdoutTTY) }

// ColorErr is ColorOut for ErrOut.
func (s *IOStreams) ColorErr() io.Writer { return s.colorWriter(s.ErrOut, s.stderrTTY) }

func (s *IOStreams) colorWriter(w io.Writer, tty bool) io.Writer {
	cw := colorprofile.NewWriter(w, s.environ)
	// Decide from our own TTY flag, not from w, so tests can fake a terminal; on a terminal the
	// environment picks the profile, and NO_COLOR keeps bold but drops colour.
	cw.Profile = colorprofile.NoTTY
	if tty {
		cw.Profile = colorprofile.Env(s.environ)
	}
	return cw
}
