package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/cis2-golive/cis2-golive/model"
)

// syncBuffer is the program's output, read while the program writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// stopAfter starts a wizard (run), types keys, waits until its output shows want, then ends
// the context (as Ctrl+C or a signal does) and returns the wizard's error. The full-screen
// renderer writes only the cells that changed, so there want is best a single character no
// screen shows until the last key is in (keys are handled in order).
func stopAfter(t *testing.T, run func(ctx context.Context, in io.Reader, out io.Writer) error, keys, want string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in, typing := io.Pipe()
	defer typing.Close()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, in, out) }()
	if _, err := io.WriteString(typing, keys); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %q in:\n%q", want, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("still running after the stop:\n%s", out.String())
		return nil
	}
}

// runStopped is stopAfter for the full-screen wizard.
func runStopped(t *testing.T, opts Options, keys, want string) error {
	t.Helper()
	return stopAfter(t, func(ctx context.Context, in io.Reader, out io.Writer) error {
		_, err := Run(ctx, opts, in, out, tea.WithWindowSize(80, 24), tea.WithColorProfile(colorprofile.Ascii))
		return err
	}, keys, want)
}

// TestStoppedWizardKeepsTheLastTyping: stopped by a signal moments after typing (before the
// periodic save), the draft still has what was typed.
func TestStoppedWizardKeepsTheLastTyping(t *testing.T) {
	draft := filepath.Join(t.TempDir(), "draft.yaml")
	err := runStopped(t, Options{DraftPath: draft, Now: fixedNow}, "\rAcmeHealthQ", "Q")
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("want cancelled, got %v", err)
	}
	d, err := model.LoadDraft(draft)
	if err != nil || d == nil || d.Config.Organisation != "AcmeHealthQ" {
		t.Fatalf("draft %+v, %v", d, err)
	}
}

// TestStoppedWizardSaysTheDraftWasNotSaved: when the draft cannot be written, stopping says so
// (a DraftError) rather than pointing to a file that does not exist.
func TestStoppedWizardSaysTheDraftWasNotSaved(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	draft := filepath.Join(blocker, "cis2-golive", "draft.yaml") // under a file: cannot be created
	err := runStopped(t, Options{DraftPath: draft, Now: fixedNow}, "\rAcmeQ", "Q")
	var de *DraftError
	if !errors.As(err, &de) || !errors.Is(err, ErrCancelled) || de.Path != draft {
		t.Fatalf("want a DraftError for %s, got %v", draft, err)
	}
}
