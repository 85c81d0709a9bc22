//go:build !unix

package keys

import "os/exec"

// killGroup is a no-op where process groups are not available: the context still kills the
// shell, and cmd.WaitDelay stops Wait from waiting on the pipes of anything it started.
func killGroup(*exec.Cmd) {}
