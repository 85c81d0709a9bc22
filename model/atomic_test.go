package model

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const writerEnv = "CIS2_GOLIVE_TEST_ATOMIC_WRITER"

// fileSize is large enough that a kill lands mid-write most of the time.
const fileSize = 2 << 20

// TestMain turns this test binary into the writer child when asked to.
func TestMain(m *testing.M) {
	if path := os.Getenv(writerEnv); path != "" {
		out := bufio.NewWriter(os.Stdout)
		for i := 0; ; i++ {
			data := bytes.Repeat([]byte{byte('a' + i%26)}, fileSize)
			if err := WriteFileAtomic(path, data, 0o600); err != nil {
				os.Exit(3)
			}
			out.WriteString("wrote\n")
			out.Flush()
		}
	}
	os.Exit(m.Run())
}

// TestWriteFileAtomicSurvivesKill kills a process that is rewriting a file in a loop and proves
// the file is always one whole version: never empty, truncated or mixed.
func TestWriteFileAtomicSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "draft.yaml")
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), writerEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		for range round + 1 { // wait for at least one complete write, then kill mid-stream
			if !lines.Scan() {
				t.Fatalf("writer exited early: %v", cmd.Wait())
			}
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()

		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != fileSize || bytes.Count(data, data[:1]) != fileSize {
			t.Fatalf("round %d: file is not one whole version (size %d)", round, len(data))
		}
		info, _ := os.Stat(path)
		if info.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", info.Mode().Perm())
		}
	}
}
