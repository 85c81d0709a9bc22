//go:build unix

package keys

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCommandSignerStopsWithTheRun: when the run is cancelled (Ctrl-C), the sign command's
// process group is killed at once. It runs in a group of its own, out of the terminal's reach,
// so nothing else would stop it: the tool would exit and leave a hung KMS CLI behind.
func TestCommandSignerStopsWithTheRun(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	s, err := NewCommandSigner("sleep 30 & echo $! > "+pidFile+"; wait", "RS256")
	if err != nil {
		t.Fatal(err)
	}
	s.Timeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := os.Stat(pidFile); err == nil {
				time.Sleep(50 * time.Millisecond) // the pid is written
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	start := time.Now()
	_, err = s.SignContext(ctx, []byte("header.payload"))
	if err == nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("err = %v, want the run's cancellation", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the signer outlived its run by %s", d)
	}
	raw, _ := os.ReadFile(pidFile)
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("pid file %q", raw)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !gone(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatal("the sign command's child still runs after the run was cancelled")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gone reports whether a process has exited (a zombie waiting for a reaper counts).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return os.IsNotExist(err)
	}
	// pid (comm) STATE …
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && len(stat) > i+2 {
		return stat[i+2] == 'Z'
	}
	return false
}
