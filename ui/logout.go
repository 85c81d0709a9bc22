package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

// logout asks for the back-channel logout URI.
type logout struct {
	c    *common
	form *huh.Form
}

func newLogout(c *common) *logout { return &logout{c: c} }

func (s *logout) enter() tea.Cmd {
	s.form = s.c.newForm(huh.NewGroup(
		huh.NewInput().Title("Back-channel logout URI").
			Description("CIS2 POSTs a logout token here from the internet when a session ends\n" +
				"(e.g. a smartcard is removed). Public DNS name, HTTPS, a certificate\n" +
				"chaining to a public root CA; answer 400 to an invalid token.").
			Placeholder("e.g. https://your-service.example.nhs.uk/auth/backchannel-logout").
			Value(&s.c.cfg.BackchannelLogoutURI).
			Validate(uriCheck(s.c, "backchannel_logout_uri", "the back-channel logout URI", model.LogoutURI)),
	))
	return s.form.Init()
}

func (s *logout) update(msg tea.Msg) tea.Cmd {
	return s.c.updateFormScreen(&s.form, msg)
}

func (s *logout) view() string {
	var fs []model.Finding
	if v := s.c.cfg.BackchannelLogoutURI; v != "" {
		fs = model.ValidateURI("backchannel_logout_uri", v, model.LogoutURI, s.c.cfg.EffectiveEnvironment())
	}
	return s.form.View() + formFindingsView(s.c, s.form, fs) + noteView(s.c, "backchannel_logout_uri", s.c.cfg.BackchannelLogoutURI)
}

func (s *logout) keys() []key.Binding { return formKeys(s.form) }

func (s *logout) leave() error {
	return uriCheck(s.c, "backchannel_logout_uri", "the back-channel logout URI", model.LogoutURI)(s.c.cfg.BackchannelLogoutURI)
}

func (s *logout) capturesEsc() bool { return false }

func (s *logout) activeForm() *huh.Form { return s.form }
