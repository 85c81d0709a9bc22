package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// refuseOverwrite stops a command from replacing a file the user already has, unless --force.
func refuseOverwrite(path string, force bool) error {
	if force {
		return nil
	}
	if _, err := os.Stat(path); err == nil {
		return usageError(fmt.Errorf("%s already exists: pass --force to replace it, or -o to write elsewhere", path))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return usageError(fmt.Errorf("check %s: %w", path, err))
	}
	return nil
}

// loadFrom loads the configuration passed as flag (--config, --old, --int…): a file that
// cannot be read is the command line's mistake, so the fix names that flag.
func loadFrom(flag, path string) (*model.Config, []model.Finding, error) {
	cfg, notes, err := model.Load(path)
	var le *model.LoadError
	if errors.As(err, &le) && errors.Is(le.Err, fs.ErrNotExist) {
		le.Fix = "check the path passed to " + flag
	}
	return cfg, notes, err
}

// writeOutput writes rendered data to a file atomically.
func writeOutput(path string, buf *bytes.Buffer) error {
	if err := model.WriteFileAtomic(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("%w (check that the directory exists and is writable)", err)
	}
	return nil
}

// parseDate reads a --submitted style YYYY-MM-DD date.
func parseDate(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(report.DateLayout, s)
	if err != nil {
		return time.Time{}, usageError(fmt.Errorf("%s %q: write the date as YYYY-MM-DD, e.g. 2026-03-02", flag, s))
	}
	return t, nil
}

// plainWriter drops styling: files get no escape sequences, whatever the terminal supports.
func plainWriter(w io.Writer) io.Writer {
	cw := colorprofile.NewWriter(w, nil)
	cw.Profile = colorprofile.NoTTY
	return cw
}
