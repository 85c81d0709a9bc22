package ui

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/model"
)

// Root is the wizard's top-level model: it owns the window size, the global keys, the
// header and footer, the draft, and routes every other message to the active screen.
type Root struct {
	c       *common
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

	saver       *draftSaver
	saveSeq     int
	lastDraft   model.Draft
	savePending bool // a save is scheduled (saveDelay)

	// Input typed right after a key that moves focus waits for the move (see keyHoldMax).
	holding  bool
	holdFrom focusSig // where focus was when the hold began
	holdGen  int
	held     []tea.Msg
}

// NewRoot builds the wizard for the given options.
func NewRoot(opts Options) *Root {
	cfg := &model.Config{}
	switch {
	case opts.Config != nil:
		*cfg = opts.Config.Clone()
	case opts.INT != nil:
		*cfg = fromINT(*opts.INT)
	}
	if cfg.Environment == "" {
		cfg.Environment = model.Production
	}
	c := &common{
		opts:    &opts,
		cfg:     cfg,
		intCfg:  opts.INT,
		styles:  NewStyles(true),
		keyPath: opts.KeyPath,
		ticks:   map[string]bool{},
		width:   76,
		height:  18,
	}
	m := &Root{c: c, keys: newKeyMap(), help: help.New()}
	if opts.DraftPath != "" {
		m.saver = &draftSaver{path: opts.DraftPath}
	}
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
	m.lastDraft = m.draft()
	return m
}

// fromINT prefills production answers from the INT configuration: the seed says production
// "should replicate your INT configuration". Hosts still need changing, which the review shows.
func fromINT(in model.Config) model.Config {
	c := in.Clone()
	c.Environment = model.Production
	c.ClientID = "" // production gets its own client id
	return c
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
func (m *Root) visible() []state {
	var out []state
	for s := stateOrg; s < numStates; s++ {
		if s == statePKJ && m.c.cfg.TokenEndpointAuthMethod.IsSecret() {
			continue
		}
		out = append(out, s)
	}
	return out
}

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
		m.started = true
	}
	return m.screens[s].enter()
}

// Update implements tea.Model.
func (m *Root) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if hm, ok := msg.(releaseKeysMsg); ok {
		if !m.holding || hm.gen != m.holdGen {
			return m, nil
		}
		return m, m.release()
	}
	if m.holding && isInput(msg) {
		m.held = append(m.held, msg)
		return m, nil
	}
	k, isKey := msg.(tea.KeyPressMsg)
	moving := isKey && key.Matches(k, m.keys.moves)
	var before focusSig
	if moving {
		before = m.focus()
	}
	cmd := m.update(msg)
	if moving && cmd != nil && m.focus() == before { // the move is still to come
		m.holdFrom = before
		cmd = tea.Batch(cmd, m.hold(before.form != nil))
	} else if m.holding {
		if now := m.focus(); now != m.holdFrom && now.ready() {
			cmd = tea.Batch(cmd, m.release())
		}
	}
	return m, tea.Batch(cmd, m.autosave(!movesOn(msg, m.keys)))
}

// Keys typed right after a key that moves focus are held until the move has happened. huh
// moves focus (and the root moves screens) with commands, whose messages queue behind keys
// already typed: without the hold, "Acme<enter>EPR" typed fast lands "EPR" in the first
// field. The hold ends when the focused field or screen has changed and takes input again,
// however long the machine takes. The timer only ends a hold whose key moved nothing: short
// on screens without a form, where a key with a command need not move focus; long on a form,
// where such a key always moves it (huh's NextField or PrevField, or the root's back/next).
const (
	keyHoldMax     = 300 * time.Millisecond
	keyHoldMaxForm = 3 * time.Second
)

type releaseKeysMsg struct{ gen int }

// focusSig says where input goes: the screen, and on a form screen the form, its state and
// its focused field.
type focusSig struct {
	state     state
	form      *huh.Form
	formState huh.FormState
	field     huh.Field
}

// ready is true when input can go where the signature says: no form, or a form still open.
func (f focusSig) ready() bool { return f.form == nil || f.formState == huh.StateNormal }

