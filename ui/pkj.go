package ui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

// pkj asks for the private key JWT details: the JWKS URI, the signing algorithm (only what
// CIS2 offers), and where the signing key is, for the client assertion check.
type pkj struct {
	c    *common
	form *huh.Form
}

func newPKJ(c *common) *pkj { return &pkj{c: c} }

func (s *pkj) enter() tea.Cmd {
	cfg := s.c.cfg
	if cfg.TokenEndpointAuthSigningAlg == "" {
		cfg.TokenEndpointAuthSigningAlg = model.CIS2.TokenEndpointSigningAlgs[0]
	}
	s.form = s.c.newForm(huh.NewGroup(
		huh.NewInput().Title("JWKS URI").
			Description("Where your public keys are published. CIS2 fetches it from the internet.").
			Placeholder("https://your-service.example.nhs.uk/.well-known/jwks.json").
			Value(&cfg.JWKSURI).
			Validate(uriCheck(s.c, "jwks_uri", "the JWKS URI", model.JWKSURI)),
		huh.NewSelect[string]().Title("Token endpoint signing algorithm").
			Description("The algorithm your client assertions are signed with.").
			Options(huh.NewOptions(model.CIS2.TokenEndpointSigningAlgs...)...).Inline(true).
			Value(&cfg.TokenEndpointAuthSigningAlg),
		huh.NewInput().Title("Private key file (optional)").
			Description("Path only: the live checks sign a test assertion with it and verify it\n"+
				"against your JWKS. The key is read there and never stored or shown.").
			Placeholder("./keys/private.pem").
			Value(&s.c.keyPath).Validate(keyPathCheck),
	))
	return s.form.Init()
}

// keyPathCheck refuses a pasted key: the wizard must never hold key material.
func keyPathCheck(v string) error {
	if strings.Contains(v, "-----BEGIN") || strings.Contains(v, "PRIVATE KEY") {
		return errors.New("enter the path of the key file, not the key itself")
	}
	return nil
}

func (s *pkj) update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(tea.WindowSizeMsg); ok {
		s.c.resizeForm(s.form)
	}
	cmd, done := updateForm(&s.form, msg)
	if done {
		return next
	}
	return cmd
}

func (s *pkj) view() string {
	var fs []model.Finding
	if v := s.c.cfg.JWKSURI; v != "" {
		fs = model.ValidateURI("jwks_uri", v, model.JWKSURI, s.c.cfg.EffectiveEnvironment())
	}
	return s.form.View() + findingsView(s.c, fs)
}

func (s *pkj) keys() []key.Binding { return formKeys(s.form) }

func (s *pkj) leave() error {
	if err := keyPathCheck(s.c.keyPath); err != nil {
		return err
	}
	if err := uriCheck(s.c, "jwks_uri", "the JWKS URI", model.JWKSURI)(s.c.cfg.JWKSURI); err != nil {
		return err
	}
	return model.FirstFail(model.FieldFindings(s.c.cfg, "token_endpoint_auth_signing_alg"))
}

func (s *pkj) capturesEsc() bool { return false }
