package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// checksScreen runs the checks: every line appears at once with a spinner and turns
// pass/warn/fail as its result streams in. The runner works in a goroutine started by a
// tea.Cmd; each result comes back as a checkResultMsg, so Update never waits on the network.
type checksScreen struct {
	c       *common
	list    []checks.Check
	results []checks.Result
	pending []bool
	gen     []int // per line, so a stale result from an earlier run is dropped
	cursor  int
	spin    spinner.Model
	cancel  context.CancelFunc

	askKey bool
	keyIn  textinput.Model
}

// checkResultMsg is one result of one run; next keeps listening to that run.
type checkResultMsg struct {
	i, gen int
	r      checks.Result
	next   <-chan checkResultMsg
}

// checkRunEndMsg says a run's channel is drained.
type checkRunEndMsg struct{}

var checkKeys = struct{ Rerun, RerunAll, Key, Next key.Binding }{
	Rerun:    binding("r", "re-run"),
	RerunAll: binding("R", "all"),
	Key:      binding("k", "key"),
	Next:     binding("enter", "next"),
}

func newChecks(c *common) *checksScreen {
	in := textinput.New()
	in.Prompt = "key file> "
	in.Placeholder = "e.g. ./keys/private.pem"
	return &checksScreen{c: c, spin: spinner.New(spinner.WithSpinner(spinner.Dot)), keyIn: in}
}

func (s *checksScreen) plan() []checks.Check { return s.c.opts.plan(s.c.cfg, s.c.keyPath) }

// rerun runs line i again with a check from a fresh plan: the old one would answer from its
// plan's cached JWKS and DNS lookups, hiding a fix the user just deployed.
func (s *checksScreen) rerun(i int) tea.Cmd {
	fresh := s.plan()
	if len(fresh) != len(s.list) || fresh[i].ID != s.list[i].ID || fresh[i].Target != s.list[i].Target {
		return s.enter() // the answers changed shape: run everything
	}
	s.list[i] = fresh[i]
	return tea.Batch(s.run([]int{i}), s.spin.Tick)
}

func (s *checksScreen) enter() tea.Cmd {
	s.askKey = false
	s.list = s.plan()
	s.results = make([]checks.Result, len(s.list))
	s.pending = make([]bool, len(s.list))
	s.gen = make([]int, len(s.list))
	s.cursor = min(s.cursor, max(0, len(s.list)-1))
	idx := make([]int, len(s.list))
	for i := range idx {
		idx[i] = i
	}
	return tea.Batch(s.run(idx), s.spin.Tick)
}

// run starts the given lines: they show a spinner at once, and a goroutine streams results.
func (s *checksScreen) run(idx []int) tea.Cmd {
	if len(idx) == len(s.list) && s.cancel != nil {
		s.cancel() // a full re-run replaces the previous one
	}
	ctx, cancel := context.WithCancel(context.Background())
	if len(idx) == len(s.list) {
		s.cancel = cancel
	}
	list := make([]checks.Check, len(idx))
	gens := make([]int, len(idx))
	for j, i := range idx {
		s.gen[i]++
		s.pending[i] = true
		s.results[i] = checks.Result{ID: s.list[i].ID, Target: s.list[i].Target}
		list[j], gens[j] = s.list[i], s.gen[i]
	}
	opts := s.c.opts.CheckOptions
	ch := make(chan checkResultMsg, len(list))
	go func() {
		defer cancel()
		defer close(ch)
		checks.Run(ctx, list, opts, func(j int, r checks.Result) {
			ch <- checkResultMsg{i: idx[j], gen: gens[j], r: r, next: ch}
		})
	}()
	return waitResult(ch)
}

func waitResult(ch <-chan checkResultMsg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return checkRunEndMsg{}
		}
		return m
	}
}

func (s *checksScreen) running() int {
	n := 0
	for _, p := range s.pending {
		if p {
			n++
		}
	}
	return n
}

func (s *checksScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case checkResultMsg:
		if msg.i < len(s.gen) && msg.gen == s.gen[msg.i] {
			s.results[msg.i], s.pending[msg.i] = msg.r, false
			if s.running() == 0 {
				s.c.results = append([]checks.Result(nil), s.results...)
			}
		}
		return waitResult(msg.next)
	case spinner.TickMsg:
		if s.running() == 0 {
			return nil // stop ticking; a re-run starts it again
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return cmd
	case tea.PasteMsg:
		if s.askKey {
			var cmd tea.Cmd
			s.keyIn, cmd = s.keyIn.Update(msg)
			return cmd
		}
	case tea.KeyPressMsg:
		if s.askKey {
			return s.keyPrompt(msg)
		}
		return s.key(msg)
	}
	return nil
}

func (s *checksScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "up":
		s.cursor = max(0, s.cursor-1)
	case "down":
		s.cursor = min(len(s.list)-1, s.cursor+1)
	case "r":
		if s.cursor < len(s.list) && !s.pending[s.cursor] {
			return s.rerun(s.cursor)
		}
	case "R":
		return s.enter()
	case "k":
		if s.c.cfg.UsesPrivateKeyJWT() {
			s.askKey = true
			s.keyIn.SetValue(s.c.keyPath)
			s.keyIn.CursorEnd()
			return s.keyIn.Focus()
		}
	case "enter":
		return next
	}
	return nil
}

func (s *checksScreen) keyPrompt(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.askKey = false
		return nil
	case "enter":
		v := strings.TrimSpace(s.keyIn.Value())
		if keyPathCheck(v) != nil {
			s.keyIn.SetValue("")
			return nil
		}
		s.c.keyPath = v
		return s.enter()
	}
	var cmd tea.Cmd
	s.keyIn, cmd = s.keyIn.Update(msg)
	return cmd
}