// formScreen is a screen whose input goes to a huh form.
type formScreen interface{ activeForm() *huh.Form }

func (m *Root) focus() focusSig {
	sig := focusSig{state: m.state}
	if fs, ok := m.screens[m.state].(formScreen); ok {
		if f := fs.activeForm(); f != nil {
			sig.form, sig.formState = f, f.State
			if f.State == huh.StateNormal {
				sig.field = f.GetFocusedField()
			}
		}
	}
	return sig
}

// hold starts holding input until focus leaves where it was before the key just handled.
func (m *Root) hold(onForm bool) tea.Cmd {
	m.holding = true
	m.holdGen++
	gen, limit := m.holdGen, keyHoldMax
	if onForm {
		limit = keyHoldMaxForm
	}
	return tea.Tick(limit, func(time.Time) tea.Msg { return releaseKeysMsg{gen} })
}

// release replays the held input in order; a replayed key that moves focus holds the rest.
func (m *Root) release() tea.Cmd {
	m.holding = false
	held := m.held
	m.held = nil
	var cmds []tea.Cmd
	for i, in := range held {
		_, cmd := m.Update(in)
		cmds = append(cmds, cmd)
		if m.holding {
			m.held = append(held[i+1:len(held):len(held)], m.held...)
			break
		}
	}
	return tea.Batch(cmds...)
}

// isInput is what the user types or pastes, the messages a hold must keep in order.
func isInput(msg tea.Msg) bool {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		return true
	}
	return false
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
		return next, true
	}
	return nil, false
}

// quitNow ends the wizard, saving the draft first (the answers stay resumable). A failed save
// is not shown here (the quitting view is blank): the saver keeps it for stopped.
func (m *Root) quitNow() {
	_ = m.saveNow()
	m.quitting = true
}

func backMsgCmd() tea.Msg { return backMsg{} }

// hasUnsaved is true when quitting would lose something the user typed: any answer at all
// (the draft keeps answers, but the user should decide), or text not yet committed.
// helpStyles draw the footer in full-strength text: bubbles' defaults are greys (237 to
// 245) that a projector washes out.
func helpStyles(st *Styles) help.Styles {
	return help.Styles{
		ShortKey: st.Key, ShortDesc: st.Text, ShortSeparator: st.Faint, Ellipsis: st.Faint,
		FullKey: st.Key, FullDesc: st.Text, FullSeparator: st.Faint,
	}
}

