// Package cli holds cis2-golive's commands: one options struct, one newCmdX constructor and
// one runX function each, wired to a root command. main.go only calls Main.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

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
	return Run(context.Background(), os.Args[1:], System(), build.withModuleInfo(moduleBuildInfo()))
}

// Run executes the command line and maps the outcome to an exit code; tests call it in-process.
func Run(ctx context.Context, args []string, ios *IOStreams, build BuildInfo) int {
	root := NewRootCmd(ios, build)
	if rootHelp(root, args) { // fang replaces the root's help function: see help.go
		writeHelp(ios, root)
		return ExitOK
	}
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := fang.Execute(ctx, root,
		fang.WithoutVersion(), // NewRootCmd sets --version to print what `version` prints
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
		fmt.Fprintln(w, "Interrupted: what finished is reported above; the rest did not run.")
		return
	}
	fmt.Fprintf(w, "%s %s\n", errorLabel.Render("Error:"), err.Error())
	if ee != nil && ee.Usage {
		fmt.Fprintln(w, "Run with --help for usage.")
	}
}

var errorLabel = lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true)

// NewRootCmd builds the command tree.
func NewRootCmd(ios *IOStreams, build BuildInfo) *cobra.Command {
	root := &cobra.Command{
		Use:   "cis2-golive",
		Short: "Check and submit a CIS2 Authentication production configuration",
		// One line: the man page (mango) makes every newline of it a paragraph, and --help
		// wraps it to the terminal.
		Long: "cis2-golive walks you through the production configuration NHS England needs to put a " +
			"CIS2 Authentication integration live, checks it offline and against your live endpoints, " +
			"and writes the submission file and go-live checklist.",
		Version: build.Version, // for the --version flag in help; fang sets the shown version
		Args:    noArgs(""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWizard(cmd.Context(), newWizardOptions(ios, build.Version))
		},
	}
	// cobra's flag errors (unknown flag, missing value) are mistakes in the command line.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return callError(err) })
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
		"golive": {newCmdCheck(ios), newCmdAssertion(ios), newCmdSim(ios), newCmdKeys(ios), newCmdCompare(ios), newCmdSubmission(ios, build), newCmdChecklist(ios)},
		"live":   {newCmdDiff(ios), newCmdWatch(ios, build)},
	} {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	setVersionFlag(root, build)
	version := newCmdVersion(ios, build)
	version.GroupID = "more"
	root.AddCommand(version)
	installHelp(root, ios)
	return root
}

// noArgs refuses positional arguments: every input is a flag. A command that reads a file
// names the flag that takes it (`check good.yaml` → `check --config good.yaml`); any other
// word is an unknown command.
func noArgs(fileFlag string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		cmd.SuggestionsMinimumDistance = 2
		switch {
		case len(args) == 0:
			return nil
		case fileFlag != "" && len(args) == 1 && !strings.HasPrefix(args[0], "-"):
			return callError(fmt.Errorf("%s takes the file as a flag: run `%s %s %s`",
				cmd.CommandPath(), cmd.CommandPath(), fileFlag, args[0]))
		case cmd.HasAvailableSubCommands():
			hint := "the commands are " + strings.Join(commandNames(cmd), ", ")
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				hint = "did you mean " + strings.Join(s, " or ") + "?"
			}
			return callError(fmt.Errorf("unknown command %q for %q: %s", args[0], cmd.CommandPath(), hint))
		}
		return callError(fmt.Errorf("%s takes no arguments, only flags (got %q)", cmd.CommandPath(), strings.Join(args, " ")))
	}
}

func commandNames(cmd *cobra.Command) []string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return names
}
