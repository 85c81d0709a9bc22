package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// checklist shows the go-live checklist, the earliest go-live date (the submission date plus
// NHS's minimum of two weeks) and writes the output files.
type checklist struct {
	c       *common
	cursor  int // rows: items..., submitted date, write
	editing bool
	date    textinput.Model
	err     string
	writing bool
}

// minimumDeployTime is NHS's "allow a minimum of 2 weeks for us to deploy it".
const minimumDeployTime = 14 * 24 * time.Hour

const dateLayout = "2006-01-02"

// outputsWrittenMsg reports the files a write produced.
type outputsWrittenMsg struct {
	paths []string
	err   error
}

var checklistKeys = struct{ Move, Toggle, Finish key.Binding }{
	Move:   binding("↑/↓", "move", "up", "down"),
	Toggle: binding("space", "tick", "x"),
	Finish: binding("enter", "edit / write"),
}

func newChecklist(c *common) *checklist {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = dateLayout
	in.CharLimit = 10
	return &checklist{c: c, date: in}
}

func (s *checklist) enter() tea.Cmd {
	if s.c.submittedOn == "" {
		s.c.submittedOn = s.c.opts.now().Format(dateLayout)
	}
	s.editing, s.err = false, ""
	return nil
}

func (s *checklist) rows() int { return 2 }

func (s *checklist) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case outputsWrittenMsg:
		s.writing = false
		if msg.err != nil {
			s.err = msg.err.Error()
			return nil
		}
		s.c.written = msg.paths
		return func() tea.Msg { return finishMsg{} }
	case tea.KeyPressMsg:
		if s.editing {
			return s.editDate(msg)
		}
		switch msg.String() {
		case "up":
			s.cursor = max(0, s.cursor-1)
		case "down", "tab":
			s.cursor = min(s.rows()-1, s.cursor+1)
		case "enter":
			switch s.cursor {
			case s.rows() - 2:
				s.editing = true
				s.date.SetValue(s.c.submittedOn)
				s.date.CursorEnd()
				return s.date.Focus()
			case s.rows() - 1:
				if s.writing {
					return nil
				}
				s.writing, s.err = true, ""
				return writeOutputs(s.c.opts.OutDir, cloneConfig(*s.c.cfg))
			}
		}
	}
	return nil
}

func (s *checklist) editDate(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.editing, s.err = false, ""
		return nil
	case "enter":
		v := strings.TrimSpace(s.date.Value())
		if _, err := time.Parse(dateLayout, v); err != nil {
			s.err = "write the date as YYYY-MM-DD, e.g. " + s.c.opts.now().Format(dateLayout)
			return nil
		}
		s.c.submittedOn, s.editing, s.err = v, false, ""
		s.date.Blur()
		return nil
	}
	var cmd tea.Cmd
	s.date, cmd = s.date.Update(msg)
	return cmd
}

// earliestGoLive is the submission date plus NHS's two weeks.
func earliestGoLive(submitted string) (time.Time, error) {
	d, err := time.Parse(dateLayout, submitted)
	if err != nil {
		return time.Time{}, err
	}
	return d.Add(minimumDeployTime), nil
}

// writeOutputs writes the answers as a configuration file `check --config` can read.
func writeOutputs(dir string, cfg model.Config) tea.Cmd {
	return func() tea.Msg {
		if dir == "" {
			dir = "."
		}
		path := filepath.Join(dir, "cis2-golive.yaml")
		if err := model.Save(path, &cfg); err != nil {
			return outputsWrittenMsg{err: err}
		}
		return outputsWrittenMsg{paths: []string{path}}
	}
}

func (s *checklist) view() string {
	st := s.c.styles
	var b strings.Builder
	sum := checks.Summarise(s.c.results)
	switch {
	case s.c.results == nil:
		b.WriteString(st.Warn.Render("! the live checks have not completed") + "\n")
	case sum.Failed():
		b.WriteString(st.Fail.Render(fmt.Sprintf("✗ %d check(s) failed: fix them before you submit", sum.Fail)) + "\n")
	default:
		b.WriteString(st.Pass.Render(fmt.Sprintf("✓ checks passed (%d warnings)", sum.Warn)) + "\n")
	}
	b.WriteString("\n")
	row := 0
	dateLine := "Submitted to NHS on: " + s.c.submittedOn
	if s.editing {
		dateLine = "Submitted to NHS on: " + s.date.View()
	}
	b.WriteString(cursorLine(st, s.cursor == row, dateLine) + "\n")
	if d, err := earliestGoLive(s.c.submittedOn); err == nil {
		b.WriteString("  " + st.Heading.Render("Earliest go-live: "+d.Format("Monday 2 January 2006")) +
			st.Faint.Render("  (NHS needs at least 2 weeks to deploy)") + "\n")
	}
	row++
	b.WriteString("\n" + cursorLine(st, s.cursor == row, st.Heading.Render("Write files and finish →")) + "\n")
	if s.writing {
		b.WriteString(st.Faint.Render("  writing…") + "\n")
	}
	if s.err != "" {
		b.WriteString(st.Fail.Render("✗ "+s.err) + "\n")
	}
	return b.String()
}

func (s *checklist) keys() []key.Binding {
	if s.editing {
		return []key.Binding{binding("enter", "save date"), binding("esc", "cancel")}
	}
	return []key.Binding{checklistKeys.Move, checklistKeys.Finish}
}

func (s *checklist) leave() error {
	return errors.New("this is the last step: choose “Write files and finish”")
}

func (s *checklist) capturesEsc() bool { return s.editing }
