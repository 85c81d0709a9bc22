package ui

import (
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Styles is every style the wizard draws with, built once from the terminal's background so
// light and dark terminals both read well. Views use these and never a colour of their own;
// NO_COLOR and pipes are handled by the program's colour profile, which drops the colours.
type Styles struct {
	Dark bool

	Title    lipgloss.Style // the wizard's name in the header
	Step     lipgloss.Style // "Step 3 of 8 · Back-channel logout"
	Heading  lipgloss.Style // a screen's own heading
	Text     lipgloss.Style
	Faint    lipgloss.Style // hints and secondary text
	Key      lipgloss.Style // a key name in the footer
	Selected lipgloss.Style // the row under the cursor
	Label    lipgloss.Style // field names in the review
	Pass     lipgloss.Style
	Warn     lipgloss.Style
	Fail     lipgloss.Style
	Skip     lipgloss.Style
	Changed  lipgloss.Style // a production value that differs from INT
	Status   lipgloss.Style // the footer's status line (saved, errors)
	Prompt   lipgloss.Style // the Ctrl+C question

	Form huh.Theme
}

// NewStyles builds the styles for a dark or light background.
func NewStyles(dark bool) *Styles {
	ld := lipgloss.LightDark(dark)
	accent := ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#8B87FF"))
	faint := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#9A9A9A"))
	green := ld(lipgloss.Color("#1B7F3B"), lipgloss.Color("#4FD27A"))
	yellow := ld(lipgloss.Color("#8A6D00"), lipgloss.Color("#F2C94C"))
	red := ld(lipgloss.Color("#B00020"), lipgloss.Color("#FF6B6B"))
	return &Styles{
		Dark:     dark,
		Title:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		Step:     lipgloss.NewStyle().Foreground(faint),
		Heading:  lipgloss.NewStyle().Bold(true),
		Text:     lipgloss.NewStyle(),
		Faint:    lipgloss.NewStyle().Foreground(faint),
		Key:      lipgloss.NewStyle().Bold(true),
		Selected: lipgloss.NewStyle().Bold(true).Foreground(accent),
		Label:    lipgloss.NewStyle().Foreground(faint),
		Pass:     lipgloss.NewStyle().Foreground(green),
		Warn:     lipgloss.NewStyle().Foreground(yellow),
		Fail:     lipgloss.NewStyle().Foreground(red).Bold(true),
		Skip:     lipgloss.NewStyle().Foreground(faint),
		Changed:  lipgloss.NewStyle().Foreground(yellow).Bold(true),
		Status:   lipgloss.NewStyle().Foreground(faint).Italic(true),
		Prompt:   lipgloss.NewStyle().Bold(true).Foreground(red),
		Form:     huh.ThemeFunc(huh.ThemeCharm),
	}
}
