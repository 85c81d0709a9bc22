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

	// rerunNote says what r or R is doing, then what it did and when: local checks finish
	// faster than a frame, and a re-run with no visible change looks like a key that did
	// nothing.
	rerunNote string
	rerunning int // the line r re-runs, or -1 for R (all), while rerunNote says "re-running"

	// The login page prompt (l): the page whose redirect to CIS2 login.authorize-request reads.
	askLogin bool
	loginIn  textinput.Model
	loginErr string
	// The assertion prompt (a): a client assertion the application sent, for assertion.lint.*.
	// It is a credential: the input never shows it, and it is dropped once the lint is planned.
	askLint bool
	lintIn  textinput.Model
	lintErr string
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

// lintRow reports whether a row is one of a pasted assertion's lint: such rows follow the
// planned checks, re-run as they are (the plan does not hold the assertion), and are not part
// of the go-live verdict (they judge one captured assertion, not the configuration).
func lintRow(id string) bool { return strings.HasPrefix(id, "assertion.lint.") }

func newChecks(c *common) *checksScreen {
	in := textinput.New()
	in.Prompt = "key file> "
	in.Placeholder = "e.g. ./keys/private.pem"
	login := textinput.New()
	login.Prompt = "login page> "
	login.Placeholder = "e.g. https://epr.example.nhs.uk/auth/cis2/login"
	lint := textinput.New()
	lint.Prompt = "assertion> "
	lint.EchoMode = textinput.EchoPassword // a credential: never on screen (or a shared screen)
	lint.CharLimit = checks.MaxAssertionBytes
	return &checksScreen{c: c, spin: spinner.New(spinner.WithSpinner(spinner.Dot)), keyIn: in, loginIn: login, lintIn: lint}
}

// planned is how many rows come from the plan: the lint rows, if any, follow them.
func (s *checksScreen) planned() int {
	n := len(s.list)
	for n > 0 && lintRow(s.list[n-1].ID) {
		n--
	}
	return n
}

func (s *checksScreen) plan() []checks.Check {
	return s.c.opts.plan(s.c.cfg, s.c.s.draft.INT, s.c.s.draft.KeyPath)
}

// rerun runs line i again with a check from a fresh plan: the old one would answer from its
// plan's cached JWKS and DNS lookups, hiding a fix the user just deployed.
func (s *checksScreen) rerun(i int) tea.Cmd {
	if lintRow(s.list[i].ID) {
		return tea.Batch(s.run([]int{i}), s.spin.Tick)
	}
	fresh := s.plan()
	if len(fresh) != s.planned() || fresh[i].ID != s.list[i].ID || fresh[i].Target != s.list[i].Target {
		return s.enter() // the answers changed shape: run everything
	}
	s.list[i] = fresh[i]
	return tea.Batch(s.run([]int{i}), s.spin.Tick)
}

func (s *checksScreen) enter() tea.Cmd {
	s.askKey, s.keyErr, s.rerunNote = false, "", ""
	s.askLogin, s.loginErr, s.askLint, s.lintErr = false, "", false, ""
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
			if s.rerunNote != "" && s.rerunning == msg.i && s.rerunning >= 0 {
				s.rerunNote = fmt.Sprintf("re-ran %s for %s at %s: %s", msg.r.ID, clean(msg.r.Target),
					s.c.opts.now().Format("15:04:05"), msg.r.Status)
			}
			if s.running() == 0 && s.rerunning < 0 && strings.HasPrefix(s.rerunNote, "re-running all") {
				s.rerunNote = fmt.Sprintf("re-ran all %d checks at %s", len(s.list), s.c.opts.now().Format("15:04:05"))
			}
			if s.running() == 0 {
				s.c.s.results = nil
				for _, r := range s.results {
					if !lintRow(r.ID) {
						s.c.s.results = append(s.c.s.results, r)
					}
				}
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
		var cmd tea.Cmd
		switch {
		case s.askKey:
			s.keyIn, cmd = s.keyIn.Update(msg)
		case s.askLogin:
			s.loginIn, cmd = s.loginIn.Update(msg)
		case s.askLint:
			s.lintIn, cmd = s.lintIn.Update(msg)
		}
		return cmd
	case tea.KeyPressMsg:
		switch {
		case s.askKey:
			return s.keyPrompt(msg)
		case s.askLogin:
			return s.loginPrompt(msg)
		case s.askLint:
			return s.lintPrompt(msg)
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
			c := s.list[s.cursor]
			cmd := s.rerun(s.cursor)
			s.rerunning, s.rerunNote = s.cursor, "re-running "+c.ID+" for "+clean(c.Target)+"…"
			return cmd
		}
	case "R":
		cmd := s.enter()
		s.rerunning, s.rerunNote = -1, fmt.Sprintf("re-running all %d checks…", len(s.list))
		return cmd
	case "k":
		if s.c.cfg.UsesPrivateKeyJWT() {
			s.askKey = true
			s.keyIn.SetValue(s.c.s.draft.KeyPath)
			s.keyIn.CursorEnd()
			return s.keyIn.Focus()
		}
	case "l":
		if s.c.opts.Plan != nil {
			s.askLogin, s.loginErr = true, ""
			s.loginIn.SetValue(s.c.cfg.LoginURL)
			s.loginIn.CursorEnd()
			return s.loginIn.Focus()
		}
	case "a":
		if s.lintOffered() {
			s.askLint, s.lintErr = true, ""
			s.lintIn.SetValue("")
			return s.lintIn.Focus()
		}
	case "enter":
		return next
	}
	return nil
}

