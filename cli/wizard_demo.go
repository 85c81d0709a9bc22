package cli

import (
	"context"
	"path/filepath"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/sandbox"
	"github.com/cis2-golive/cis2-golive/ui"
)

// runDemoWizard is `demo` on a terminal: the wizard, prefilled with the sandbox's
// configuration and key, its live checks pointed at the sandbox (live), so every screen can
// be walked through and every check passes. Its draft and outputs go in the demo directory,
// never over the user's own draft. version is the build's, recorded in the submission.
func runDemoWizard(ctx context.Context, ios *IOStreams, version string, files sandbox.Files, live checks.Options) error {
	wo := newWizardOptions(ios, version)
	wo.ConfigPath = files.Config
	wo.OutDir = files.Dir
	wo.DraftPath = filepath.Join(files.Dir, "demo-draft.yaml")
	wo.prepare = func(uo *ui.Options) {
		setLivePlan(uo, live)
		uo.KeyPath = live.KeyPath
	}
	return runWizard(ctx, wo)
}
