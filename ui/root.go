package ui

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/model"
)

// Root is the wizard's top-level model: it owns the window size, the global keys, the
// header and footer and when the draft is saved, and routes every other message to the
// active screen. The answers are the session's.
type Root struct {
	c       *common
	s       *session
	state   state
	screens [numStates]screen
	keys    keyMap
	help    help.Model
	w, h    int

	// returnTo is where "next" goes after a jump from the review screen to edit one field.
	returnTo   state
	hasReturn  bool
	confirming bool // showing "quit? y/n"
	status     string
	started    bool // the user has left the welcome screen: autosave is on
	quitting   bool
	finished   bool

	// unsaved: input has reached a screen since the last save, so the answers may have
	// changed (the screens edit the draft in place; the saver writes what is there).
	unsaved     bool
	savePending bool // a save is scheduled (saveDelay)

	ahead typeahead // input typed ahead of a focus move (typeahead.go)
}

// NewRoot builds the wizard for the given options.
func NewRoot(opts Options) *Root {
	return newRoot(newSession(&opts))
}

func newRoot(s *session) *Root {
	c := &common{s: s, opts: s.opts, cfg: s.cfg(), styles: NewStyles(true), width: 76, height: 18}
	m := &Root{c: c, s: s, keys: newKeyMap(), help: help.New()}
	m.screens = [numStates]screen{
		stateWelcome:   newWelcome(c),
		stateOrg:       newOrg(c),
		stateRedirects: newRedirects(c),
		stateLogout:    newLogout(c),
		stateSecurity:  newSecurity(c),
		statePKJ:       newPKJ(c),
		stateUserinfo:  newUserinfo(c),
		stateReview:    newReview(c),
		stateChecks:    newChecks(c),
		stateChecklist: newChecklist(c),
	}
	return m
}

// Config returns the configuration so far, as its security pattern uses it (the draft keeps
// the answers to the other pattern too).
func (m *Root) Config() model.Config { return m.c.cfg.Used() }

// Finished reports whether the user reached the end (not cancelled).
func (m *Root) Finished() bool { return m.finished }

// State is the active screen's name.
func (m *Root) State() string { return m.state.String() }

// Init implements tea.Model.
func (m *Root) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.screens[m.state].enter())
}

// visible lists the screens of this walk-through: private key JWT only when chosen.
func (m *Root) visible() []state { return visibleSteps(m.s) }

func (m *Root) step(dir int) (state, bool) {
	if m.state == stateWelcome {
		if dir > 0 {
			return stateOrg, true
		}
		return stateWelcome, false
	}
	v := m.visible()
	i := slices.Index(v, m.state)
	switch j := i + dir; {
	case j < 0:
		return stateWelcome, true
	case j >= len(v):
		return m.state, false
	default:
		return v[j], true
	}
}

func (m *Root) goTo(s state) tea.Cmd {
	m.state = s
	m.status = ""
	if s != stateWelcome {
		m.started, m.unsaved = true, true // the draft records the step
	}
	return m.screens[s].enter()
}

// Update implements tea.Model.
func (m *Root) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.typedAhead(msg, m.update)
	if isInput(msg) {
		m.unsaved = true
	}
	return m, tea.Batch(cmd, m.autosave(!movesOn(msg, m.keys)))
}

// movesOn is a key that moves to another field or screen: the draft is saved at once then,
// while other changes (typing) may wait for the next periodic save.
func movesOn(msg tea.Msg, km keyMap) bool {
	k, ok := msg.(tea.KeyPressMsg)
	return ok && key.Matches(k, km.moves, km.Quit)
}

