package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// SubmissionOptions are the flags of `submission`.
type SubmissionOptions struct {
	IO         *IOStreams
	ConfigPath string
	ChecksPath string
	OutDir     string
	Force      bool // replace existing files
	// AllowFailures writes despite failed checks or a non-production environment; the
	// evidence in the files shows it. It is separate from Force: replacing yesterday's files
	// must never silently also wave through a failing configuration.
	AllowFailures bool
	ToolVersion   string
	// Now is the clock for generated_at; tests fix it.
	Now func() time.Time
}

func newCmdSubmission(ios *IOStreams, build BuildInfo) *cobra.Command {
	opts := &SubmissionOptions{IO: ios, ToolVersion: orUnknown(build.Version), Now: time.Now}
	cmd := &cobra.Command{
		Use:   "submission",
		Short: "Write the files to send NHS England",
		Long: "submission writes " + report.SubmissionJSONFile + " (a Connection Manager style client\n" +
			"object plus who is sending it and the check evidence) and " + report.SubmissionMarkdownFile + "\n" +
			"(NHS's six production items in the order of the \"Put your software live\" page, ready to\n" +
			"paste into the onboarding form or an email).\n\n" +
			"It refuses a configuration that holds anything that looks like a secret, one that is not\n" +
			"for production, or one that fails the offline rules or whose --checks results failed\n" +
			"(--allow-failures writes it anyway, with the failures in its evidence). It never\n" +
			"replaces existing files unless --force. Nothing overrides a secret.\n\n" +
			"Exit codes: 0 written, 1 refused because checks failed, 2 usage error, unreadable input,\n" +
			"a secret in the configuration, or files already present.",
		Example: "  cis2-golive check --config prod.yaml --format json > results.json\n" +
			"  cis2-golive submission --config prod.yaml --checks results.json -o submission/",
		Args: noArgs("--config"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.ConfigPath == "" {
				return usageError(errors.New("--config is required: pass the production configuration file"))
			}
			return runSubmission(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.ConfigPath, "config", "c", "", "production configuration file")
	cmd.Flags().StringVar(&opts.ChecksPath, "checks", "", "attach the check results in `FILE` (from cis2-golive check --format json) as evidence")
	cmd.Flags().StringVarP(&opts.OutDir, "output", "o", ".", "directory to write the two files into")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace existing files")
	cmd.Flags().BoolVar(&opts.AllowFailures, "allow-failures", false, "write even when checks failed or the configuration is not for production")
	return cmd
}

func runSubmission(opts *SubmissionOptions) error {
	cfg, notes, err := loadFrom("--config", opts.ConfigPath)
	if err != nil {
		return usageError(err)
	}
	// model.Load has already refused any value that looks like a secret: none is written.
	offline := checks.Offline(cfg, notes)
	results, source := offline, "offline rules"
	var fromFile []checks.Result
	if opts.ChecksPath != "" {
		rep, err := report.ReadCheckReport(opts.ChecksPath)
		if err != nil {
			return usageError(err)
		}
		if err := report.FindSecretInResults(rep.Results); err != nil {
			return usageError(fmt.Errorf("%s: %w", opts.ChecksPath, err))
		}
		if stale := report.StaleEvidence(cfg, rep.Results); len(stale) > 0 {
			return usageError(fmt.Errorf("%s was produced from a different configuration (%s): re-run `cis2-golive check --config %s --format json`",
				opts.ChecksPath, strings.Join(stale, "; "), opts.ConfigPath))
		}
		fromFile = rep.Results
		results, source = rep.Results, "cis2-golive check results: "+filepath.Base(opts.ChecksPath)
	}

	if reasons := submissionBlockers(cfg, offline, fromFile); len(reasons) > 0 {
		w := opts.IO.ErrOut
		for _, r := range failures(offline, fromFile) {
			fmt.Fprintf(w, "  ✗ %s: %s\n", report.Clean(r.Target), report.Clean(r.Message))
			if r.Fix != "" {
				fmt.Fprintf(w, "      fix: %s\n", report.Clean(r.Fix))
			}
		}
		if !opts.AllowFailures {
			fmt.Fprintf(w, "Not writing the submission: %s. Fix the findings above, or pass --allow-failures to write it anyway.\n", strings.Join(reasons, "; "))
			return failedError
		}
		fmt.Fprintf(w, "Writing the submission despite: %s (--allow-failures). The evidence in it shows this.\n", strings.Join(reasons, "; "))
	}

	files, err := report.SubmissionFiles(report.NewSubmission(cfg, results, source, opts.Now(), opts.ToolVersion))
	if err != nil {
		return err
	}
	// Check every file before writing any, so a refusal leaves nothing half-replaced.
	for _, f := range files {
		if err := refuseOverwrite(filepath.Join(opts.OutDir, f.Name), opts.Force); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return usageError(fmt.Errorf("create %s: %w", opts.OutDir, err))
	}
	for _, f := range files {
		path := filepath.Join(opts.OutDir, f.Name)
		if err := writeOutput(path, bytes.NewBuffer(f.Data)); err != nil {
			return err
		}
		fmt.Fprintln(opts.IO.Out, path)
	}
	fmt.Fprintln(opts.IO.ErrOut, "Send these to the CIS2 team; allow a minimum of 2 weeks for NHS England to deploy the configuration.")
	return nil
}

// submissionBlockers lists why a configuration should not be submitted yet.
func submissionBlockers(cfg *model.Config, offline, fromFile []checks.Result) []string {
	var reasons []string
	if cfg.EffectiveEnvironment() != model.Production {
		reasons = append(reasons, fmt.Sprintf("the configuration is for %s, not production", cfg.Environment))
	}
	if checks.Summarise(offline).Failed() {
		reasons = append(reasons, "the configuration fails the offline rules")
	}
	if s := checks.Summarise(fromFile); s.Failed() {
		reasons = append(reasons, report.Plural(s.Fail, "check", "checks")+" in the results file failed")
	}
	return reasons
}

// failures lists the failed results of every list once: a results file usually repeats the
// offline ones.
func failures(lists ...[]checks.Result) []checks.Result {
	seen := map[string]bool{}
	var out []checks.Result
	for _, rs := range lists {
		for _, r := range rs {
			key := r.ID + "\x00" + r.Target
			if r.Status == model.Fail && !seen[key] {
				seen[key] = true
				out = append(out, r)
			}
		}
	}
	return out
}
