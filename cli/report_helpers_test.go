package cli

import (
	"context"
	"testing"
)

// run executes the command line in-process and returns the exit code and both streams.
func execReport(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := Test()
	code := Run(context.Background(), args, ios, BuildInfo{Version: "v0.0.0-test"})
	return code, out.String(), errOut.String()
}
