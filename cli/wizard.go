package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/ui"
)

// WizardOptions are the flags of `wizard` (and of the bare `cis2-golive` on a terminal).
type WizardOptions struct {
	IO         *IOStreams
	ConfigPath string
	FromINT    string
	Accessible bool
	DraftPath  string
	OutDir     string
	Version    string

	// The live checks' flags, as for `check`.
	LiveFlags

	// prepare lets `demo` wire the checks to its sandbox; nil for the plain wizard.
	prepare func(*ui.Options)
}

func newCmdWizard(ios *IOStreams, build BuildInfo) *cobra.Command {
	opts := newWizardOptions(ios, build.Version)
	cmd := &cobra.Command{
		Use:   "wizard",
		Short: "Walk through the configuration, check it, write the files",
		Long: "wizard asks for each production configuration field with inline validation, runs the\n" +
			"live checks, shows the go-live checklist and writes the files to send NHS England.\n" +
			"Answers are saved as you go (never a secret) and offered back next time.\n\n" +
			"It needs a terminal; without one use `cis2-golive check --config FILE`.\n" +
			"ACCESSIBLE=1 or --accessible asks plain questions with no redraws.\n\n" +
			"With --from-int, production is compared with INT as `compare` does, and a URI on a\n" +
			"host the INT file uses fails. Files are written only when nothing blocks sending them\n" +
			"(the rule of `submission`), or after you answer \"write anyway\": they then say \"not\n" +
			"ready\" in their first lines.\n\n" +
			"Exit codes: 0 files written and ready to send; 1 not written, or written anyway over\n" +
			"a blocker; 2 usage error or no terminal; 130 stopped (the draft keeps the answers).",
		Example: "  cis2-golive wizard\n" +
			"  cis2-golive wizard --from-int int-config.json\n" +
			"  cis2-golive wizard --config prod.yaml --accessible",
		Args: noArgs("--config"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			return runWizard(cmd.Context(), opts)
		},
	}
	addWizardFlags(cmd, opts)
	return cmd
}

// newWizardOptions are the wizard's defaults, for the bare `cis2-golive` and `demo` too. The
// version goes through orUnknown as for `submission`: the file sent to NHS never records "".
func newWizardOptions(ios *IOStreams, version string) *WizardOptions {
	return &WizardOptions{IO: ios, OutDir: ".", Version: orUnknown(version), LiveFlags: LiveFlags{Timeout: checks.DefaultTimeout}}
}

func addWizardFlags(cmd *cobra.Command, opts *WizardOptions) {
	cmd.Flags().StringVarP(&opts.ConfigPath, "config", "c", "", "prefill the answers from this configuration file")
	cmd.Flags().StringVar(&opts.FromINT, "from-int", "", "prefill from your INT configuration (YAML, JSON or Connection Manager export) and compare against it")
	cmd.Flags().BoolVar(&opts.Accessible, "accessible", false, "plain prompts for screen readers (also ACCESSIBLE=1)")
	cmd.Flags().StringVar(&opts.DraftPath, "draft", "", "draft file (default: $"+model.DraftEnv+" or the user config dir)")
	cmd.Flags().StringVarP(&opts.OutDir, "output-dir", "o", ".", "directory for the files written at the end")
	opts.bind(cmd.Flags(), "run only the offline checks; contact no endpoint")
}

// liveChecks wires the checks screen to checks.Plan with the flags' options, the key path
// coming from the wizard (prefilled by --key, changed on screen). With --offline, Plan stays
// nil: the offline rules only.
func (o *WizardOptions) liveChecks(uo *ui.Options) error {
	uo.KeyPath = o.KeyPath
	if o.Offline {
		uo.CheckOptions = checks.Options{Timeout: o.Timeout}
		return nil
	}
	live, err := o.options()
	if err != nil {
		return err
	}
	setLivePlan(uo, live)
	return nil
}

// setLivePlan makes the wizard run checks.Plan with live, the key path being the one the
// user gave on screen.
func setLivePlan(uo *ui.Options, live checks.Options) {
	uo.CheckOptions = live
	uo.Plan = func(cfg *model.Config, keyPath string) []checks.Check {
		o := live
		o.KeyPath = keyPath
		if keyPath != "" { // a key file set on screen replaces --sign-cmd: they are exclusive
			o.SignCommand = ""
		}
		return checks.Plan(cfg, o)
	}
	uo.Lint = func(cfg *model.Config, token string) []checks.Check {
		return checks.AssertionLint(cfg, live, token, nil)
	}
}

// errNoTerminal names the way to run without a terminal.
var errNoTerminal = errors.New("the wizard needs a terminal (stdin and stdout); without one, run `cis2-golive check --config FILE`")

