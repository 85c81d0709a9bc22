package model

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const writerEnv = "CIS2_GOLIVE_TEST_ATOMIC_WRITER"

// fileSize is large enough that a kill lands mid-write most of the time.
const fileSize = 2 << 20

// draftWriterEnv makes this test binary a draft writer: "hang" saves a draft and is stopped
// for good once its temporary file exists (where a kill leaves one); "save" saves one and
// exits. The draft's path follows the colon.
const draftWriterEnv = "CIS2_GOLIVE_TEST_DRAFT_WRITER"

// TestMain turns this test binary into the writer child when asked to.
func TestMain(m *testing.M) {
	if v := os.Getenv(draftWriterEnv); v != "" {
		mode, path, _ := strings.Cut(v, ":")
		if mode == "hang" {
			testHookTempCreated = func(string) {
				fmt.Println("temp created")
				select {} // until killed
			}
		}
		if err := SaveDraft(path, &Draft{Config: Config{Product: "saved by " + mode}, Step: mode}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
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

// TestDraftWriterRemovesTempsAKillLeft: a draft writer killed with SIGKILL between creating
// its temporary file and renaming it leaves that file (a full copy of the answers); the next
// run's first save removes it, and touches neither another file's temporary files nor one
// younger than itself.
func TestDraftWriterRemovesTempsAKillLeft(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "draft.yaml")
	if err := SaveDraft(path, &Draft{Config: Config{Product: "first"}}); err != nil {
		t.Fatal(err)
	}
	child := func(mode string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), draftWriterEnv+"="+mode+":"+path)
		return cmd
	}
	temps := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, ".draft.yaml.tmp-*"))
		return m
	}

	for round := range 3 { // each killed run leaves one, and each run removes the last one's
		w := child("hang")
		out, err := w.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "temp created\n" {
			w.Process.Kill()
			t.Fatalf("writer said %q: %v", line, w.Wait())
		}
		if err := w.Process.Kill(); err != nil { // SIGKILL on Unix: no clean-up runs
			t.Fatal(err)
		}
		_ = w.Wait()
		if n := len(temps()); n != 1 {
			t.Fatalf("round %d: %d temporary files after a killed save, want the one it left", round, n)
		}
	}
	if d, err := LoadDraft(path); err != nil || d.Config.Product != "first" {
		t.Fatalf("the draft after the kills: %+v, %v; want the last complete save", d, err)
	}

	other := filepath.Join(dir, ".other.yaml.tmp-123")
	younger := filepath.Join(dir, ".draft.yaml.tmp-999")
	for _, p := range []string{other, younger} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Written by a run still going, as far as the next run can tell.
	if err := os.Chtimes(younger, time.Now().Add(time.Hour), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	if out, err := child("save").CombinedOutput(); err != nil {
		t.Fatalf("restarted writer: %v\n%s", err, out)
	}
	if left := temps(); len(left) != 1 || left[0] != younger {
		t.Errorf("temporary files after the restart: %v, want only the younger one", left)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file's temporary file was removed: %v", err)
	}
	if d, err := LoadDraft(path); err != nil || d.Config.Product != "saved by save" {
		t.Errorf("the draft after the restart: %+v, %v", d, err)
	}
}
