package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/report"
)

// DiffOptions are the flags of `diff`.
type DiffOptions struct {
	IO      *IOStreams
	OldPath string
	NewPath string
	Format  string
}

func newCmdDiff(ios *IOStreams) *cobra.Command {
	opts := &DiffOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "List changes and whether NHS must be told",
		Long: "diff lists every change between the live production configuration and the next one,\n" +
			"and for each says whether NHS England must receive an updated configuration (yes, no,\n" +
			"or unconfirmed where NHS's pages do not say). It reminds you that a change in how your\n" +
			"service works means re-submitting conformance answers.\n\n" +
			"Exit codes: 0 compared (whatever changed), 2 usage error or unreadable file.",
		Example: "  cis2-golive diff --old live.yaml --new next.yaml\n" +
			"  cis2-golive diff --old live.yaml --new next.yaml --format markdown",
		Args: noArgs(""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.OldPath == "" || opts.NewPath == "" {
				return usageError(errors.New("--old and --new are both required: pass the live configuration and the changed one"))
			}
			if _, err := report.ParseFormat(opts.Format); err != nil {
				return usageError(fmt.Errorf("--format: %w", err))
			}
			return runDiff(opts)
		},
	}
	cmd.Flags().StringVar(&opts.OldPath, "old", "", "the configuration NHS has deployed (live)")
	cmd.Flags().StringVar(&opts.NewPath, "new", "", "the changed configuration")
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output format: text, json or markdown")
	return cmd
}

func runDiff(opts *DiffOptions) error {
	format, _ := report.ParseFormat(opts.Format)
	old, _, err := loadFrom("--old", opts.OldPath)
	if err != nil {
		return usageError(err)
	}
	next, _, err := loadFrom("--new", opts.NewPath)
	if err != nil {
		return usageError(err)
	}
	rep := report.NewDiffReport(opts.OldPath, opts.NewPath, old, next)
	if err := report.WriteDiff(opts.IO.ColorOut(), format, rep); err != nil {
		return fmt.Errorf("write diff: %w", err)
	}
	return nil
}