func (m *Root) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m.screens[m.state].update(tea.WindowSizeMsg{Width: m.c.width, Height: m.c.height})
	case tea.BackgroundColorMsg:
		m.c.styles = NewStyles(msg.IsDark())
		return m.screens[m.state].update(msg)
	case checkResultMsg, checkRunEndMsg:
		// Results keep streaming after the user moves on, so the checklist gets the full run.
		return m.screens[stateChecks].update(msg)
	case keyCreatedMsg:
		m.unsaved = true // a new key path
		return m.screens[statePKJ].update(msg)
	case saveDueMsg:
		m.savePending = false
		return m.autosave(false)
	case draftSavedMsg:
		if msg.err != nil {
			m.status = "draft not saved: " + msg.err.Error()
		}
		return nil
	case nextMsg:
		if m.hasReturn {
			m.hasReturn = false
			return m.goTo(m.returnTo)
		}
		if s, ok := m.step(+1); ok {
			return m.goTo(s)
		}
		return nil
	case backMsg:
		m.hasReturn = false
		if s, ok := m.step(-1); ok {
			return m.goTo(s)
		}
		return nil
	case gotoMsg:
		m.returnTo, m.hasReturn = m.state, true
		return m.goTo(msg.to)
	case resumeMsg:
		if m.c.opts.Draft != nil {
			return m.resume(m.c.opts.Draft)
		}
		return m.goTo(stateOrg)
	case finishMsg:
		m.finished = true
		m.quitting = true
		return tea.Quit
	case tea.KeyPressMsg:
		if !m.confirming {
			m.status = "" // a message answers the last key; the next key replaces it
		}
		if cmd, handled := m.globalKey(msg); handled {
			return cmd
		}
	}
	return m.screens[m.state].update(msg)
}

// finishMsg ends the wizard after the outputs are written.
type finishMsg struct{}

func (m *Root) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if m.confirming {
		switch {
		case key.Matches(msg, m.keys.Yes), key.Matches(msg, m.keys.Quit):
			m.quitNow()
			return tea.Quit, true
		case key.Matches(msg, m.keys.No):
			m.confirming = false
		}
		return nil, true // nothing else happens while the question is open
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		if m.hasUnsaved() {
			m.confirming = true
			return nil, true
		}
		m.quitNow()
		return tea.Quit, true
	case key.Matches(msg, m.keys.Back) && !m.screens[m.state].capturesEsc():
		return backMsgCmd, true
	case key.Matches(msg, m.keys.Forward):
		if err := m.screens[m.state].leave(); err != nil {
			m.status = err.Error()
			return nil, true
		}
		if f, ok := m.screens[m.state].(forwarder); ok {
			return f.forward(), true
		}
		return next, true
	}
	return nil, false
}

// forwarder is a screen that checks something on disk before pgdn moves on, as enter does
// (the key file): forward returns the command that checks it and then moves on, or says why
// not. leave cannot: it runs in Update, which does no I/O.
type forwarder interface{ forward() tea.Cmd }

// quitNow ends the wizard. The draft is saved by Run once the program has stopped, whatever
// stopped it (Update does no I/O); a failed save is reported there.
func (m *Root) quitNow() { m.quitting = true }

func backMsgCmd() tea.Msg { return backMsg{} }

// helpStyles draw the footer in full-strength text: bubbles' defaults are greys (237 to
// 245) that a projector washes out.
func helpStyles(st *Styles) help.Styles {
	return help.Styles{
		ShortKey: st.Key, ShortDesc: st.Text, ShortSeparator: st.Faint, Ellipsis: st.Faint,
		FullKey: st.Key, FullDesc: st.Text, FullSeparator: st.Faint,
	}
}

// hasUnsaved is true when quitting would lose something the user typed: any answer at all
// (the draft keeps answers, but the user should decide), or text not yet committed.
func (m *Root) hasUnsaved() bool {
	if m.state == stateWelcome {
		return false
	}
	for _, fv := range m.s.cfg().Values() {
		if fv.Value != "" && fv.Field != "environment" {
			return true
		}
	}
	return m.state == stateRedirects
}

func (m *Root) resize(w, h int) {
	m.w, m.h = w, h
	m.c.width = max(20, w-4)
	m.c.height = max(3, h-headerLines-footerLines)
	m.help.SetWidth(w)
}

const (
	headerLines = 3 // title, step, blank
	footerLines = 3 // blank, status, keys
)