// lintOffered reports whether a pasted assertion can be linted: live checks on, and a
// private key JWT configuration (the only one that sends client assertions).
func (s *checksScreen) lintOffered() bool { return s.c.opts.Lint != nil && s.c.cfg.UsesPrivateKeyJWT() }

// loginPrompt takes the login page URL: the same offline rules as every URI field, then every
// check runs again (the probe's lines appear).
func (s *checksScreen) loginPrompt(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.askLogin, s.loginErr = false, ""
		return nil
	case "enter":
		v := strings.TrimSpace(s.loginIn.Value())
		// ValidateURI refuses a value that looks like a secret first, without echoing it.
		if v != "" {
			if err := model.FirstFail(model.ValidateURI("login_url", v, model.RedirectURI, s.c.cfg.EffectiveEnvironment())); err != nil {
				s.loginErr = err.Error()
				return nil
			}
		}
		s.c.cfg.LoginURL = v
		return s.enter()
	}
	s.loginErr = ""
	var cmd tea.Cmd
	s.loginIn, cmd = s.loginIn.Update(msg)
	return cmd
}

// lintPrompt takes a pasted assertion (or the token request or log line holding it) and adds
// its lint rows below the planned checks, replacing an earlier lint's.
func (s *checksScreen) lintPrompt(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.askLint, s.lintErr = false, ""
		s.lintIn.SetValue("")
		return nil
	case "enter":
		token := checks.ExtractAssertion(s.lintIn.Value())
		s.lintIn.SetValue("")
		if token == "" {
			s.lintErr = "no JWT in what was pasted: paste the client_assertion value (it starts eyJ)"
			return nil
		}
		s.askLint, s.lintErr = false, ""
		used := s.c.cfg.Used()
		var lint []checks.Check
		for _, c := range s.c.opts.Lint(&used, token) {
			if lintRow(c.ID) { // the JWKS the lint reads is already a planned row
				lint = append(lint, c)
			}
		}
		n := s.planned()
		s.list, s.results, s.pending, s.gen = s.list[:n], s.results[:n], s.pending[:n], s.gen[:n]
		idx := make([]int, len(lint))
		for j, c := range lint {
			idx[j] = len(s.list)
			s.list = append(s.list, c)
			s.results = append(s.results, checks.Result{ID: c.ID, Target: c.Target})
			s.pending = append(s.pending, false)
			s.gen = append(s.gen, 0)
		}
		return tea.Batch(s.run(idx), s.spin.Tick) // fewer than all rows: a full run goes on
	}
	s.lintErr = ""
	var cmd tea.Cmd
	s.lintIn, cmd = s.lintIn.Update(msg)
	return cmd
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
	if s.rerunNote != "" {
		b.WriteString(st.Faint.Render(s.rerunNote) + "\n")
	}
	if s.running() == 0 && s.c.s.results != nil {
		b.WriteString(s.verdict() + "\n")
	}
	for _, n := range s.c.s.leftOutNotes() { // wrapped here, so the lines below are counted right
		b.WriteString(ansi.Wrap(st.Warn.Render("! "+n), s.c.width-2, " ") + "\n")
	}
	switch {
	case s.askKey:
		b.WriteString("Path of the private key (read by the check, never stored or shown):\n" + s.keyIn.View() + "\n")
		if s.keyErr != "" {
			b.WriteString(st.Fail.Render("✗ "+s.keyErr) + "\n")
		}
	case s.askLogin:
		b.WriteString("Your application's sign-in page (optional; its redirect to CIS2 is read, not followed):\n" + s.loginIn.View() + "\n")
		if s.loginErr != "" {
			b.WriteString(ansi.Wrap(st.Fail.Render("✗ "+clean(s.loginErr)), s.c.width-2, " ") + "\n")
		}
	case s.askLint:
		b.WriteString("Paste a client assertion your application sent (not shown, never stored):\n" + s.lintIn.View() + "\n")
		if s.lintErr != "" {
			b.WriteString(st.Fail.Render("✗ "+s.lintErr) + "\n")
		}
	default:
		for _, line := range s.settingsLines() {
			b.WriteString(st.Faint.Render(line) + "\n")
		}
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

// settingsLines say what the checks use and the key to change each: the private key file
// (or --sign-cmd), the login page the login probe starts from, and the lint of a pasted
// assertion. One line when it fits, else one line each; a path or URL too long keeps its end,
// which is what names it.
func (s *checksScreen) settingsLines() []string {
	var parts []string
	w := s.c.width - 2
	short := "" // the key part in fewer words, for sharing its line
	if s.c.cfg.UsesPrivateKeyJWT() {
		v, k := "none: the assertion check is skipped", " (k to set)"
		short = "key file: none (k to set)"
		switch {
		case s.c.s.draft.KeyPath != "":
			v, k = s.c.s.draft.KeyPath, " (k)"
		case s.c.opts.CheckOptions.SignCommand != "":
			v, k = "none: --sign-cmd signs", " (k for a file)"
		}
		parts = append(parts, "key file: "+truncateLeft(v, w-len("key file: ")-len(k))+k)
		if v != "none: the assertion check is skipped" {
			short = parts[0]
		}
	}
	if s.c.opts.Plan != nil {
		v, k := "none", " (l to set)"
		if s.c.cfg.LoginURL != "" {
			v, k = s.c.cfg.LoginURL, " (l)"
		}
		tail := ""
		if s.lintOffered() {
			tail = " · a: lint an assertion"
		}
		parts = append(parts, "login page: "+truncateLeft(v, w-len("login page: ")-len(k)-len(tail))+k+tail)
	}
	switch one := strings.Join(parts, " · "); {
	case one == "":
		return nil
	case ansi.StringWidth(one) <= w:
		return []string{one}
	case short != "" && len(parts) == 2 && ansi.StringWidth(short+" · "+parts[1]) <= w:
		return []string{short + " · " + parts[1]}
	}
	return parts
}

// verdict is golive's answer on the finished run, on one line: what blocks sending the
// configuration to NHS, or that nothing does.
func (s *checksScreen) verdict() string {
	st := s.c.styles
	v, reasons := s.c.s.verdict()
	line := report.VerdictLine(v, reasons)
	if len(v.Blockers) == 0 {
		return st.Pass.Render(ansi.Truncate("✓ "+line, s.c.width-2, "…"))
	}
	style := st.Warn
	if slices.ContainsFunc(v.Blockers, func(b report.Blocker) bool { return b.Kind == string(golive.Failed) }) {
		style = st.Fail
	}
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
	switch {
	case s.askKey:
		return []key.Binding{binding("enter", "use this key"), binding("esc", "cancel")}
	case s.askLogin:
		return []key.Binding{binding("enter", "check this page"), binding("esc", "cancel")}
	case s.askLint:
		return []key.Binding{binding("enter", "lint it"), binding("esc", "cancel")}
	}
	// No "↑/↓ move": the cursor and the "↓ n more" line show it, and the footer is full.
	ks := []key.Binding{checkKeys.Rerun, checkKeys.RerunAll}
	if s.c.cfg.UsesPrivateKeyJWT() {
		ks = append(ks, checkKeys.Key)
	}
	// l and a are on the settings line above the list: the footer has no room left for them.
	return append(ks, checkKeys.Next)
}

func (s *checksScreen) leave() error { return nil }

func (s *checksScreen) capturesEsc() bool { return s.askKey || s.askLogin || s.askLint }
