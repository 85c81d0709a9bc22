package cli

import "errors"

// Exit codes, one meaning each, so CI scripts can tell a failing configuration from a typo.
const (
	ExitOK        = 0   // no check failed (warnings allowed)
	ExitFailed    = 1   // at least one check failed
	ExitUsage     = 2   // bad flags, or an unreadable or invalid configuration file
	ExitCancelled = 130 // interrupted (Ctrl+C), as shells report SIGINT
)

// ExitError carries an exit code. With a nil Err nothing more is printed: the command has
// already said everything (for example a report with failures).
type ExitError struct {
	Code int
	Err  error
	// Usage marks a mistake in how the command was called (an unknown flag or command, a
	// stray argument): the message then points to --help. Other errors (a file that cannot be
	// read or written) say their own fix and nothing about usage.
	Usage bool
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageError marks an error as the user's to fix (exit 2).
func usageError(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// callError is a mistake in the command line itself (exit 2, pointing to --help).
func callError(err error) error { return &ExitError{Code: ExitUsage, Err: err, Usage: true} }

// failedError is the silent error for "the report shows failures" (exit 1).
var failedError = &ExitError{Code: ExitFailed}

func exitCode(err error) int {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitUsage
}
