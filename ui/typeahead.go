package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

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

// typeahead is the root's hold on input typed ahead of a focus move.
type typeahead struct {
	holding bool
	from    focusSig // where focus was when the hold began
	gen     int
	held    []tea.Msg
}

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

// typedAhead handles msg around the hold: held input waits, a release replays it, and a key
// that moves focus with a command (the move still to come) starts a hold.
func (m *Root) typedAhead(msg tea.Msg, update func(tea.Msg) tea.Cmd) tea.Cmd {
	a := &m.ahead
	if hm, ok := msg.(releaseKeysMsg); ok {
		if !a.holding || hm.gen != a.gen {
			return nil
		}
		return m.release()
	}
	if a.holding && isInput(msg) {
		a.held = append(a.held, msg)
		return nil
	}
	k, isKey := msg.(tea.KeyPressMsg)
	moving := isKey && key.Matches(k, m.keys.moves)
	var before focusSig
	if moving {
		before = m.focus()
	}
	cmd := update(msg)
	if moving && cmd != nil && m.focus() == before { // the move is still to come
		a.from = before
		cmd = tea.Batch(cmd, m.hold(before.form != nil))
	} else if a.holding {
		if now := m.focus(); now != a.from && now.ready() {
			cmd = tea.Batch(cmd, m.release())
		}
	}
	return cmd
}

// hold starts holding input until focus leaves where it was before the key just handled.
func (m *Root) hold(onForm bool) tea.Cmd {
	a := &m.ahead
	a.holding = true
	a.gen++
	gen, limit := a.gen, keyHoldMax
	if onForm {
		limit = keyHoldMaxForm
	}
	return tea.Tick(limit, func(time.Time) tea.Msg { return releaseKeysMsg{gen} })
}

// release replays the held input in order; a replayed key that moves focus holds the rest.
func (m *Root) release() tea.Cmd {
	a := &m.ahead
	a.holding = false
	held := a.held
	a.held = nil
	var cmds []tea.Cmd
	for i, in := range held {
		_, cmd := m.Update(in)
		cmds = append(cmds, cmd)
		if a.holding {
			a.held = append(held[i+1:len(held):len(held)], a.held...)
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
