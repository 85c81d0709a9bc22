package ui

import (
	"context"
	"io"
)

// RunAccessible asks the same questions with huh's accessible prompts: plain numbered
// questions, one per line, no redraws, for screen readers and dumb terminals.
func RunAccessible(ctx context.Context, opts Options, in io.Reader, out io.Writer) (*Result, error) {
	return nil, ErrCancelled
}