// lastStep is true on the checklist, which ends by writing the files rather than moving on.
func (m *Root) lastStep() bool { return m.state == stateChecklist }

// View implements tea.Model. The wizard draws on the alternate screen: a new screen replaces
// the frame instead of pushing the old one into the terminal's scrollback (on a shared screen
// every step would otherwise scroll by), and what stays in the terminal afterwards is the
// summary the command prints on exit.
func (m *Root) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	return v
}

func (m *Root) render() string {
	if m.quitting {
		return ""
	}
	st := m.c.styles
	w, h := m.w, m.h
	if w == 0 {
		w, h = 80, 24
	}
	var b strings.Builder
	b.WriteString(st.Title.Render("cis2-golive") + st.Faint.Render(" · CIS2 production configuration") + "\n")
	b.WriteString(st.Step.Render(m.stepLine()) + "\n\n")

	// The status line may wrap to a second line, which the body gives up.
	status := m.statusLines(w)
	// Wrap rather than cut, so a long fix stays readable at 80 columns.
	body := strings.Split(wrap(strings.TrimRight(m.screens[m.state].view(), "\n"), w-2), "\n")
	bodyH := max(1, h-headerLines-footerLines-(len(status)-1))
	if len(body) > bodyH {
		body = body[:bodyH]
	}
	for len(body) < bodyH {
		body = append(body, "")
	}
	for i, l := range body {
		body[i] = "  " + l
	}
	b.WriteString(strings.Join(body, "\n") + "\n\n")

	b.WriteString(strings.Join(status, "\n"))
	b.WriteString("\n" + m.footer(w))
	return b.String()
}

// statusLines is the line above the footer: the Ctrl+C question, or why the last key did
// nothing, aligned with the body and wrapped to at most two lines.
func (m *Root) statusLines(w int) []string {
	st := m.c.styles
	switch {
	case m.confirming:
		return []string{st.Prompt.Render(m.quitPrompt(w))}
	case m.status == "":
		return []string{""}
	}
	lines := strings.Split(wrap("  ✗ "+m.status, w), "\n")
	if len(lines) > 2 {
		lines = lines[:2]
		lines[1] = ansi.Truncate(lines[1], w-1, "") + "…"
	}
	for i, l := range lines {
		lines[i] = st.Status.Render(l)
	}
	return lines
}

// quitPrompt is the Ctrl+C question, fitted to w columns: the keys always show in full (a
// cut-off "n stay" leaves the user guessing), the explanation shortens first. It only
// promises a draft when there is one.
func (m *Root) quitPrompt(w int) string {
	const keys = "y quit · n stay"
	why := "Quit? Answers are kept in the draft; unsaved typing is lost."
	if m.s.saver == nil {
		why = "Quit? Your answers so far will be lost."
	}
	room := w - ansi.StringWidth(keys) - 2
	if room < 8 {
		return ansi.Truncate(keys, w, "…")
	}
	return ansi.Truncate(why, room, "…") + "  " + keys
}

func (m *Root) stepLine() string {
	if m.state == stateWelcome {
		return "Welcome"
	}
	return stepLine(m.state, m.s)
}

// footer is the screen's keys then the global ones. The global keys always show in full
// (a cut-off "ctrl+c quit" leaves a user stuck); the screen's keys end in "…" when the
// terminal is too narrow for all of them.
func (m *Root) footer(w int) string {
	var global []key.Binding
	// While a screen uses esc itself (cancelling an edit), esc does not go back: say so once.
	if m.state != stateWelcome && !m.screens[m.state].capturesEsc() {
		global = append(global, m.keys.Back)
	}
	if !m.lastStep() {
		global = append(global, m.keys.Forward)
	}
	global = append(global, m.keys.Quit)
	h := m.help
	h.Styles = helpStyles(m.c.styles)
	h.SetWidth(0) // fitHelp does the fitting
	g := h.ShortHelpView(global)
	sep := h.Styles.ShortSeparator.Inline(true).Render(h.ShortSeparator)
	room := w - ansi.StringWidth(g) - ansi.StringWidth(sep)
	if room < 10 {
		return ansi.Truncate(g, w, "…")
	}
	own := fitHelp(h, m.screens[m.state].keys(), room)
	if own == "" {
		return g
	}
	return own + sep + g
}

