package ui

import "charm.land/bubbles/v2/key"

// keyMap holds the keys the root owns on every screen; screens add their own to the footer.
type keyMap struct {
	Back    key.Binding
	Forward key.Binding
	Quit    key.Binding
	Yes     key.Binding
	No      key.Binding
	// moves are the keys that move focus to another field or screen (never shown).
	moves key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Back:    key.NewBinding(key.WithKeys("esc", "pgup"), key.WithHelp("esc", "back")),
		Forward: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "next step")),
		Quit:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Yes:     key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "quit")),
		No:      key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "stay")),
		moves:   key.NewBinding(key.WithKeys("enter", "tab", "shift+tab", "esc", "pgup", "pgdown")),
	}
}

// binding is a shorthand for a footer-only key with help text.
func binding(keys, help string, k ...string) key.Binding {
	return key.NewBinding(key.WithKeys(append([]string{keys}, k...)...), key.WithHelp(keys, help))
}