func (s *checksScreen) view() string {
	st := s.c.styles
	var b strings.Builder
	sum := checks.Summarise(s.done())
	head := fmt.Sprintf("%d passed · %d warnings · %d failed · %d skipped", sum.Pass, sum.Warn, sum.Fail, sum.Skip)
	if n := s.running(); n > 0 {
		head += fmt.Sprintf(" · %d running", n)
	}
	b.WriteString(st.Heading.Render(head) + "\n")
	if s.askKey {
		b.WriteString("Path of the private key (read by the check, never stored or shown):\n" + s.keyIn.View() + "\n")
	} else if s.c.cfg.UsesPrivateKeyJWT() {
		kp := "none: the assertion check is skipped (k to set)"
		if s.c.keyPath != "" {
			kp = truncateLeft(s.c.keyPath, s.c.width-len("key file: ")-2)
		}
		b.WriteString(st.Faint.Render("key file: "+kp) + "\n")
	}
	b.WriteString("\n")
	var lines []string
	cursorLineNo := 0
	for i, r := range s.results {
		if i == s.cursor {
			cursorLineNo = len(lines)
		}
		mark := s.spin.View() + "      "
		if !s.pending[i] {
			mark = statusStyle(st, r.Status).Render(report.Mark(r.Status))
		}
		text := fmt.Sprintf("%s %s  %s", mark, r.ID, st.Faint.Render(clean(r.Target)))
		if !s.pending[i] && r.Message != "" {
			text += "  " + clean(r.Message)
		}
		lines = append(lines, cursorLine(st, i == s.cursor, ansi.Truncate(text, s.c.width-2, "…")))
		if !s.pending[i] && (r.Status == checks.Fail || r.Status == checks.Warn) && r.Fix != "" {
			lines = append(lines, "           "+st.Faint.Render("fix: "+clean(r.Fix)))
		}
	}
	// The row under the cursor in full: at 80 columns a row's message is cut short.
	detail := s.detail()
	room := max(3, s.c.height-4-(detailLines+1)) // fixed, so the list does not jump as the cursor moves
	if len(lines) <= room {
		b.WriteString(strings.Join(lines, "\n"))
		writeDetail(&b, detail)
		return b.String()
	}
	// Too many to show: a window around the cursor and a line saying what is hidden.
	first, last := listWindow(len(lines), cursorLineNo, room-1)
	b.WriteString(strings.Join(lines[first:last], "\n") + "\n")
	var more []string
	if first > 0 {
		more = append(more, fmt.Sprintf("↑ %d more", first))
	}
	if n := len(lines) - last; n > 0 {
		more = append(more, fmt.Sprintf("↓ %d more", n))
	}
	b.WriteString("  " + st.Faint.Render(strings.Join(more, " · ")+" (↑/↓ to scroll)"))
	writeDetail(&b, detail)
	return b.String()
}

// detailLines is the most the selected row's full text takes.
const detailLines = 3

// detail is the selected row's full message (and fix), wrapped to at most detailLines.
func (s *checksScreen) detail() []string {
	if s.cursor >= len(s.results) || s.pending[s.cursor] {
		return nil
	}
	r := s.results[s.cursor]
	text := clean(r.ID) + " " + clean(r.Target) + ": " + clean(r.Message)
	if r.Fix != "" && r.Status != checks.Pass {
		text += " Fix: " + clean(r.Fix)
	}
	ls := strings.Split(ansi.Wrap(text, max(20, s.c.width-4), " /"), "\n")
	if len(ls) > detailLines {
		ls = ls[:detailLines]
		ls[detailLines-1] = ansi.Truncate(ls[detailLines-1], max(20, s.c.width-5), "") + "…"
	}
	return append([]string{""}, ls...)
}

func writeDetail(b *strings.Builder, detail []string) {
	for _, l := range detail {
		b.WriteString("\n")
		if l != "" {
			b.WriteString("  " + l)
		}
	}
}

// truncateLeft keeps the end of a path, which names the file, when it is too wide.
func truncateLeft(s string, w int) string {
	if w < 2 || ansi.StringWidth(s) <= w {
		return s
	}
	return "…" + ansi.TruncateLeft(s, ansi.StringWidth(s)-w+1, "")
}

func (s *checksScreen) done() []checks.Result {
	var out []checks.Result
	for i, r := range s.results {
		if !s.pending[i] {
			out = append(out, r)
		}
	}
	return out
}

func statusStyle(st *Styles, s checks.Status) lipgloss.Style {
	switch s {
	case checks.Pass:
		return st.Pass
	case checks.Warn:
		return st.Warn
	case checks.Fail:
		return st.Fail
	}
	return st.Skip
}

// clean makes a result's text safe for the terminal; results from checks are already
// sanitised, this guards anything that reaches the screen by another path.
func clean(s string) string { return sanitize.CleanN(s, 300) }

func (s *checksScreen) keys() []key.Binding {
	if s.askKey {
		return []key.Binding{binding("enter", "use this key"), binding("esc", "cancel")}
	}
	// No "↑/↓ move": the cursor and the "↓ n more" line show it, and the footer is full.
	ks := []key.Binding{checkKeys.Rerun, checkKeys.RerunAll}
	if s.c.cfg.UsesPrivateKeyJWT() {
		ks = append(ks, checkKeys.Key)
	}
	return append(ks, checkKeys.Next)
}

func (s *checksScreen) leave() error { return nil }

func (s *checksScreen) capturesEsc() bool { return s.askKey }
