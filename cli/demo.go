package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/golive"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/sandbox"
)

// DemoOptions are the flags of `demo`.
type DemoOptions struct {
	IO      *IOStreams
	Faults  []string
	Format  string
	Dir     string
	Keep    bool // keep the temporary directory (it holds a private key) after the demo
	Timeout time.Duration
	Version string // the build's, recorded by the wizard in the submission
}

func newCmdDemo(ios *IOStreams, build BuildInfo) *cobra.Command {
	opts := &DemoOptions{IO: ios, Version: build.Version}
	var faultHelp strings.Builder
	width := 0
	for _, f := range sandbox.FaultNames() {
		width = max(width, len(f[0]))
	}
	for _, f := range sandbox.FaultNames() {
		fmt.Fprintf(&faultHelp, "  %-*s %s\n", width, f[0], f[1])
	}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try everything against a built-in sandbox",
		Long: "demo starts a fake CIS2 and a fake relying party on 127.0.0.1 only, with their own\n" +
			"certificate authority and made-up host names (" + sandbox.RPHost + ", " + sandbox.CIS2Host + ")\n" +
			"that resolve nowhere else, writes a matching production configuration and private key to a\n" +
			"temporary directory, and runs the offline and live checks against it. Nothing leaves the\n" +
			"machine. Everything passes; --fault breaks the relying party so you can see what a failure\n" +
			"looks like. On a terminal (with the default text format) it walks you through the wizard,\n" +
			"prefilled, with its live checks run against the sandbox; otherwise it prints the report.\n\nFaults:\n" + faultHelp.String() +
			"\nExit codes as for check: 0 no failure, 1 at least one failure, 2 usage error, 130 interrupted.",
		Example: "  cis2-golive demo\n" +
			"  cis2-golive demo --fault bcl-accepts-all --fault jwks-private\n" +
			"  cis2-golive demo --format json",
		Args: noArgs(""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := report.ParseFormat(opts.Format); err != nil {
				return usageError(fmt.Errorf("--format: %w", err))
			}
			if _, err := sandbox.ParseFaults(opts.Faults); err != nil {
				return usageError(fmt.Errorf("--fault: %w", err))
			}
			return runDemo(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Faults, "fault", nil, "break the sandbox relying party this way (repeatable; see the list above)")
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output format: text, json or markdown")
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "write the demo configuration and key here and keep them (default: a temporary directory, removed at the end)")
	cmd.Flags().BoolVar(&opts.Keep, "keep", false, "keep the temporary directory and its files (a private key among them) after the demo")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", checks.DefaultTimeout, "give up on one check after this long")
	return cmd
}

func runDemo(ctx context.Context, opts *DemoOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	format, _ := report.ParseFormat(opts.Format)
	faults, _ := sandbox.ParseFaults(opts.Faults)
	sb, files, err := sandbox.StartDemo(opts.Dir, faults)
	if err != nil {
		return usageError(err)
	}
	defer sb.Close()
	temporary := opts.Dir == "" && !opts.Keep
	if opts.Dir == "" && opts.Keep {
		defer fmt.Fprintf(opts.IO.ErrOut, "Kept the demo folder %s; it holds the demo's private key: delete it when done.\n", files.Dir)
	}
	if temporary {
		// The folder holds a private key: leave none behind in the temporary directory.
		defer func() {
			if err := os.RemoveAll(files.Dir); err != nil {
				fmt.Fprintf(opts.IO.ErrOut, "Could not remove the demo folder %s: %v; delete it by hand.\n", files.Dir, err)
				return
			}
			fmt.Fprintf(opts.IO.ErrOut, "Removed the demo folder %s and its files (the demo key too); --keep keeps them.\n", files.Dir)
		}()
	}

	cfg, notes, err := model.Load(files.Config)
	if err != nil {
		return usageError(err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Sandbox on 127.0.0.1: relying party %s, fake CIS2 %s\n", sandbox.RPHost, sandbox.CIS2Host)
	fmt.Fprintf(opts.IO.ErrOut, "Wrote %s and %s\n", files.Config, files.Key)
	if temporary {
		fmt.Fprintln(opts.IO.ErrOut, "(a temporary folder, removed when the demo ends; --keep keeps it)")
	}
	if len(opts.Faults) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "Faults: %s\n", strings.Join(opts.Faults, ", "))
	}

	copts := DemoCheckOptions(sb, files, opts.Timeout)
	if opts.IO.CanPrompt() && format == report.Text {
		return runDemoWizard(ctx, opts.IO, opts.Version, files, copts) // a terminal: walk through it
	}
	list := checks.Plan(cfg, copts)
	results := append(checks.Offline(cfg, notes), checks.Run(ctx, list, copts, progress(opts.IO, list))...)
	return finishCheck(ctx, opts.IO, format, files.Config, cfg, nil, results, golive.Done)
}

// DemoCheckOptions point the live checks at a sandbox: its resolver (fake names to 127.0.0.1,
// nothing else), its CA, loopback allowed, its key for the test assertion, its discovery
// document, and the token endpoint probe (safe: the sandbox's CIS2 is fake).
func DemoCheckOptions(sb *sandbox.Sandbox, files sandbox.Files, timeout time.Duration) checks.Options {
	return checks.Options{
		Timeout:            timeout,
		Resolver:           sb.Resolver(),
		RootCAs:            sb.RootCAs(),
		AllowPrivate:       true,
		KeyPath:            files.Key,
		Discovery:          sb.DiscoveryURL(),
		ProbeTokenEndpoint: true,
	}
}
