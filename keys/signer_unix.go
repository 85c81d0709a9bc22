//go:build unix

package keys

import (
	"os/exec"
	"syscall"
)

// killGroup makes the command the leader of its own process group and kills the whole group
// when its context ends: `sh -c 'a | b'` would otherwise leave a and b running.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
