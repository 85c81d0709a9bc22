package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/golive"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// checklist shows the go-live checklist from package report: items the tool verified are
// ticked from the check results, the rest are ticked here and saved in the draft. It shows
// the earliest go-live date (submission date + NHS's two weeks) and writes the outputs.
type checklist struct {
	c       *common
	cursor  int // rows: items..., submitted date, write
	editing bool
	date    textinput.Model
	err     string
	writing bool
	// confirm holds the reasons not to write while the "write anyway?" question is open.
	confirm []golive.Reason
}

// The files the wizard writes besides the submission (golive names them all).
const (
	ChecklistFile = golive.ChecklistFile
	ConfigFile    = golive.ConfigFile
)

// outputsWrittenMsg reports the files a write produced.
type outputsWrittenMsg struct {
	paths []string
	err   error
}

var checklistKeys = struct{ Move, Toggle, Enter key.Binding }{
	Move:   binding("↑/↓", "move", "up", "down"),
	Toggle: binding("space", "tick", "x"),
	Enter:  binding("enter", "choose"),
}

func newChecklist(c *common) *checklist {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = "YYYY-MM-DD" // not a real-looking date
	in.CharLimit = 10
	in.SetWidth(len(in.Placeholder) + 1) // or the placeholder shows only its first letter
	return &checklist{c: c, date: in}
}

func (s *checklist) enter() tea.Cmd {
	s.editing, s.err, s.confirm = false, "", nil
	return nil
}

func (s *checklist) build() report.Checklist {
	submitted, _ := time.Parse(report.DateLayout, s.c.submittedOn)
	used := s.c.cfg.Used()
	return report.NewChecklist(&used, golive.ChecklistEvidence(&used, s.c.intCfg, s.c.results, s.c.live()), s.c.ticks, submitted)
}

func (s *checklist) update(msg tea.Msg) tea.Cmd {
	cl := s.build()
	n := len(cl.Items)
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
		if s.confirm != nil {
			return s.answerConfirm(msg, cl)
		}
		switch msg.String() {
		case "up", "k":
			s.cursor = max(0, s.cursor-1)
		case "down", "j", "tab":
			s.cursor = min(n+1, s.cursor+1)
		case "space", " ", "x":
			s.toggle(cl)
		case "enter":
			switch {
			case s.cursor < n:
				s.toggle(cl)
			case s.cursor == n:
				s.editing = true
				s.date.SetValue(s.c.submittedOn)
				s.date.CursorEnd()
				return s.date.Focus()
			case !s.writing:
				s.err = ""
				if rs := golive.Reasons(s.c.blockers()); len(rs) > 0 {
					s.confirm = rs // ask first; the default is no
					return nil
				}
				return s.write(cl, nil)
			}
		}
	}
	return nil
}

// answerConfirm takes the answer to "write the files anyway?": only y writes; n, esc and
// enter (the default, No) go back to the checklist.
func (s *checklist) answerConfirm(msg tea.KeyPressMsg, cl report.Checklist) tea.Cmd {
	switch msg.String() {
	case "y", "Y":
		bs := s.confirm
		s.confirm = nil
		return s.write(cl, bs)
	case "n", "N", "esc", "enter":
		s.confirm = nil
		s.err = "files not written: fix the failures (esc goes back), or write anyway"
	}
	return nil
}

// write starts writing the outputs; despite is what the user chose to write them anyway over.
func (s *checklist) write(cl report.Checklist, despite []golive.Reason) tea.Cmd {
	s.writing = true
	s.c.despite = golive.Shorts(despite)
	return writeOutputs(s.c, cl)
}

func (s *checklist) toggle(cl report.Checklist) {
	if s.cursor >= len(cl.Items) {
		return
	}
	it := cl.Items[s.cursor]
	if it.FromEvidence {
		s.err = "the tool ticks this from the live check results"
		return
	}
	s.err = ""
	s.c.ticks[it.ID] = !s.c.ticks[it.ID]
}

func (s *checklist) editDate(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.editing, s.err = false, ""
		return nil
	case "enter":
		v := strings.TrimSpace(s.date.Value())
		if v != "" {
			if _, err := time.Parse(report.DateLayout, v); err != nil {
				s.err = "write the date as YYYY-MM-DD, e.g. " + s.c.opts.now().Format(report.DateLayout)
				return nil
			}
		}
		s.c.submittedOn, s.editing, s.err = v, false, ""
		s.date.Blur()
		return nil
	}
	var cmd tea.Cmd
	s.date, cmd = s.date.Update(msg)
	return cmd
}