func (m *Root) hasUnsaved() bool {
	if m.state == stateWelcome {
		return false
	}
	return !reflect.DeepEqual(*m.c.cfg, model.Config{Environment: m.c.cfg.Environment}) || m.state == stateRedirects
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
	if m.saver == nil {
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
	v := m.visible()
	return fmt.Sprintf("Step %d of %d · %s", slices.Index(v, m.state)+1, len(v), m.state.Title())
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

// draft is the answers and progress as they would be saved.
func (m *Root) draft() model.Draft {
	d := model.Draft{
		Config:      m.c.cfg.Clone(),
		INT:         m.c.intCfg,
		KeyPath:     m.c.keyPath,
		SubmittedOn: m.c.submittedOn,
		Step:        m.state.String(),
	}
	for _, fv := range m.c.cfg.Values() { // in field order, so the draft is stable
		if m.c.leftOutNote(fv.Field, fv.Value) != "" {
			d.LeftOut = append(d.LeftOut, model.LeftOut{Field: fv.Field, LookedLike: m.c.leftOut[fv.Field]})
		}
	}
	if len(m.c.ticks) > 0 {
		d.Checklist = map[string]bool{}
		for k, v := range m.c.ticks {
			d.Checklist[k] = v
		}
	}
	return d
}

// autosave returns a command saving the draft when it changed since the last save. Saving
// on every change is what lets a killed session resume with every answered field. A change
// that can wait (typing) is saved at most saveDelay later, so a burst of keystrokes is one
// write rather than one each; a key that moves on saves at once.
func (m *Root) autosave(wait bool) tea.Cmd {
	if m.saver == nil || !m.started || m.finished {
		return nil
	}
	d := m.draft()
	if reflect.DeepEqual(d, m.lastDraft) {
		return nil
	}
	if wait {
		if m.savePending {
			return nil
		}
		m.savePending = true
		return tea.Tick(saveDelay, func(time.Time) tea.Msg { return saveDueMsg{} })
	}
	m.lastDraft = d
	m.saveSeq++
	seq, saver := m.saveSeq, m.saver
	d.SavedAt = m.c.opts.now().UTC().Truncate(1e9)
	saver.inFlight.Add(1) // here, not in the command: Wait must see it before the command runs
	return func() tea.Msg {
		defer saver.inFlight.Done()
		return draftSavedMsg{err: saver.save(seq, &d)}
	}
}

// WaitSaves returns once no draft save is in flight. The program does not wait for its
// commands when it exits: without this, exiting mid-save would leave the atomic write's
// temporary file behind in the config directory.
func (m *Root) WaitSaves() {
	if m.saver != nil {
		m.saver.inFlight.Wait()
	}
}

type draftSavedMsg struct{ err error }

// saveDelay bounds how long a change that can wait goes unsaved.
const saveDelay = 300 * time.Millisecond

// saveDueMsg is the scheduled save.
type saveDueMsg struct{}

// saveNow writes the draft at once if it changed: before quitting, so text typed in the last
// saveDelay is kept, and after each accessible-mode answer.
func (m *Root) saveNow() error {
	if cmd := m.autosave(false); cmd != nil {
		if msg, ok := cmd().(draftSavedMsg); ok {
			return msg.err
		}
	}
	return nil
}

// draftSaver serialises saves: commands run concurrently, and an older draft must never
// overwrite a newer one.
type draftSaver struct {
	mu       sync.Mutex
	path     string
	written  int
	err      error // of the latest save
	inFlight sync.WaitGroup
}

func (s *draftSaver) save(seq int, d *model.Draft) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.written {
		return nil
	}
	s.written = seq
	s.err = model.SaveDraft(s.path, d)
	return s.err
}

// stopped is the error for a wizard stopped before the end: ErrCancelled, or a DraftError
// when the latest draft could not be written, so nobody is told the answers are saved.
func (m *Root) stopped() error {
	if m.saver == nil {
		return &StopError{}
	}
	m.saver.mu.Lock()
	defer m.saver.mu.Unlock()
	if m.saver.err != nil {
		return &DraftError{Path: m.saver.path, Err: m.saver.err}
	}
	return &StopError{Saved: m.saver.written > 0}
}

// result is what the wizard produced once it wrote the files (or decided not to).
func (m *Root) result() *Result {
	return &Result{Config: m.Config(), Written: m.c.written, Unresolved: m.c.despite,
		Checklist: (&checklist{c: m.c}).build(), KeyFiles: m.c.createdKey}
}

// resume replaces the answers with a saved draft and goes to the step it was on, or, when
// the draft left an answer out as a secret, to that answer's step, saying so.
func (m *Root) resume(d *model.Draft) tea.Cmd {
	m.loadDraft(d)
	s, ok := parseState(d.Step)
	if !ok || s == stateWelcome || (s == statePKJ && !m.c.cfg.UsesPrivateKeyJWT()) {
		s = stateOrg
	}
	if len(d.LeftOut) > 0 {
		if s = fieldState(d.LeftOut[0].Field); s == statePKJ && !m.c.cfg.UsesPrivateKeyJWT() {
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

// loadDraft replaces the answers with a saved draft's.
func (m *Root) loadDraft(d *model.Draft) {
	*m.c.cfg = d.Config.Clone()
	if d.INT != nil {
		m.c.intCfg = d.INT
	}
	if d.KeyPath != "" {
		m.c.keyPath = d.KeyPath
	}
	m.c.submittedOn = d.SubmittedOn
	for k, v := range d.Checklist {
		m.c.ticks[k] = v
	}
	m.c.leftOut = map[string]string{}
	for _, l := range d.LeftOut {
		m.c.leftOut[l.Field] = l.LookedLike
	}
}
