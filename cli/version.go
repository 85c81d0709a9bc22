package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newCmdVersion(ios *IOStreams, build BuildInfo) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(ios.Out, "cis2-golive %s\ncommit: %s\nbuilt:  %s\n", orUnknown(build.Version), orUnknown(build.Commit), orUnknown(build.Date))
			return nil
		},
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
