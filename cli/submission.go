package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/golive"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// SubmissionOptions are the flags of `submission`.
type SubmissionOptions struct {
	IO         *IOStreams
	ConfigPath string
	// INTPath is the INT configuration production replicates: a production URI on a host it
	// uses fails.
	INTPath    string
	ChecksPath string
	OutDir     string
	Force      bool // replace existing files
	// The overrides, one per kind of blocker (golive.Kind), each separate from Force:
	// replacing yesterday's files must never silently also wave a problem through, and
	// writing over one kind must not wave another through. Files written over any blocker
	// say so in their first lines, and the command exits 1.
	AllowFailures   bool // failed checks, or a configuration not for production
	AllowWarnings   bool // blocking warnings: values still on non-production hosts, and the like
	AllowUnverified bool // no finished live checks in --checks
	ToolVersion     string
	// Now is the clock for generated_at; tests fix it.
	Now func() time.Time
}

// overrides names the flag that writes over each kind of blocker.
var overrides = map[golive.Kind]string{
	golive.Failed:        "--allow-failures",
	golive.NonProduction: "--allow-warnings",
	golive.Warning:       "--allow-warnings",
	golive.Unverified:    "--allow-unverified",
}

// allows reports whether the flag overrides names for kind k was given: which flag covers
// which kind is said once, in overrides, so a new kind cannot be named by one and not the other.
func (o *SubmissionOptions) allows(k golive.Kind) bool {
	given := map[string]bool{"--allow-failures": o.AllowFailures, "--allow-warnings": o.AllowWarnings, "--allow-unverified": o.AllowUnverified}
	return given[overrides[k]]
}