// fitHelp renders as many of ks as fit in w columns, then "…". (help.Model's own width
// limit lets the item that overflows through when the "…" would not fit either.)
func fitHelp(h help.Model, ks []key.Binding, w int) string {
	var on []key.Binding
	for _, k := range ks {
		if k.Enabled() {
			on = append(on, k)
		}
	}
	for n := len(on); n > 0; n-- {
		v := h.ShortHelpView(on[:n])
		if n < len(on) {
			v += " " + h.Styles.Ellipsis.Inline(true).Render(h.Ellipsis)
		}
		if ansi.StringWidth(v) <= w {
			return v
		}
	}
	return ""
}

// autosave returns a command saving the draft when input may have changed it since the last
// save. Saving as the user goes is what lets a killed session resume with every answered
// field. A change that can wait (typing) is saved at most saveDelay later, so a burst of
// keystrokes is one write rather than one each; a key that moves on saves at once.
func (m *Root) autosave(wait bool) tea.Cmd {
	if m.s.saver == nil || !m.started || m.finished || !m.unsaved {
		return nil
	}
	if wait {
		if m.savePending {
			return nil
		}
		m.savePending = true
		return tea.Tick(saveDelay, func(time.Time) tea.Msg { return saveDueMsg{} })
	}
	m.unsaved = false
	return saveCmd(m.s, m.state)
}

// saveCmd is session.save in a command: the snapshot is taken now, in Update, and written
// when the command runs.
func saveCmd(s *session, at state) tea.Cmd {
	snap := s.snapshot(at)
	s.saver.inFlight.Add(1) // here, not in the command: wait must see it before the command runs
	return func() tea.Msg {
		defer s.saver.inFlight.Done()
		return draftSavedMsg{err: s.saver.save(snap)}
	}
}

// WaitSaves returns once no draft save is in flight.
func (m *Root) WaitSaves() { m.s.saver.wait() }

type draftSavedMsg struct{ err error }

// saveDelay bounds how long a change that can wait goes unsaved.
const saveDelay = 300 * time.Millisecond

// saveDueMsg is the scheduled save.
type saveDueMsg struct{}

// saveOnExit writes what was typed since the last save, once the program has stopped: after
// Ctrl+C, a signal or the context ending, so text typed in the last saveDelay is kept.
func (m *Root) saveOnExit() error {
	m.WaitSaves()
	if m.s.saver == nil || !m.started || m.finished {
		return nil
	}
	return m.s.save(m.state)
}

// resume replaces the answers with a saved draft and goes to the step it was on, or, when
// the draft left an answer out as a secret, to that answer's step, saying so.
func (m *Root) resume(d *model.Draft) tea.Cmd {
	m.s.resume(d)
	s, ok := parseState(d.Step)
	if !ok || s == stateWelcome || (s == statePKJ && !m.s.cfg().UsesPrivateKeyJWT()) {
		s = stateOrg
	}
	if len(d.LeftOut) > 0 {
		if s = fieldState(d.LeftOut[0].Field); s == statePKJ && !m.s.cfg().UsesPrivateKeyJWT() {
			s = stateSecurity
		}
	}
	cmd := m.goTo(s)
	if len(d.LeftOut) > 0 {
		m.status = fieldLabel(d.LeftOut[0].Field) + " was left out of the draft as a secret: enter it again"
	}
	return cmd
}

// fieldState is the step that asks for a configuration field.
func fieldState(field string) state {
	switch {
	case strings.HasPrefix(field, "redirect_uris"):
		return stateRedirects
	case field == "backchannel_logout_uri":
		return stateLogout
	case field == "jwks_uri":
		return statePKJ
	}
	return stateOrg
}