// writeOutputs writes what golive builds: the submission (JSON and Markdown, carrying the
// verdict in their first lines, so NHS sees what it was written over), the checklist and the
// answers as a configuration file. The user chose "write", so existing files from an earlier
// run are replaced (atomically). It copies what it needs: the command runs after Update.
func writeOutputs(c *common, cl report.Checklist) tea.Cmd {
	cfg := c.cfg.Used() // the answers to the security pattern not chosen are not written
	var in *model.Config
	if c.intCfg != nil {
		v := c.intCfg.Clone()
		in = &v
	}
	sub := golive.Submission{
		Config: &cfg, INT: in, Results: withoutKeyPath(slices.Clone(c.results), c.keyPath), Live: c.live(),
		Source: "cis2-golive wizard live checks", Generated: c.opts.now(), Version: c.opts.Version, Checklist: &cl,
	}
	dir := c.opts.OutDir
	return func() tea.Msg {
		files, _, err := golive.Build(sub)
		if err != nil {
			return outputsWrittenMsg{err: err}
		}
		paths, err := golive.Write(dir, files, true)
		return outputsWrittenMsg{paths: paths, err: err}
	}
}

// writeAnywayQuestion asks plainly, one sentence per reason: "2 checks failed: NHS would
// deploy a configuration that does not work. Write the files anyway?"
func writeAnywayQuestion(rs []golive.Reason) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(capitalise(r.Short) + ": " + r.Why + ". ")
	}
	return b.String() + "Write the files anyway?"
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (s *checklist) view() string {
	st := s.c.styles
	cl := s.build()
	var lines []string
	cursorAt := 0
	section := ""
	for i, it := range cl.Items {
		if it.Section != section {
			section = it.Section
			lines = append(lines, st.Heading.Render(section))
		}
		box := "[ ]"
		if it.Done {
			box = st.Pass.Render("[x]")
		}
		text := it.Text
		if it.FromEvidence {
			text += st.Faint.Render(" (from checks: " + it.Evidence + ")")
		}
		if i == s.cursor {
			cursorAt = len(lines)
		}
		// One row per item so the list fits; the selected item's full text is shown below.
		lines = append(lines, cursorLine(st, i == s.cursor, ansi.Truncate(box+" "+text, s.c.width-2, "…")))
	}
	n := len(cl.Items)
	// Lines below the list: the selected item in full (blank + 2), the date, the earliest
	// go-live date when known, "Write files", and an error or "writing…".
	below := 5
	if !cl.EarliestGoLive.IsZero() {
		below++
	}
	if s.writing || s.err != "" {
		below++
	}
	if s.confirm != nil {
		below += 3 // the question (up to two lines at 80 columns) and its keys
	}
	room := max(3, s.c.height-1-below)
	if len(lines) > room {
		room-- // for the "more" line
	}
	if s.cursor >= n {
		cursorAt = len(lines) - 1
	}
	first, last := listWindow(len(lines), cursorAt, room)
	var b strings.Builder
	b.WriteString(st.Faint.Render(fmt.Sprintf("%d of %d done", cl.Done(), n)) + "\n")
	b.WriteString(strings.Join(lines[first:last], "\n") + "\n")
	var more []string
	if first > 0 {
		more = append(more, fmt.Sprintf("↑ %d more", first))
	}
	if h := len(lines) - last; h > 0 {
		more = append(more, fmt.Sprintf("↓ %d more", h))
	}
	if len(more) > 0 {
		b.WriteString("  " + st.Faint.Render(strings.Join(more, " · ")+" (↑/↓ to scroll)") + "\n")
	}
	b.WriteString("\n")
	if s.cursor < n {
		b.WriteString(st.Faint.Render(ansi.Truncate(cl.Items[s.cursor].Text, 2*s.c.width-4, "…")) + "\n")
	} else {
		b.WriteString("\n")
	}

	date := s.c.submittedOn
	if date == "" {
		date = "not yet (enter to set)"
	}
	if s.editing {
		date = s.date.View()
	}
	b.WriteString(cursorLine(st, s.cursor == n, "Submitted to NHS on: "+date) + "\n")
	if !cl.EarliestGoLive.IsZero() {
		b.WriteString("  " + st.Heading.Render("Earliest go-live: "+cl.EarliestGoLive.Format("Monday 2 January 2006")) +
			st.Faint.Render(" (NHS needs at least 2 weeks)") + "\n")
	}
	b.WriteString(cursorLine(st, s.cursor == n+1, st.Heading.Render("Write files and finish →")) + "\n")
	switch {
	case s.confirm != nil:
		b.WriteString(st.Prompt.Render(writeAnywayQuestion(s.confirm)) + "\n" +
			st.Faint.Render("y write anyway · n (default) go back") + "\n")
	case s.writing:
		b.WriteString(st.Faint.Render("  writing…") + "\n")
	case s.err != "":
		b.WriteString(st.Fail.Render("✗ "+s.err) + "\n")
	}
	return b.String()
}

func (s *checklist) keys() []key.Binding {
	if s.editing {
		return []key.Binding{binding("enter", "save date"), binding("esc", "cancel")}
	}
	if s.confirm != nil {
		return []key.Binding{binding("y", "write anyway"), binding("n", "go back")}
	}
	return []key.Binding{checklistKeys.Move, checklistKeys.Toggle, checklistKeys.Enter}
}

func (s *checklist) leave() error {
	return errors.New("this is the last step: choose “Write files and finish”")
}

func (s *checklist) capturesEsc() bool { return s.editing || s.confirm != nil }

func timeParse(v string) (time.Time, error) { return time.Parse(report.DateLayout, v) }