func newCmdSubmission(ios *IOStreams, build BuildInfo) *cobra.Command {
	opts := &SubmissionOptions{IO: ios, ToolVersion: orUnknown(build.Version), Now: time.Now}
	cmd := &cobra.Command{
		Use:   "submission",
		Short: "Write the files to send NHS England",
		Long: "submission writes " + golive.JSONFile + " (a Connection Manager style client\n" +
			"object plus who is sending it and the check evidence) and " + golive.MarkdownFile + "\n" +
			"(NHS's six production items in the order of the \"Put your software live\" page, ready to\n" +
			"paste into the onboarding form or an email).\n\n" +
			"It writes them only when the configuration is ready to send: for production, nothing\n" +
			"failed (offline rules or --checks), no warning that blocks (a value on a non-production\n" +
			"host, a key without a kid, a setting CIS2 does not offer; with --int, a host your INT\n" +
			"configuration uses fails), and --checks holds a finished live run of this configuration\n" +
			"(every URI it names tested). Each refusal names every blocker, and the override for its\n" +
			"kind: --allow-failures, --allow-warnings (blocking warnings), --allow-unverified (no live\n" +
			"checks, checks cut short, or not of this configuration). Files\n" +
			"written over a blocker say \"not ready\" in their first lines (JSON \"status\":\n" +
			"\"not-ready\" with the blockers). Nothing overrides a secret. It never replaces existing\n" +
			"files unless --force, which waves nothing through.\n\n" +
			"Exit codes: 0 written and ready to send; 1 not ready: refused, or written anyway with an\n" +
			"--allow-* override (stderr says which); 2 usage error, unreadable input, a secret in the\n" +
			"configuration or results, --checks recording other values than the configuration's, or\n" +
			"files already present.",
		Example: "  cis2-golive check --config prod.yaml --int int-export.json --format json > results.json\n" +
			"  cis2-golive submission --config prod.yaml --int int-export.json --checks results.json -o submission/",
		Args: noArgs("--config"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.ConfigPath == "" {
				return usageError(errors.New("--config is required: pass the production configuration file"))
			}
			return runSubmission(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.ConfigPath, "config", "c", "", "production configuration file")
	cmd.Flags().StringVar(&opts.INTPath, "int", "", "the INT configuration in `FILE` (YAML, JSON or a Connection Manager export) that production replicates")
	cmd.Flags().StringVar(&opts.ChecksPath, "checks", "", "attach the check results in `FILE` (from cis2-golive check --format json) as evidence")
	cmd.Flags().StringVarP(&opts.OutDir, "output", "o", ".", "directory to write the two files into")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace existing files")
	cmd.Flags().BoolVar(&opts.AllowFailures, "allow-failures", false, "write, marked not ready (exit 1), even when checks failed or the configuration is not for production")
	cmd.Flags().BoolVar(&opts.AllowWarnings, "allow-warnings", false, "write, marked not ready (exit 1), even with warnings that block (non-production hosts, a key without a kid…)")
	cmd.Flags().BoolVar(&opts.AllowUnverified, "allow-unverified", false, "write, marked not ready (exit 1), without finished live checks in --checks (not run, or cut short)")
	return cmd
}

func runSubmission(opts *SubmissionOptions) error {
	cfg, notes, err := loadFrom("--config", opts.ConfigPath)
	if err != nil {
		return usageError(err)
	}
	// model.Load has already refused any value that looks like a secret; golive.Build checks
	// again, and checks the results: none is ever written.
	in, err := loadINT(opts.INTPath)
	if err != nil {
		return err
	}
	results, err := readChecks(opts.ChecksPath, cfg, opts.ConfigPath)
	if err != nil {
		return err
	}
	source := ""
	if opts.ChecksPath != "" {
		source = "cis2-golive check results: " + filepath.Base(opts.ChecksPath)
	}

	files, blockers, err := golive.Build(golive.Submission{
		Config: cfg, INT: in, Notes: notes, Results: results, Live: golive.LiveIn(results),
		Source: source, Generated: opts.Now(), Version: opts.ToolVersion,
	})
	if err != nil {
		return usageError(err)
	}
	if len(blockers) > 0 {
		if refused := reportBlockers(opts, blockers); refused {
			return failedError
		}
	}
	paths, err := golive.Write(opts.OutDir, files, opts.Force)
	var exists *golive.ExistsError
	if errors.As(err, &exists) {
		return usageError(fmt.Errorf("%s: pass --force to replace it, or -o to write elsewhere", exists))
	}
	if err != nil {
		return usageError(err)
	}
	for _, p := range paths {
		fmt.Fprintln(opts.IO.Out, p)
	}
	if len(blockers) > 0 {
		// The one rule for files written over blockers, as in the wizard: exit 1.
		fmt.Fprintf(opts.IO.ErrOut, "Not ready to send: %s. The files say so in their first lines; fix these and write them again.\n",
			strings.Join(golive.Shorts(golive.Reasons(blockers)), "; "))
		return failedError
	}
	fmt.Fprintln(opts.IO.ErrOut, "Send these to the CIS2 team; allow a minimum of 2 weeks for NHS England to deploy the configuration.")
	return nil
}

// reportBlockers names every blocker on stderr with its fix, then says whether the overrides
// given cover them all: refused is true when one is not covered, naming the flags it needs.
func reportBlockers(opts *SubmissionOptions, bs []golive.Blocker) (refused bool) {
	w := opts.IO.ErrOut
	var need, used []string
	for _, b := range bs {
		mark := map[golive.Kind]string{golive.Failed: "✗", golive.NonProduction: "!", golive.Warning: "!", golive.Unverified: "-"}[b.Kind]
		fmt.Fprintf(w, "  %s %s\n", mark, report.Clean(b.String()))
		if b.Fix != "" {
			fmt.Fprintf(w, "      fix: %s\n", report.Clean(b.Fix))
		}
		flag := overrides[b.Kind]
		list := &need
		if opts.allows(b.Kind) {
			list = &used
		}
		if !slices.Contains(*list, flag) {
			*list = append(*list, flag)
		}
	}
	reasons := strings.Join(golive.Shorts(golive.Reasons(bs)), "; ")
	if len(need) > 0 {
		fmt.Fprintf(w, "Not writing the submission: %s. Fix the findings above, or pass %s to write it anyway, marked not ready.\n",
			reasons, strings.Join(need, " "))
		return true
	}
	fmt.Fprintf(w, "Writing the submission despite: %s (%s). It is marked not ready in its first lines.\n", reasons, strings.Join(used, " "))
	return false
}

// readChecks reads the --checks file (none for path ""), refusing one that holds what looks
// like a secret, or whose recorded values are not cfg's (cfg nil: only the file is known).
func readChecks(path string, cfg *model.Config, configPath string) ([]checks.Result, error) {
	if path == "" {
		return nil, nil
	}
	rep, err := report.ReadCheckReport(path)
	if err != nil {
		return nil, usageError(err)
	}
	if err := golive.SecretInResults(rep.Results); err != nil {
		return nil, usageError(fmt.Errorf("%s: %w", path, err))
	}
	if cfg == nil {
		return rep.Results, nil
	}
	if stale := golive.StaleEvidence(cfg, rep.Results); len(stale) > 0 {
		return nil, usageError(fmt.Errorf("%s was produced from a different configuration (%s): re-run `cis2-golive check --config %s --format json`",
			path, strings.Join(stale, "; "), configPath))
	}
	return rep.Results, nil
}
