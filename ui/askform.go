package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

// askForm is what the steps made of questions share (organisation, logout, security,
// userinfo, the first part of private key JWT): a form built from the questions, the model's
// findings under it as the answers are typed, each named by its question, and the draft's
// left-out notes. Each step is its own type, in its own file, embedding it.
type askForm struct {
	c    *common
	at   state
	form *huh.Form
}

// questions are the step's questions, from the one table both wizards use.
func (a *askForm) questions() []*question { return stepQuestions[a.at] }

// start builds the form from the current answers.
func (a *askForm) start(groups ...*huh.Group) tea.Cmd {
	a.c.s.defaults(a.at)
	if len(groups) == 0 {
		var fields []huh.Field
		for _, q := range a.questions() {
			fields = append(fields, q.formField(a.c.s, a.c.width))
		}
		groups = []*huh.Group{huh.NewGroup(fields...)}
	}
	a.form = a.c.newForm(groups...)
	return a.form.Init()
}

func (a *askForm) enter() tea.Cmd { return a.start() }

func (a *askForm) update(msg tea.Msg) tea.Cmd { return a.c.updateFormScreen(&a.form, msg) }

func (a *askForm) view() string { return a.form.View() + a.notes() }

// notes are the findings of the step's answers, live as they are typed, and the left-out
// note of any answer a resumed draft had to drop. A refusal the form already shows under its
// field (after enter) is not said twice.
func (a *askForm) notes() string {
	st := a.c.styles
	shown := map[string]bool{}
	if a.form != nil {
		for _, err := range a.form.Errors() {
			shown[err.Error()] = true
		}
	}
	var b strings.Builder
	for _, q := range a.questions() {
		for _, f := range q.findings(a.c.s) {
			if shown[f.Error()] {
				continue
			}
			mark := st.Warn.Render("! ")
			if f.Severity == model.Fail {
				mark = st.Fail.Render("✗ ")
			}
			b.WriteString("\n" + mark + fieldLabel(q.field) + ": " + userNumbering(f.Message))
			if f.Fix != "" {
				b.WriteString("\n  " + st.Faint.Render("fix: "+f.Fix))
			}
		}
		if q.at != nil {
			if n := a.c.s.leftOutNote(q.field, *q.value(a.c.s)); n != "" {
				b.WriteString("\n" + st.Warn.Render("! "+fieldLabel(q.field)+": "+n))
			}
		}
	}
	return b.String()
}

func (a *askForm) keys() []key.Binding { return formKeys(a.form) }

// leave is the first answer of the step its rules refuse.
func (a *askForm) leave() error {
	for _, q := range a.questions() {
		if err := q.checkAnswer(a.c.s, *q.value(a.c.s)); err != nil {
			return err
		}
	}
	return nil
}

func (a *askForm) capturesEsc() bool { return false }

func (a *askForm) activeForm() *huh.Form { return a.form }
