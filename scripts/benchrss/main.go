// Command benchrss runs a command and prints its peak resident set size in KiB, for
// scripts/bench on machines without GNU time (/usr/bin/time -v). Usage: benchrss CMD [ARGS…]
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchrss CMD [ARGS…]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "benchrss:", err)
		os.Exit(1)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "benchrss: no rusage on this system")
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "benchrss maxrss_kib=%d\n", ru.Maxrss) // KiB on Linux
	os.Exit(cmd.ProcessState.ExitCode())
}
