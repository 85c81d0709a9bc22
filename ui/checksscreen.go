package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/golive"
	"github.com/cis2-golive/cis2-golive/model"
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
	cursor  int   // index in list of the selected check (not its row: rows are reordered)
	moved   bool  // the user moved the cursor: a finished run no longer picks the row
	spin    spinner.Model
	cancel  context.CancelFunc

	askKey bool
	keyIn  textinput.Model
	keyErr string // why the key file typed at the prompt cannot be used
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

func (s *checksScreen) plan() []checks.Check {
	return s.c.opts.plan(s.c.cfg, s.c.s.draft.INT, s.c.s.draft.KeyPath)
}

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
	s.askKey, s.keyErr = false, ""
	s.list = s.plan()
	s.results = make([]checks.Result, len(s.list))
	s.pending = make([]bool, len(s.list))
	s.gen = make([]int, len(s.list))
	s.cursor, s.moved = 0, false
	idx := make([]int, len(s.list))
	for i := range idx {
		idx[i] = i
	}
	return tea.Batch(s.run(idx), s.spin.Tick)
}

// run starts the given lines: they show a spinner at once, and a goroutine the command starts
// streams the results.
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
	// The run starts in the command, not here: Update never waits on, or starts, network work.
	return func() tea.Msg {
		go func() {
			defer cancel()
			defer close(ch)
			checks.Run(ctx, list, opts, func(j int, r checks.Result) {
				ch <- checkResultMsg{i: idx[j], gen: gens[j], r: r, next: ch}
			})
		}()
		return waitResult(ch)()
	}
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
				s.c.s.results = append([]checks.Result(nil), s.results...)
				if !s.moved { // start on the worst row: failures are listed first
					s.cursor = s.order()[0]
				}
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
	case keyFileCheckedMsg:
		if !s.askKey || msg.path != strings.TrimSpace(s.keyIn.Value()) {
			return nil // answered again, or the prompt was closed
		}
		if msg.err != nil {
			s.keyErr = keyFileProblem(msg.path, msg.err)
			return nil
		}
		s.c.s.draft.KeyPath, s.keyErr = msg.path, ""
		return s.enter()
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
	case "up", "down":
		order := s.order()
		if len(order) == 0 {
			return nil
		}
		pos := slices.Index(order, s.cursor)
		if msg.String() == "up" {
			pos = max(0, pos-1)
		} else {
			pos = min(len(order)-1, pos+1)
		}
		s.cursor, s.moved = order[pos], true
	case "r":
		if s.cursor < len(s.list) && !s.pending[s.cursor] {
			return s.rerun(s.cursor)
		}
	case "R":
		return s.enter()
	case "k":
		if s.c.cfg.UsesPrivateKeyJWT() {
			s.askKey = true
			s.keyIn.SetValue(s.c.s.draft.KeyPath)
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
		s.askKey, s.keyErr = false, ""
		return nil
	case "enter":
		v := strings.TrimSpace(s.keyIn.Value())
		if err := keyPathCheck(v); err != nil {
			s.keyIn.SetValue("")
			s.keyErr = err.Error()
			return nil
		}
		if v == "" { // no key: the assertion check is skipped
			s.c.s.draft.KeyPath = ""
			return s.enter()
		}
		s.keyErr = "checking the key file…"
		return checkKeyFileCmd(v)
	}
	s.keyErr = ""
	var cmd tea.Cmd
	s.keyIn, cmd = s.keyIn.Update(msg)
	return cmd
}

