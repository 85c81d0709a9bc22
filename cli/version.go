package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cis2-golive/cis2-golive/report"
)

// VersionOptions are the version command's inputs.
type VersionOptions struct {
	IO     *IOStreams
	Build  BuildInfo
	Format string
}

func newCmdVersion(ios *IOStreams, build BuildInfo) *cobra.Command {
	opts := &VersionOptions{IO: ios, Build: build}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go release",
		Long: "version prints what a bug report needs, one item per line: the release, the git\n" +
			"commit it was built from, the build date and the Go release that compiled it.\n" +
			"--version prints the same text.",
		Example: "  cis2-golive version\n" +
			"  cis2-golive version --format json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Format != "text" && opts.Format != "json" {
				return usageError(fmt.Errorf("--format %q: use text or json", opts.Format))
			}
			return runVersion(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output format: text or json")
	return cmd
}

func runVersion(opts *VersionOptions) error {
	if opts.Format == "json" {
		return report.WriteJSON(opts.IO.Out, newVersionInfo(opts.Build))
	}
	_, err := fmt.Fprint(opts.IO.Out, versionText(opts.Build))
	return err
}

// versionInfo is the --format json shape; an unknown value is an empty string.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

func newVersionInfo(b BuildInfo) versionInfo {
	return versionInfo{Version: b.Version, Commit: b.Commit, Date: b.Date, Go: runtime.Version()}
}

// versionText is what both `version` and `--version` print, so the two cannot drift apart.
func versionText(b BuildInfo) string {
	v := newVersionInfo(b)
	return fmt.Sprintf("cis2-golive %s\ncommit: %s\nbuilt:  %s\ngo:     %s\n",
		orUnknown(v.Version), orUnknown(v.Commit), orUnknown(v.Date), v.Go)
}

// setVersionFlag makes --version print versionText. fang's own --version prints a one-line
// "version (commit)", so Run turns that off and the root command carries the text instead.
func setVersionFlag(root *cobra.Command, b BuildInfo) {
	root.Version = strings.TrimSuffix(versionText(b), "\n")
	root.SetVersionTemplate("{{.Version}}\n")
}

// withModuleInfo fills what the release build's -ldflags left unset from the build
// information the go command records in every binary: `go install …@v1.2.3` records the
// module version, and a build inside a git checkout records the commit and its time.
func (b BuildInfo) withModuleInfo(info *debug.BuildInfo) BuildInfo {
	if info == nil {
		return b
	}
	if (b.Version == "" || b.Version == "dev") && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && b.Commit == "":
			b.Commit = s.Value
		case s.Key == "vcs.time" && b.Date == "":
			b.Date = s.Value
		}
	}
	return b
}

// moduleBuildInfo is debug.ReadBuildInfo, or nil in a binary built without module support.
func moduleBuildInfo() *debug.BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return info
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
