package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/golive"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/ui"
)

// ChecklistOptions are the flags of `checklist`.
type ChecklistOptions struct {
	IO         *IOStreams
	ConfigPath string
	// INTPath is the INT configuration production replicates: a production URI on a host it
	// uses blocks the tick.
	INTPath    string
	ChecksPath string
	Submitted  string
	Done       []string
	OutPath    string
	Format     string
	Force      bool
}

func newCmdChecklist(ios *IOStreams) *cobra.Command {
	opts := &ChecklistOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "checklist",
		Short: "Write the go-live checklist",
		Long: "checklist lists the steps of NHS England's \"Put your software live\" page. The item\n" +
			"\"configuration passes checks\" is ticked from evidence only, when nothing blocks sending\n" +
			"the configuration (the rule `submission` applies): --checks (the output of\n" +
			"`check --format json`, with its live checks of the configuration --config names)\n" +
			"with no failure and no value on a non-production host (with --int, none on a host\n" +
			"your INT configuration uses). --config alone runs the offline rules, which can show\n" +
			"a problem but never tick it; --checks of another configuration is refused. Tick the\n" +
			"others with --done ID,ID (ids: " + strings.Join(report.ChecklistIDs(), ", ") + ").\n" +
			"--submitted gives the date the configuration went to NHS; the earliest go-live date\n" +
			"is two weeks later.\n\n" +
			"Exit codes: 0 written, 2 usage error or unreadable input.",
		Example: "  cis2-golive checklist --config prod.yaml --submitted 2026-03-02 -o go-live.md\n" +
			"  cis2-golive checklist --checks results.json --done assurance.complete --format json",
		Args: noArgs("--config"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("format") && strings.EqualFold(filepath.Ext(opts.OutPath), ".json") {
				opts.Format = "json"
			}
			if _, err := report.ParseFormat(opts.Format); err != nil {
				return usageError(fmt.Errorf("--format: %w", err))
			}
			ids := report.ChecklistIDs()
			for _, id := range opts.Done {
				if !slices.Contains(ids, id) {
					return usageError(fmt.Errorf("--done %q is not a checklist item: use one of %s", id, strings.Join(ids, ", ")))
				}
				if id == report.ItemConfigChecked {
					return usageError(fmt.Errorf("--done %s is ticked from evidence only: pass --config or --checks", id))
				}
			}
			return runChecklist(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.ConfigPath, "config", "c", "", "configuration file, checked offline when --checks is not given")
	cmd.Flags().StringVar(&opts.INTPath, "int", "", "the INT configuration in `FILE` (YAML, JSON or a Connection Manager export) that production replicates")
	cmd.Flags().StringVar(&opts.ChecksPath, "checks", "", "read check results from `FILE`, the output of cis2-golive check --format json")
	cmd.Flags().StringVar(&opts.Submitted, "submitted", "", "date the production configuration was sent to NHS (YYYY-MM-DD)")
	cmd.Flags().StringSliceVar(&opts.Done, "done", nil, "ids of items already done (comma-separated)")
	cmd.Flags().StringVarP(&opts.OutPath, "output", "o", "", "write to `FILE` (or into a directory) instead of standard output; .json implies --format json")
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "markdown", "output format: markdown, json or text")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace an existing output file")
	return cmd
}

func runChecklist(opts *ChecklistOptions) error {
	format, _ := report.ParseFormat(opts.Format)
	submitted, err := parseDate("--submitted", opts.Submitted)
	if err != nil {
		return err
	}
	var cfg *model.Config
	var results []checks.Result
	if opts.ConfigPath != "" {
		c, _, err := loadFrom("--config", opts.ConfigPath)
		if err != nil {
			return usageError(err)
		}
		cfg = c
	}
	in, err := loadINT(opts.INTPath)
	if err != nil {
		return err
	}
	if results, err = readChecks(opts.ChecksPath, cfg, opts.ConfigPath); err != nil {
		return err
	}
	ticks := map[string]bool{}
	for _, id := range opts.Done {
		ticks[id] = true
	}
	cl := report.NewChecklist(cfg, golive.ChecklistEvidence(cfg, in, results, golive.LiveIn(results)), ticks, submitted)
	if opts.OutPath == "" {
		return report.WriteChecklist(opts.IO.ColorOut(), format, cl)
	}
	out := opts.OutPath
	if fi, err := os.Stat(out); err == nil && fi.IsDir() { // -o DIR: the usual name, in DIR
		out = filepath.Join(out, checklistName(format))
	}
	if err := refuseOverwrite(out, opts.Force); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := report.WriteChecklist(plainWriter(&buf), format, cl); err != nil {
		return err
	}
	if err := writeOutput(out, &buf); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %s (%d of %d done)\n", out, cl.Done(), len(cl.Items))
	return nil
}

// checklistName is the file `-o DIR` writes: the wizard's name for the checklist, with the
// format's extension.
func checklistName(f report.Format) string {
	ext := map[report.Format]string{report.JSON: ".json", report.Text: ".txt"}[f]
	if ext == "" {
		return ui.ChecklistFile
	}
	return strings.TrimSuffix(ui.ChecklistFile, filepath.Ext(ui.ChecklistFile)) + ext
}