func (s *checksScreen) view() string {
	st := s.c.styles
	var b strings.Builder
	sum := checks.Summarise(s.done())
	head := report.SummaryLine(sum)
	if n := s.running(); n > 0 {
		head += fmt.Sprintf(" · %d running", n)
	}
	b.WriteString(st.Heading.Render(head) + "\n")
	if s.running() == 0 && s.c.s.results != nil {
		b.WriteString(s.verdict() + "\n")
	}
	for _, n := range s.c.s.leftOutNotes() { // wrapped here, so the lines below are counted right
		b.WriteString(ansi.Wrap(st.Warn.Render("! "+n), s.c.width-2, " ") + "\n")
	}
	if s.askKey {
		b.WriteString("Path of the private key (read by the check, never stored or shown):\n" + s.keyIn.View() + "\n")
		if s.keyErr != "" {
			b.WriteString(st.Fail.Render("✗ "+s.keyErr) + "\n")
		}
	} else if s.c.cfg.UsesPrivateKeyJWT() {
		kp := "none: the assertion check is skipped (k to set)"
		if s.c.s.draft.KeyPath != "" {
			kp = truncateLeft(s.c.s.draft.KeyPath, s.c.width-len("key file: ")-2)
		}
		b.WriteString(st.Faint.Render("key file: "+kp) + "\n")
	}
	b.WriteString("\n")
	used := strings.Count(b.String(), "\n")

	// One group of rows per check, in display order: a failure and its fix line move together,
	// so the window never shows half of an item.
	order := s.order()
	groups := make([][]string, len(order))
	cursorGroup := 0
	for g, i := range order {
		r := s.results[i]
		if i == s.cursor {
			cursorGroup = g
		}
		mark := s.spin.View() + "      "
		if !s.pending[i] {
			mark = statusStyle(st, r.Status).Render(report.Mark(r.Status))
		}
		text := fmt.Sprintf("%s %s  %s", mark, r.ID, st.Faint.Render(clean(r.Target)))
		if !s.pending[i] && r.Message != "" {
			text += "  " + clean(r.Message)
		}
		rows := []string{cursorLine(st, i == s.cursor, ansi.Truncate(text, s.c.width-2, "…"))}
		if !s.pending[i] && (r.Status == model.Fail || r.Status == model.Warn) && r.Fix != "" {
			// One line: the selected row's whole fix is in the detail below.
			rows = append(rows, "           "+st.Faint.Render(ansi.Truncate("fix: "+clean(r.Fix), s.c.width-11, "…")))
		}
		groups[g] = rows
	}

	// The detail gets the rows it needs while the list keeps at least minListRows; the list
	// takes every other row, so nothing stays empty while something is cut.
	detail := s.detail()
	avail := s.c.height - used
	total := 0
	for _, g := range groups {
		total += len(g)
	}
	room := max(min(total, minListRows), avail-len(detail)-1)
	var lines []string
	if total <= room {
		for _, g := range groups {
			lines = append(lines, g...)
		}
	} else {
		first, last := groupWindow(groups, cursorGroup, room-1)
		for _, g := range groups[first:last] {
			lines = append(lines, g...)
		}
		var more []string
		if first > 0 {
			more = append(more, fmt.Sprintf("↑ %d more", first))
		}
		if n := len(groups) - last; n > 0 {
			more = append(more, fmt.Sprintf("↓ %d more", n))
		}
		lines = append(lines, "  "+st.Faint.Render(strings.Join(more, " · ")+" (↑/↓ to scroll)"))
	}
	b.WriteString(strings.Join(lines, "\n"))
	if len(detail) > 0 {
		left := avail - len(lines) - 1 // a blank line between
		if len(detail) > left {
			detail = detail[:max(1, left)]
			last := len(detail) - 1
			detail[last] = ansi.Truncate(detail[last], s.c.width-1, "") + "…"
		}
		b.WriteString("\n\n" + strings.Join(detail, "\n"))
	}
	return b.String()
}

// verdict is golive's answer on the finished run, on one line: what blocks sending the
// configuration to NHS, or that nothing does.
func (s *checksScreen) verdict() string {
	st := s.c.styles
	bs := s.c.s.blockers()
	if len(bs) == 0 {
		return st.Pass.Render("✓ Ready to send to NHS: nothing blocks it")
	}
	style := st.Warn
	if slices.ContainsFunc(bs, func(b golive.Blocker) bool { return b.Kind == golive.Failed }) {
		style = st.Fail
	}
	line := "Not ready to send to NHS: " + strings.Join(golive.Shorts(golive.Reasons(bs)), "; ")
	return style.Render(ansi.Truncate(clean(line), s.c.width-2, "…"))
}

// minListRows is the least the list keeps when the selected check's detail is long.
const minListRows = 6

// order is the display order of the checks: failures first, then warnings, then the rest,
// each group in plan order, so what needs fixing is on screen without scrolling.
func (s *checksScreen) order() []int {
	rank := func(i int) int {
		switch {
		case s.pending[i]:
			return 2
		case s.results[i].Status == model.Fail:
			return 0
		case s.results[i].Status == model.Warn:
			return 1
		}
		return 2
	}
	idx := make([]int, len(s.results))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return rank(a) - rank(b) })
	return idx
}

// groupWindow picks whole groups around the cursor's that fit in height rows.
func groupWindow(groups [][]string, cursor, height int) (int, int) {
	if len(groups) == 0 {
		return 0, 0
	}
	first, last := cursor, cursor+1
	used := len(groups[cursor])
	for {
		grew := false
		if last < len(groups) && used+len(groups[last]) <= height {
			used += len(groups[last])
			last++
			grew = true
		}
		if first > 0 && used+len(groups[first-1]) <= height {
			first--
			used += len(groups[first])
			grew = true
		}
		if !grew {
			return first, last
		}
	}
}

// detail is the selected check's full message and fix, wrapped to the screen with one indent
// for every continuation line.
func (s *checksScreen) detail() []string {
	if s.cursor >= len(s.results) || s.pending[s.cursor] {
		return nil
	}
	st := s.c.styles
	r := s.results[s.cursor]
	w := max(20, s.c.width-2)
	out := []string{st.Heading.Render(ansi.Truncate(cleanFull(r.ID)+"  "+cleanFull(r.Target), w, "…"))}
	for _, l := range strings.Split(ansi.Wrap(cleanFull(r.Message), w-2, " /"), "\n") {
		out = append(out, "  "+l)
	}
	if r.Fix != "" && r.Status != model.Pass {
		for n, l := range strings.Split(ansi.Wrap(cleanFull(r.Fix), w-7, " /"), "\n") {
			lead := "       "
			if n == 0 {
				lead = "  fix: "
			}
			out = append(out, lead+st.Faint.Render(l))
		}
	}
	return out
}

// cleanFull is clean with room for a whole message: the detail is where it is read in full.
func cleanFull(s string) string { return sanitize.CleanN(s, 2000) }

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

func statusStyle(st *Styles, s model.Severity) lipgloss.Style {
	switch s {
	case model.Pass:
		return st.Pass
	case model.Warn:
		return st.Warn
	case model.Fail:
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
