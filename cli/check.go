package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// CheckOptions are the flags of `check`.
type CheckOptions struct {
	IO         *IOStreams
	ConfigPath string
	Offline    bool
	Format     string
}

func newCmdCheck(ios *IOStreams) *cobra.Command {
	opts := &CheckOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "check --config FILE",
		Short: "Check a configuration offline and against its live endpoints",
		Long: "check validates every field of the configuration (URI format, security pattern,\n" +
			"algorithms) and reports each finding with the field and the fix.\n\n" +
			"Exit codes: 0 no failure (warnings allowed), 1 at least one failure,\n" +
			"2 usage error or unreadable/invalid configuration file, 130 interrupted.",
		Example: "  cis2-golive check --config prod.yaml --offline\n" +
			"  cis2-golive check --config prod.yaml --format json > results.json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.ConfigPath == "" {
				return usageError(fmt.Errorf("--config is required: pass the configuration file to check"))
			}
			if _, err := report.ParseFormat(opts.Format); err != nil {
				return usageError(fmt.Errorf("--format: %w", err))
			}
			return runCheck(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.ConfigPath, "config", "c", "", "configuration file (YAML, JSON, or a Connection Manager export)")
	cmd.Flags().BoolVar(&opts.Offline, "offline", false, "check the file only; contact no endpoint")
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output format: text, json or markdown")
	return cmd
}

func runCheck(opts *CheckOptions) error {
	format, _ := report.ParseFormat(opts.Format)
	cfg, notes, err := model.Load(opts.ConfigPath)
	if err != nil {
		return usageError(err)
	}
	results := checks.Offline(cfg, notes)
	rep := report.NewCheckReport(opts.ConfigPath, results)
	if err := report.WriteCheckReport(opts.IO.ColorOut(), format, rep); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if rep.Summary.Failed() {
		return failedError
	}
	return nil
}
