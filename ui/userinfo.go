package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

// userinfo asks whether userinfo responses are signed, and with which algorithm.
type userinfo struct {
	c      *common
	form   *huh.Form
	signed bool
	alg    string
}

func newUserinfo(c *common) *userinfo { return &userinfo{c: c} }

func (s *userinfo) enter() tea.Cmd {
	s.alg = s.c.cfg.UserinfoSignedResponseAlg
	s.signed = s.alg != ""
	if s.alg == "" {
		s.alg = model.CIS2.UserinfoSigningAlgs[0]
	}
	s.form = s.c.newForm(
		// A select rather than a confirm: huh's confirm buttons show the choice by colour
		// only, which NO_COLOR and monochrome terminals lose; a select has a cursor.
		huh.NewGroup(huh.NewSelect[bool]().Title("Should CIS2 sign userinfo responses?").
			Description("Signed userinfo comes back as a JWT you verify against CIS2's keys.\n"+
				"Most services leave it off. (Signed userinfo has no aud claim today.)").
			Options(huh.NewOption("No, unsigned", false), huh.NewOption("Yes, signed", true)).
			Value(&s.signed)),
		huh.NewGroup(huh.NewSelect[string]().Title("Userinfo signing algorithm").
			Description("CIS2 signs with RS256 unless asked otherwise.").
			Options(huh.NewOptions(model.CIS2.UserinfoSigningAlgs...)...).Value(&s.alg)).
			WithHideFunc(func() bool { return !s.signed }),
	)
	return s.form.Init()
}

func (s *userinfo) update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(tea.WindowSizeMsg); ok {
		s.c.resizeForm(s.form)
	}
	cmd, done := updateForm(&s.form, msg)
	s.apply()
	if done {
		return next
	}
	return cmd
}

func (s *userinfo) apply() {
	if s.signed {
		s.c.cfg.UserinfoSignedResponseAlg = s.alg
	} else {
		s.c.cfg.UserinfoSignedResponseAlg = ""
	}
}

func (s *userinfo) view() string { return s.form.View() }

func (s *userinfo) keys() []key.Binding { return formKeys(s.form) }

func (s *userinfo) leave() error {
	s.apply()
	return model.FirstFail(model.FieldFindings(s.c.cfg, "userinfo_signed_response_alg"))
}

func (s *userinfo) capturesEsc() bool { return false }

func (s *userinfo) activeForm() *huh.Form { return s.form }
