package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// welcome says what the user will need and offers to resume a saved draft.
type welcome struct {
	c      *common
	form   *huh.Form
	choice string
}

const (
	choiceResume = "resume"
	choiceFresh  = "fresh"
)

type resumeMsg struct{}

func newWelcome(c *common) *welcome { return &welcome{c: c} }

func (s *welcome) enter() tea.Cmd {
	d := s.c.opts.Draft
	if d == nil {
		s.form = s.c.newForm(huh.NewGroup(huh.NewNote().Title("Ready?").Next(true).NextLabel("Start")))
		return s.form.Init()
	}
	s.choice = choiceResume
	s.form = s.c.newForm(huh.NewGroup(resumeQuestion(d, &s.choice)))
	return s.form.Init()
}

// resumeQuestion asks whether to resume a saved draft or start afresh; the full-screen and
// accessible wizards ask it alike.
func resumeQuestion(d *model.Draft, choice *string) *huh.Select[string] {
	return huh.NewSelect[string]().Title("You have a saved draft").
		Options(
			huh.NewOption("Resume it: "+draftSummary(d.Config.Organisation, d.Step, d.SavedAt.Format("2 Jan 15:04")), choiceResume),
			huh.NewOption("Start afresh (the draft is replaced as you answer)", choiceFresh),
		).Value(choice)
}

func draftSummary(org, step, saved string) string {
	if org == "" {
		org = "unnamed"
	}
	if st, ok := parseState(step); ok {
		step = st.Title()
	}
	return fmt.Sprintf("%s, at %s, saved %s", org, step, saved)
}

func (s *welcome) update(msg tea.Msg) tea.Cmd {
	cmd, done := updateForm(&s.form, msg)
	if !done {
		return cmd
	}
	if s.choice == choiceResume && s.c.opts.Draft != nil {
		return func() tea.Msg { return resumeMsg{} }
	}
	return next
}

func (s *welcome) view() string {
	st := s.c.styles
	var b strings.Builder
	heading, text, items, note := intro()
	b.WriteString(st.Heading.Render(heading) + "\n\n")
	b.WriteString(strings.Join(report.WrapWords(text, s.c.width), "\n") + "\n\n")
	for _, l := range items {
		b.WriteString(st.Faint.Render("  • ") + l + "\n")
	}
	b.WriteString(st.Faint.Render("    "+note) + "\n")
	b.WriteString("\n" + s.form.View())
	return b.String()
}

// intro is what the wizard says first, the same in both front ends: what it does and what to
// have ready.
func intro() (heading, text string, items []string, note string) {
	return "Put your CIS2 Authentication integration live",
		"This walks you through the production configuration NHS England needs, checks it " +
			"against your live endpoints, and writes the submission and go-live checklist. " +
			"About 10 minutes. Have ready:",
		[]string{
			"your production redirect URIs and back-channel logout URI",
			"your client id, if CIS2 has issued one",
			"for private key JWT: your JWKS URI and the path of your signing key file",
		},
		"(the key stays on disk: only its path is asked for, never the key)"
}

func (s *welcome) keys() []key.Binding { return []key.Binding{binding("enter", "choose")} }
func (s *welcome) leave() error        { return nil }
func (s *welcome) capturesEsc() bool   { return false }

func (s *welcome) activeForm() *huh.Form { return s.form }
