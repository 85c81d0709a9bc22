package ui

import (
	"context"
	"errors"
	"fmt"
	"io"

	tea "charm.land/bubbletea/v2"
)

// Run starts the wizard on the terminal behind in and out (the TUI draws on out, which the
// caller makes stderr so stdout stays for data). It returns ErrCancelled when the user quits.
func Run(ctx context.Context, opts Options, in io.Reader, out io.Writer, progOpts ...tea.ProgramOption) (*Result, error) {
	if opts.Accessible {
		return RunAccessible(ctx, opts, in, out)
	}
	root := NewRoot(opts)
	p := tea.NewProgram(root, append([]tea.ProgramOption{
		tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out),
	}, progOpts...)...)
	_, err := p.Run() // the final model is root
	// Whatever stopped the program (ctrl+c, a signal, the context), keep what was typed since
	// the last autosave, and let no save be cut off by the exit.
	_ = root.saveOnExit() // its error is the saver's, which stopped reports
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted) || errors.Is(err, context.Canceled) {
			return nil, root.s.stopped()
		}
		return nil, fmt.Errorf("wizard: %w", err)
	}
	if !root.Finished() {
		return nil, root.s.stopped()
	}
	return root.s.result(), nil
}