func runWizard(ctx context.Context, opts *WizardOptions) error {
	ios := opts.IO
	// The files are written at the very end: a directory that cannot take them is said now,
	// not after ten minutes of answers.
	if err := writableDir(opts.OutDir); err != nil {
		return usageError(fmt.Errorf("-o %s: %w", opts.OutDir, err))
	}
	if !ios.CanPrompt() {
		return usageError(errNoTerminal)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	uo := ui.Options{
		OutDir:     opts.OutDir,
		Version:    opts.Version,
		Accessible: opts.Accessible || ios.Getenv("ACCESSIBLE") != "",
	}
	if err := opts.liveChecks(&uo); err != nil {
		return err
	}
	if opts.ConfigPath != "" {
		cfg, _, err := loadFrom("--config", opts.ConfigPath)
		if err != nil {
			return usageError(err)
		}
		uo.Config = cfg
	}
	if opts.FromINT != "" {
		cfg, _, err := loadFrom("--from-int", opts.FromINT)
		if err != nil {
			return usageError(fmt.Errorf("--from-int: %w", err))
		}
		uo.INT, uo.INTPath = cfg, opts.FromINT
	}
	uo.DraftPath = opts.DraftPath
	if uo.DraftPath == "" {
		if p := ios.Getenv(model.DraftEnv); p != "" {
			uo.DraftPath = p
		} else if p, err := model.DefaultDraftPath(); err == nil {
			uo.DraftPath = p
		}
	}
	if uo.DraftPath != "" {
		d, err := model.LoadDraft(uo.DraftPath)
		if err != nil {
			fmt.Fprintf(ios.ErrOut, "warning: %v\n", err)
		}
		uo.Draft = d
	}
	if opts.prepare != nil {
		opts.prepare(&uo)
	}
	res, err := ui.Run(ctx, uo, ios.In, ios.ErrOut)
	if errors.Is(err, ui.ErrCancelled) {
		fmt.Fprintln(ios.ErrOut, stoppedMessage(err, uo))
		return &ExitError{Code: ExitCancelled}
	}
	if err != nil {
		return err
	}
	// What was written, the earliest go-live date and the next steps: the command's result,
	// left in the terminal once the wizard's screen has closed.
	if len(res.Written) > 0 {
		fmt.Fprint(ios.ColorOut(), res.Summary(time.Now()))
	}
	// The same exit rule as `submission`: 0 only when nothing was left unresolved.
	if !res.Ready() {
		if len(res.Written) == 0 {
			msg := fmt.Sprintf("Not written: %s. Your answers are kept in the draft; fix what failed and run cis2-golive again.",
				strings.Join(res.Unresolved, "; "))
			fmt.Fprintln(ios.ErrOut, strings.Join(report.WrapWords(msg, report.TextWidth), "\n"))
		}
		return failedError
	}
	return nil
}

// writableDir reports whether files can be written in dir, creating it if need be: by
// trying, in dir or the nearest directory above it that exists (permissions alone do not
// say, on a read-only mount or for root). It leaves nothing behind.
func writableDir(dir string) error {
	if dir == "" {
		dir = "."
	}
	at := dir
	for {
		fi, err := os.Stat(at)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is a file, not a directory: choose a directory for the files the wizard writes", at)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot use it: %w", err)
		}
		up := filepath.Dir(at)
		if up == at {
			break
		}
		at = up
	}
	f, err := os.CreateTemp(at, ".cis2-golive-write-test-*")
	if err != nil {
		return fmt.Errorf("cannot write there (%v): choose a directory you can write to", errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// stoppedMessage says what became of the answers of a wizard stopped before the end, wrapped
// at spaces to 80 columns (the terminal would break a word in two).
func stoppedMessage(err error, uo ui.Options) string {
	return strings.Join(report.WrapWords(stopped(err, uo), report.TextWidth), "\n")
}

func stopped(err error, uo ui.Options) string {
	var de *ui.DraftError
	var se *ui.StopError
	switch {
	case errors.As(err, &de):
		return fmt.Sprintf("Stopped. Your answers could not be saved to %s (%v), so they cannot be resumed; "+
			"use --draft FILE to save them somewhere writable.", de.Path, de.Err)
	case errors.As(err, &se) && se.Saved:
		return fmt.Sprintf("Stopped. Your answers so far are in %s; run cis2-golive again to resume.", uo.DraftPath)
	case uo.Draft != nil:
		return fmt.Sprintf("Stopped. Your saved draft in %s is unchanged.", uo.DraftPath)
	}
	return "Stopped before any answer; nothing was saved."
}
