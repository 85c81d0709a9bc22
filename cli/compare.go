package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// CompareOptions are the flags of `compare`.
type CompareOptions struct {
	IO       *IOStreams
	INTPath  string
	ProdPath string
	Format   string
}

func newCmdCompare(ios *IOStreams) *cobra.Command {
	opts := &CompareOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Compare production with the INT configuration",
		Long: "compare checks, field by field, that production replicates INT as NHS asks. A URI\n" +
			"that keeps its scheme, port and path on a production host is expected. A scheme or\n" +
			"port change, a different security pattern, signing algorithm or userinfo signing, a\n" +
			"redirect path in one file only, a different logout or JWKS path, or a production URI\n" +
			"still on an INT or test host diverges.\n" +
			"--int may be a Connection Manager config export (JSON).\n\n" +
			"Exit codes: 0 no unexplained divergence, 1 at least one, 2 usage error or unreadable file.",
		Example: "  cis2-golive compare --int connection-manager-export.json --prod prod.yaml\n" +
			"  cis2-golive compare --int int.yaml --prod prod.yaml --format markdown",
		Args: noArgs(""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.INTPath == "" || opts.ProdPath == "" {
				return usageError(errors.New("--int and --prod are both required: pass the INT configuration (or Connection Manager export) and the production one"))
			}
			if _, err := report.ParseFormat(opts.Format); err != nil {
				return usageError(fmt.Errorf("--format: %w", err))
			}
			return runCompare(opts)
		},
	}
	cmd.Flags().StringVar(&opts.INTPath, "int", "", "the INT configuration file (YAML, JSON, or a Connection Manager export)")
	cmd.Flags().StringVar(&opts.ProdPath, "prod", "", "production configuration")
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output format: text, json or markdown")
	return cmd
}

func runCompare(opts *CompareOptions) error {
	format, _ := report.ParseFormat(opts.Format)
	in, _, err := loadFrom("--int", opts.INTPath)
	if err != nil {
		return usageError(err)
	}
	prod, _, err := loadFrom("--prod", opts.ProdPath)
	if err != nil {
		return usageError(err)
	}
	cmOpts := model.CompareOptions{INTFromConnectionManager: in.FromConnectionManager}
	rep := report.NewComparisonReport(opts.INTPath, opts.ProdPath, in, prod, cmOpts)
	if err := report.WriteComparison(opts.IO.ColorOut(), format, rep); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	if rep.Diverged {
		return failedError
	}
	return nil
}
