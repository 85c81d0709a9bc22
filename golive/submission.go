package golive

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// The files a submission is made of: the two sent to NHS, and beside them (the wizard's
// outputs) the go-live checklist and the answers as a configuration `check --config` reads.
const (
	JSONFile      = report.SubmissionJSONFile
	MarkdownFile  = report.SubmissionMarkdownFile
	ChecklistFile = "cis2-golive-checklist.md"
	ConfigFile    = "cis2-golive.yaml"
)

// Submission is what the files for NHS are built from.
type Submission struct {
	Config *model.Config
	// INT is the INT configuration production replicates; nil for none.
	INT *model.Config
	// Notes are the loader's notes on Config.
	Notes []model.Finding
	// Results are the check results (a results file's, or the wizard's run); the offline
	// rules are run afresh (see Evidence).
	Results []checks.Result
	Live    Live
	// Source says where Results came from, for the evidence ("cis2-golive check results:
	// results.json", "cis2-golive wizard live checks").
	Source    string
	Generated time.Time
	Version   string
	// Checklist, when set, adds ChecklistFile and ConfigFile (the wizard writes all four).
	Checklist *report.Checklist
}

// Build renders the submission's files, each carrying the verdict in its first lines, and
// returns them with the blockers (none when it is ready to send). It refuses, with an error,
// a configuration or result holding anything that looks like a secret: no override ever
// writes one into a file for NHS.
func Build(s Submission) ([]report.File, []Blocker, error) {
	if s.Config == nil {
		return nil, nil, errors.New("no configuration to submit")
	}
	if err := model.FindSecret(s.Config); err != nil {
		return nil, nil, err
	}
	if err := SecretInResults(s.Results); err != nil {
		return nil, nil, err
	}
	evidence := Evidence(s.Config, s.INT, s.Notes, s.Results)
	bs := Blockers(s.Config, s.INT, s.Results, s.Live)
	source := s.Source
	if source == "" || s.Live == NotRun {
		source = "offline rules"
	}
	sub := report.NewSubmission(s.Config, evidence, source,
		report.Verdict{Live: s.Live == Done, Blockers: Rendered(bs), Sandbox: Sandboxed(s.Results)}, s.Generated, s.Version)
	files, err := report.SubmissionFiles(sub)
	if err != nil {
		return nil, nil, err
	}
	if s.Checklist != nil {
		var ck bytes.Buffer
		if err := report.WriteChecklist(&ck, report.Markdown, *s.Checklist); err != nil {
			return nil, nil, err
		}
		cfg, err := model.Marshal(ConfigFile, s.Config)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, report.File{Name: ChecklistFile, Data: ck.Bytes()}, report.File{Name: ConfigFile, Data: cfg})
	}
	return files, bs, nil
}

// ExistsError is a file Write would replace without being asked to.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string { return e.Path + " already exists" }

// Write writes the files into dir (created if missing), each atomically, and returns their
// paths. It refuses, whatever the caller was told to override, any file holding what looks
// like a secret (model.SecretIn). Unless replace, it first checks that none exists, so a
// refusal leaves nothing half-replaced.
func Write(dir string, files []report.File, replace bool) ([]string, error) {
	if dir == "" {
		dir = "."
	}
	// The last line of defence, and no flag reaches past it: whatever built the files, none
	// holding what looks like a secret is written.
	for _, f := range files {
		if what := model.SecretIn(string(f.Data)); what != "" {
			return nil, fmt.Errorf("refusing to write %s: it holds what looks like %s, and cis2-golive never writes a secret into a file", f.Name, what)
		}
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, f.Name)
		if replace {
			continue
		}
		if _, err := os.Stat(paths[i]); err == nil {
			return nil, &ExistsError{Path: paths[i]}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("check %s: %w", paths[i], err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	for i, f := range files {
		if err := model.WriteFileAtomic(paths[i], f.Data, 0o644); err != nil {
			return nil, fmt.Errorf("%w (check that %s is writable)", err, dir)
		}
	}
	return paths, nil
}
