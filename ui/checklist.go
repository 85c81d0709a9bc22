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
	"charm.land/lipgloss/v2"

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
	// askDir offers another directory after a write failed there; despite is what the
	// write that failed was going over.
	askDir  bool
	dirIn   textinput.Model
	despite []golive.Reason
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
	dir := textinput.New()
	dir.Prompt = "> "
	dir.CharLimit = 4096
	return &checklist{c: c, date: in, dirIn: dir}
}

func (s *checklist) enter() tea.Cmd {
	s.editing, s.err, s.confirm, s.askDir = false, "", nil, false
	return nil
}

func (s *checklist) build() report.Checklist { return s.c.s.checklist() }

func (s *checklist) update(msg tea.Msg) tea.Cmd {
	cl := s.build()
	n := len(cl.Items)
	switch msg := msg.(type) {
	case outputsWrittenMsg:
		s.writing = false
		if msg.err != nil { // say why, and offer another directory right here
			s.err = msg.err.Error()
			s.askDir = true
			s.dirIn.SetValue(s.c.opts.OutDir)
			s.dirIn.CursorEnd()
			s.dirIn.SetWidth(s.c.width - 4)
			return s.dirIn.Focus()
		}
		s.c.s.written = msg.paths
		return func() tea.Msg { return finishMsg{} }
	case tea.PasteMsg:
		if s.askDir {
			var cmd tea.Cmd
			s.dirIn, cmd = s.dirIn.Update(msg)
			return cmd
		}
	case tea.KeyPressMsg:
		if s.editing {
			return s.editDate(msg)
		}
		if s.askDir {
			return s.answerDir(msg, cl)
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
				s.date.SetValue(s.c.s.draft.SubmittedOn)
				s.date.CursorEnd()
				return s.date.Focus()
			case !s.writing:
				s.err = ""
				if rs := golive.Reasons(s.c.s.blockers()); len(rs) > 0 {
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

// answerDir takes another output directory after a write failed: enter writes there (the
// same answers, the same decision to write anyway), esc goes back to the checklist.
func (s *checklist) answerDir(msg tea.KeyPressMsg, cl report.Checklist) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.askDir, s.err = false, ""
		s.dirIn.Blur()
		return nil
	case "enter":
		v := strings.TrimSpace(s.dirIn.Value())
		if v == "" {
			return nil
		}
		s.askDir, s.err = false, ""
		s.dirIn.Blur()
		s.c.opts.OutDir = v
		return s.write(cl, s.despite)
	}
	var cmd tea.Cmd
	s.dirIn, cmd = s.dirIn.Update(msg)
	return cmd
}

// write starts writing the outputs; despite is what the user chose to write them anyway over.
func (s *checklist) write(cl report.Checklist, despite []golive.Reason) tea.Cmd {
	s.writing = true
	s.despite = despite
	s.c.s.despite = golive.Shorts(despite)
	return writeFilesCmd(s.c.s, cl)
}

func (s *checklist) toggle(cl report.Checklist) {
	if s.cursor >= len(cl.Items) {
		return
	}
	it := cl.Items[s.cursor]
	if !tickable(it, s.c.s) {
		s.err = "this is ticked " + tickedBy(it) + ", not by hand"
		if !it.FromEvidence {
			s.err += ": clear the date to untick it"
		}
		return
	}
	s.err = ""
	s.c.s.draft.Checklist[it.ID] = !it.Done
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
		s.c.s.draft.SubmittedOn, s.editing, s.err = v, false, ""
		s.date.Blur()
		return nil
	}
	var cmd tea.Cmd
	s.date, cmd = s.date.Update(msg)
	return cmd
}

// writeFiles writes what golive builds: the submission (JSON and Markdown, carrying the
// verdict in their first lines, so NHS sees what it was written over), the checklist and the
// answers as a configuration file, in the output directory. The user chose "write", so
// existing files from an earlier run are replaced (atomically). A plain function both front
// ends call; writeFilesCmd runs it in a command.
func writeFiles(s *session, cl report.Checklist) ([]string, error) {
	files, _, err := golive.Build(submission(s, cl))
	if err != nil {
		return nil, err
	}
	return golive.Write(s.opts.OutDir, files, true)
}

// submission is what golive needs to build the files, copied from the session: the answers
// to the security pattern not chosen are not written, and the local key path never is.
func submission(s *session, cl report.Checklist) golive.Submission {
	var in *model.Config
	if s.draft.INT != nil {
		v := s.draft.INT.Clone()
		in = &v
	}
	return golive.Submission{
		Config: s.used(), INT: in, Results: withoutKeyPath(slices.Clone(s.results), s.draft.KeyPath), Live: s.live(),
		Source: "cis2-golive wizard live checks", Generated: s.opts.now(), Version: s.opts.Version, Checklist: &cl,
	}
}

// writeFilesCmd is writeFiles in a command: what to write is copied now, in Update, and
// written when the command runs.
func writeFilesCmd(s *session, cl report.Checklist) tea.Cmd {
	sub, dir := submission(s, cl), s.opts.OutDir
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
	n := len(cl.Items)
	w := s.c.width

	// Below the list, always on screen: the date, the go-live date, "Write files", and the
	// question or message of the moment.
	var below []string
	date := s.c.s.draft.SubmittedOn
	if date == "" {
		date = "not yet (enter to set)"
	}
	if s.editing {
		date = s.date.View()
	}
	below = append(below, "", cursorLine(st, s.cursor == n, "Submitted to NHS on: "+date))
	if !cl.EarliestGoLive.IsZero() {
		below = append(below, "  "+st.Heading.Render("Earliest go-live: "+cl.EarliestGoLive.Format("Monday 2 January 2006"))+
			st.Faint.Render(" (NHS needs at least 2 weeks)"))
	}
	below = append(below, cursorLine(st, s.cursor == n+1, st.Heading.Render("Write files and finish →")))
	switch {
	case s.confirm != nil:
		below = append(below, wrapped(st.Prompt, writeAnywayQuestion(s.confirm), w)...)
		below = append(below, st.Faint.Render("y write anyway · n (default) go back"))
	case s.askDir:
		below = append(below, wrapped(st.Fail, "✗ "+s.err, w)...)
		below = append(below, "Write the files to this directory instead (esc: not now):", s.dirIn.View())
	case s.writing:
		below = append(below, st.Faint.Render("  writing…"))
	case s.err != "":
		below = append(below, wrapped(st.Fail, "✗ "+s.err, w)...)
	}

	// Each item in full, wrapped under its box; a section's heading travels with its first
	// item, so the window never leaves a heading without what it heads.
	groups := make([][]string, n)
	section := ""
	for i, it := range cl.Items {
		var g []string
		if it.Section != section {
			section = it.Section
			g = append(g, st.Heading.Render(section))
		}
		box := "[ ] "
		if it.Done {
			box = st.Pass.Render("[x]") + " "
		}
		for j, l := range report.WrapWords(it.Text, w-6) {
			lead := "    "
			if j == 0 {
				lead = box
			}
			g = append(g, cursorLine(st, i == s.cursor && j == 0, lead+l))
		}
		if it.FromEvidence && it.Evidence != "" {
			for _, l := range report.WrapWords("from the checks: "+it.Evidence, w-6) {
				g = append(g, "      "+st.Faint.Render(l))
			}
		}
		groups[i] = g
	}
	room := max(3, s.c.height-1-len(below))
	total := 0
	for _, g := range groups {
		total += len(g)
	}
	var list []string
	if total <= room {
		for _, g := range groups {
			list = append(list, g...)
		}
	} else {
		focus := min(s.cursor, n-1)
		first, last := groupWindow(groups, focus, room-2) // the two "more" lines
		if first > 0 {
			list = append(list, st.Faint.Render(fmt.Sprintf("  ↑ %d more above", first)))
		}
		for _, g := range groups[first:last] {
			list = append(list, g...)
		}
		if k := n - last; k > 0 {
			list = append(list, st.Faint.Render(fmt.Sprintf("  ↓ %d more below", k)))
		}
	}
	head := st.Faint.Render(fmt.Sprintf("%d of %d done · space ticks what is done", cl.Done(), n))
	return head + "\n" + strings.Join(list, "\n") + "\n" + strings.Join(below, "\n") + "\n"
}

// wrapped is s wrapped to w columns with a hanging indent, each line in style.
func wrapped(style lipgloss.Style, s string, w int) []string {
	lines := strings.Split(wrap(s, w), "\n")
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	return lines
}

func (s *checklist) keys() []key.Binding {
	if s.askDir {
		return []key.Binding{binding("enter", "write there"), binding("esc", "not now")}
	}
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

func (s *checklist) capturesEsc() bool { return s.editing || s.confirm != nil || s.askDir }

func timeParse(v string) (time.Time, error) { return time.Parse(report.DateLayout, v) }
