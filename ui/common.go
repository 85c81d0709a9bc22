package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

// common is what every screen shares: the session (the answers and what the run produced),
// the styles and the body size. The root owns it; screens hold a pointer.
type common struct {
	s      *session
	opts   *Options      // the session's
	cfg    *model.Config // the session's configuration answers: a pointer into its draft
	styles *Styles
	width  int // body width
	height int // body height (the screen minus header and footer)
}

// screen is one step of the wizard.
type screen interface {
	// enter (re)builds the screen from the current answers when it becomes active.
	enter() tea.Cmd
	update(msg tea.Msg) tea.Cmd
	view() string
	// keys are the screen's own keys for the footer.
	keys() []key.Binding
	// leave says why the screen's answers cannot be accepted yet (nil: they can).
	leave() error
	// capturesEsc is true while the screen uses Esc itself (cancelling an edit).
	capturesEsc() bool
}

// Navigation messages screens send to the root.
type (
	nextMsg struct{}
	backMsg struct{}
	gotoMsg struct{ to state }
)

func next() tea.Msg { return nextMsg{} }

// newForm builds a huh form with the wizard's theme, sized to the body. Help is off because
// the footer shows the keys.
func (c *common) newForm(groups ...*huh.Group) *huh.Form {
	f := huh.NewForm(groups...).WithTheme(c.styles.Form).WithShowHelp(false).WithKeyMap(formKeyMap())
	if c.width > 0 {
		f = f.WithWidth(c.width)
	}
	return f
}

// updateForm passes msg to a form and reports whether the form completed on this message.
// Only the transition counts: after the form completes, messages already in flight (a cursor
// blink, a resize) still reach the screen before the root switches screens, and answering
// "done" to them too would send a second "next" and skip the following screen.
func updateForm(f **huh.Form, msg tea.Msg) (tea.Cmd, bool) {
	was := (*f).State
	m, cmd := (*f).Update(msg)
	if nf, ok := m.(*huh.Form); ok {
		*f = nf
	}
	return cmd, was != huh.StateCompleted && (*f).State == huh.StateCompleted
}

// updateFormScreen is the whole update of a screen that is one form: keep the form as wide
// as the terminal, and move to the next screen once it completes.
func (c *common) updateFormScreen(f **huh.Form, msg tea.Msg) tea.Cmd {
	if _, ok := msg.(tea.WindowSizeMsg); ok {
		c.resizeForm(*f)
	}
	cmd, done := updateForm(f, msg)
	if done {
		return next
	}
	return cmd
}

// formKeys are the keys of the focused form field, for the footer.
func formKeys(f *huh.Form) []key.Binding {
	if f == nil || f.State != huh.StateNormal {
		return nil
	}
	return f.KeyBinds()
}

// resizeForm keeps a form's width in step with the terminal.
func (c *common) resizeForm(f *huh.Form) {
	if f != nil && c.width > 0 {
		f.WithWidth(c.width)
	}
}

// formKeyMap renames huh's field keys so the footer tells "previous field" from the
// wizard's "previous screen".
func formKeyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Input.Prev.SetHelp("shift+tab", "prev field")
	km.Input.Next.SetHelp("enter", "next")
	km.Select.Prev.SetHelp("shift+tab", "prev field")
	km.Confirm.Prev.SetHelp("shift+tab", "prev field")
	km.Note.Prev.SetHelp("shift+tab", "prev field")
	// "submit" would read as sending something to NHS: enter only moves on.
	km.Input.Submit.SetHelp("enter", "next")
	km.Select.Submit.SetHelp("enter", "next")
	km.Confirm.Submit.SetHelp("enter", "next")
	km.Text.Submit.SetHelp("enter", "next")
	km.Note.Submit.SetHelp("enter", "next")
	// Every list here is short: filtering is noise in the footer.
	km.Select.Filter.SetEnabled(false)
	return km
}
