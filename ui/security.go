package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

// security asks for the security pattern: private key JWT (recommended) or client secret.
type security struct {
	c    *common
	form *huh.Form
}

func newSecurity(c *common) *security { return &security{c: c} }

func (s *security) enter() tea.Cmd {
	if s.c.cfg.TokenEndpointAuthMethod == "" {
		s.c.cfg.TokenEndpointAuthMethod = model.PrivateKeyJWT
	}
	s.form = s.c.newForm(huh.NewGroup(
		huh.NewSelect[model.AuthMethod]().Title("How does your service authenticate to CIS2?").
			Description("Private key JWT is what NHS recommends: no shared secret ever leaves your\n"+
				"server, and you can rotate keys behind the same JWKS URI without sending\n"+
				"NHS a new configuration.").
			Options(
				huh.NewOption("Private key JWT (recommended)", model.PrivateKeyJWT),
				huh.NewOption("Client secret", model.ClientSecretBasic),
			).Value(&s.c.cfg.TokenEndpointAuthMethod),
	))
	return s.form.Init()
}

func (s *security) update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(tea.WindowSizeMsg); ok {
		s.c.resizeForm(s.form)
	}
	cmd, done := updateForm(&s.form, msg)
	if done {
		return next
	}
	return cmd
}

func (s *security) view() string { return s.form.View() }

func (s *security) keys() []key.Binding { return formKeys(s.form) }

func (s *security) leave() error {
	return model.FirstFail(model.FieldFindings(s.c.cfg, "token_endpoint_auth_method"))
}

func (s *security) capturesEsc() bool { return false }

func (s *security) activeForm() *huh.Form { return s.form }
