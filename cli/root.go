// Package cli holds cis2-golive's commands: one options struct, one newCmdX constructor and
// one runX function each, wired to a root command. main.go only calls Main.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"charm.land/fang/v2"
	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"
)

// BuildInfo is what the release build injects with -ldflags.
type BuildInfo struct {
	Version, Commit, Date string
}

// Main runs the command line against the process's streams and returns the exit code.
func Main(build BuildInfo) int {
	return Run(context.Background(), os.Args[1:], System(), build)
}

// Run executes the command line and maps the outcome to an exit code; tests call it in-process.
func Run(ctx context.Context, args []string, ios *IOStreams, build BuildInfo) int {
	root := NewRootCmd(ios, build)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := fang.Execute(ctx, root,
		fang.WithVersion(build.Version),
		fang.WithCommit(build.Commit),
		fang.WithNotifySignal(os.Interrupt),
		fang.WithErrorHandler(errorHandler),
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled):
		return ExitCancelled
	}
	return exitCode(err)
}

// errorHandler prints errors as "Error: …" lines with no stack trace, keeping the message's
// own case (it often starts with a file name). Silent exit errors print nothing: the command
// has already reported.
func errorHandler(w io.Writer, styles fang.Styles, err error) {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Err == nil {
		return
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, "cancelled")
		return
	}
	fmt.Fprintf(w, "%s %s\n", errorLabel.Render("Error:"), err.Error())
	if !errors.As(err, &ee) {
		// cobra's own flag and argument errors
		fmt.Fprintln(w, "Run with --help for usage.")
	}
}

var errorLabel = lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true)

// NewRootCmd builds the command tree.
func NewRootCmd(ios *IOStreams, build BuildInfo) *cobra.Command {
	root := &cobra.Command{
		Use:   "cis2-golive",
		Short: "Check and submit a CIS2 Authentication production configuration",
		Long: "cis2-golive walks you through the production configuration NHS England needs to put a\n" +
			"CIS2 Authentication integration live, checks it offline and against your live endpoints,\n" +
			"and writes the submission file and go-live checklist.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWizard(cmd.Context(), newWizardOptions(ios, build.Version))
		},
	}
	// Groups follow the go-live path, so --help reads as the order of work.
	root.AddGroup(
		&cobra.Group{ID: "start", Title: "Start here"},
		&cobra.Group{ID: "golive", Title: "Check and submit"},
		&cobra.Group{ID: "live", Title: "Once live"},
		&cobra.Group{ID: "more", Title: "More"},
	)
	root.SetHelpCommandGroupID("more")
	root.SetCompletionCommandGroupID("more")
	for group, cmds := range map[string][]*cobra.Command{
		"start":  {newCmdDemo(ios, build), newCmdWizard(ios, build)},
		"golive": {newCmdCheck(ios), newCmdKeys(ios), newCmdCompare(ios), newCmdSubmission(ios, build), newCmdChecklist(ios)},
		"live":   {newCmdDiff(ios), newCmdWatch(ios, build)},
	} {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	version := newCmdVersion(ios, build)
	version.GroupID = "more"
	root.AddCommand(version)
	return root
}
