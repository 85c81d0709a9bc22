package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

// org asks who is going live and the client id CIS2 issued.
type org struct {
	c    *common
	form *huh.Form
}

func newOrg(c *common) *org { return &org{c: c} }

func (s *org) enter() tea.Cmd {
	cfg := s.c.cfg
	s.form = s.c.newForm(huh.NewGroup(
		huh.NewInput().Title("Organisation").Placeholder("e.g. Acme Health Ltd").Value(&cfg.Organisation).
			Validate(requiredField(s.c, "organisation", "the organisation", func(c *model.Config, v string) { c.Organisation = v })),
		huh.NewInput().Title("Product").Placeholder("e.g. Acme EPR").Value(&cfg.Product).
			Validate(requiredField(s.c, "product", "the product name", func(c *model.Config, v string) { c.Product = v })),
		huh.NewInput().Title("Contact email").Placeholder("e.g. cis2@acme-health.co.uk").Value(&cfg.ContactEmail).
			Validate(fieldCheck(s.c, "contact_email", func(c *model.Config, v string) { c.ContactEmail = v })),
		huh.NewInput().Title("Client id (optional)").Description("Assigned by CIS2, e.g. 123456789012.apps.supplier").
			Value(&cfg.ClientID).Validate(fieldCheck(s.c, "client_id", func(c *model.Config, v string) { c.ClientID = v })),
	))
	return s.form.Init()
}

func (s *org) update(msg tea.Msg) tea.Cmd {
	return s.c.updateFormScreen(&s.form, msg)
}

func (s *org) view() string {
	cfg := s.c.cfg
	v := s.form.View() + formFindingsView(s.c, s.form, model.FieldFindings(cfg, "organisation"), model.FieldFindings(cfg, "product"),
		model.FieldFindings(cfg, "contact_email"), model.FieldFindings(cfg, "client_id"))
	for _, f := range []model.FieldValue{{Field: "organisation", Value: cfg.Organisation}, {Field: "product", Value: cfg.Product},
		{Field: "contact_email", Value: cfg.ContactEmail}, {Field: "client_id", Value: cfg.ClientID}} {
		v += noteView(s.c, f.Field, f.Value)
	}
	return v
}

func (s *org) keys() []key.Binding { return formKeys(s.form) }

func (s *org) leave() error {
	switch {
	case strings.TrimSpace(s.c.cfg.Organisation) == "":
		return errRequired("the organisation")
	case strings.TrimSpace(s.c.cfg.Product) == "":
		return errRequired("the product name")
	}
	for _, f := range []string{"organisation", "product", "contact_email", "client_id"} {
		if err := model.FirstFail(model.FieldFindings(s.c.cfg, f)); err != nil {
			return err
		}
	}
	return nil
}

func (s *org) capturesEsc() bool { return false }

func (s *org) activeForm() *huh.Form { return s.form }
