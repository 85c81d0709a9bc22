// Package ui is cis2-golive's interactive wizard: one bubbletea model per screen, a root
// model that routes between them, huh forms inside the screens. It never does I/O in Update:
// checks, draft saves and file writes run in tea.Cmds and come back as small named messages.
package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// ErrCancelled is returned when the user quits the wizard before the end.
var ErrCancelled = errors.New("wizard cancelled")

// StopError is a wizard stopped before the end with its draft written as far as it got, or
// with nothing to save (Saved false: the user stopped before answering anything, so no draft
// of this session exists). It matches ErrCancelled with errors.Is.
type StopError struct{ Saved bool }

func (e *StopError) Error() string        { return ErrCancelled.Error() }
func (e *StopError) Is(target error) bool { return target == ErrCancelled }

// DraftError is a wizard stopped before the end whose draft could not be written: the
// answers are not saved for resuming. It matches ErrCancelled with errors.Is.
type DraftError struct {
	Path string
	Err  error
}

func (e *DraftError) Error() string {
	return fmt.Sprintf("wizard cancelled; the draft could not be saved to %s: %v", e.Path, e.Err)
}

func (e *DraftError) Unwrap() []error { return []error{ErrCancelled, e.Err} }

// Options configure a wizard run. The cli package fills them from flags.
type Options struct {
	// Config prefills the answers (--config, or the demo's sandbox config).
	Config *model.Config
	// INT is the integration configuration (--from-int): it prefills the answers when Config
	// is nil, is compared with them on the review screen (model.CompareINTProd, as `compare`
	// does), and makes a production URI on one of its hosts a failure.
	INT *model.Config
	// INTPath is the file INT was read from, for the command the exit summary suggests.
	INTPath string
	// Draft is a draft found on disk; the welcome screen offers to resume it.
	Draft *model.Draft
	// DraftPath is where answers are autosaved; empty disables saving.
	DraftPath string
	// Plan lists the live checks for a configuration and the private key path the user gave
	// (checks.Plan with Options.KeyPath set). The checks screen runs the offline checks
	// first, then these. Nil means the offline checks only.
	Plan func(cfg *model.Config, keyPath string) []checks.Check
	// Lint lists the checks of a client assertion pasted on the checks screen
	// (checks.AssertionLint). Nil means the lint is not offered (--offline).
	Lint func(cfg *model.Config, token string) []checks.Check
	// CheckOptions tune the check runner (per-check and suite timeouts).
	CheckOptions checks.Options
	// KeyPath prefills the private key path used by the client assertion check.
	KeyPath string
	// OutDir is where the submission and checklist files are written.
	OutDir string
	// Version is the tool version recorded in the submission file.
	Version string
	// Now is the clock (tests inject one); nil means time.Now.
	Now func() time.Time
	// Accessible switches to huh's accessible prompts: plain questions, no redraws.
	Accessible bool
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Result is what the wizard produced.
type Result struct {
	Config  model.Config
	Written []string // files written, in order
	// Unresolved lists why the configuration was not ready to send (checks failed, live
	// checks not run), whether the user then wrote the files anyway or not. The caller exits
	// non-zero unless it is empty: see Ready.
	Unresolved []string
	// Checklist is the go-live checklist as written, with the earliest go-live date.
	Checklist report.Checklist
	// KeyFiles is the key pair the wizard created, if it made one.
	KeyFiles *keys.Files
	// INTPath is the INT configuration's file (--from-int), "" without one.
	INTPath string
}

// Ready reports whether the files were written with nothing left unresolved: the only
// outcome that is a success.
func (r *Result) Ready() bool { return len(r.Unresolved) == 0 && len(r.Written) > 0 }

// plan is every check the checks screen runs: the offline rules (against INT, when one was
// imported), then the live checks, on the answers in use (cfg.Used). Each call builds fresh
// checks (a live Plan caches its JWKS fetch and DNS answers per plan), so a re-run really
// contacts the endpoints again.
func (o *Options) plan(cfg, in *model.Config, keyPath string) []checks.Check {
	used := cfg.Used()
	list := offlinePlan(&used, in)
	if o.Plan != nil {
		list = append(list, o.Plan(&used, keyPath)...)
	}
	return list
}

// offlinePlan wraps the offline rules as checks, so the checks screen works with no network.
func offlinePlan(cfg, in *model.Config) []checks.Check {
	rs := checks.OfflineAgainstINT(cfg, in, nil)
	list := make([]checks.Check, len(rs))
	for i, r := range rs {
		list[i] = checks.Check{ID: r.ID, Target: r.Target, Run: func(context.Context) checks.Result { return r }}
	}
	return list
}
