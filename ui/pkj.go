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
// CIS2 offers), and where the signing key is, for the client assertion check. A user with
// no key yet can create one here (keyfile.go).
type pkj struct {
	c      *common
	form   *huh.Form
	choice string // keyHave or keyCreate
	dir    string // where to create a new key

	creating bool        // a key is being generated
	created  *createdKey // the key just created, shown until the user moves on
	err      string      // why creating failed
}

const (
	keyHave   = "have"
	keyCreate = "create"
)

func newPKJ(c *common) *pkj { return &pkj{c: c} }

func (s *pkj) enter() tea.Cmd {
	cfg := s.c.cfg
	if cfg.TokenEndpointAuthSigningAlg == "" {
		cfg.TokenEndpointAuthSigningAlg = model.CIS2.TokenEndpointSigningAlgs[0]
	}
	s.creating, s.created, s.err = false, nil, ""
	if s.choice == "" || s.c.keyPath != "" {
		s.choice = keyHave
	}
	if s.dir == "" {
		s.dir = defaultKeyDir(s.c.opts.OutDir)
	}
	s.form = s.c.newForm(
		huh.NewGroup(
			huh.NewInput().Title("JWKS URI").
				Description("Where your public keys are published. CIS2 fetches it from the internet.").
				Placeholder("e.g. https://your-service.example.nhs.uk/.well-known/jwks.json").
				Value(&cfg.JWKSURI).
				Validate(uriCheck(s.c, "jwks_uri", "the JWKS URI", model.JWKSURI)),
			huh.NewSelect[string]().Title("Token endpoint signing algorithm").
				Description("The algorithm your client assertions are signed with.").
				Options(huh.NewOptions(model.CIS2.TokenEndpointSigningAlgs...)...).Inline(true).
				Value(&cfg.TokenEndpointAuthSigningAlg),
			huh.NewSelect[string]().Title("Signing key").
				Options(
					huh.NewOption("I have a key file", keyHave),
					huh.NewOption("I don't have a key yet: create one", keyCreate),
				).Value(&s.choice),
		),
		huh.NewGroup(
			huh.NewInput().Title("Private key file (optional)").
				Description("Path only: the live checks sign a test assertion with it and verify it\n"+
					"against your JWKS. The key is read there and never stored or shown.\n"+
					"Leave it empty to skip that check.").
				Placeholder("e.g. ./keys/private.pem").
				Value(&s.c.keyPath).Validate(keyPathCheck),
		).WithHideFunc(func() bool { return s.choice != keyHave }),
		huh.NewGroup(
			huh.NewInput().Title("Create the key pair in this directory").
				Description("A 2048-bit RSA key for the algorithm above, made on this machine:\n"+
					"the private key (mode 0600) and jwks.json, its public half.\n"+
					"Existing files are never overwritten.").
				Placeholder("e.g. ./keys").
				Value(&s.dir).Validate(required("a directory")),
		).WithHideFunc(func() bool { return s.choice != keyCreate }),
	)
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
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.c.resizeForm(s.form)
	case keyCreatedMsg:
		s.creating = false
		if msg.err != nil {
			s.err = msg.err.Error()
			return s.enterKeepingError()
		}
		s.created = &msg.key
		s.c.keyPath = msg.key.files.KeyPath
		s.choice = keyHave
		return nil
	case tea.KeyPressMsg:
		if s.creating {
			return nil
		}
		if s.created != nil {
			if msg.String() == "enter" {
				return next
			}
			return nil
		}
	}
	if s.creating || s.created != nil {
		return nil
	}
	cmd, done := updateForm(&s.form, msg)
	if !done {
		return cmd
	}
	if s.choice == keyCreate {
		s.creating, s.err = true, ""
		return createKey(s.dir, s.c.cfg.TokenEndpointAuthSigningAlg)
	}
	return next
}

// enterKeepingError rebuilds the form after a failed creation, showing why.
func (s *pkj) enterKeepingError() tea.Cmd {
	err := s.err
	cmd := s.enter()
	s.err = err
	return cmd
}

func (s *pkj) view() string {
	st := s.c.styles
	switch {
	case s.creating:
		return st.Heading.Render("Creating a 2048-bit RSA key pair…")
	case s.created != nil:
		return s.created.view(st, s.c.cfg.JWKSURI)
	}
	var fs []model.Finding
	if v := s.c.cfg.JWKSURI; v != "" {
		fs = model.ValidateURI("jwks_uri", v, model.JWKSURI, s.c.cfg.EffectiveEnvironment())
	}
	v := s.form.View() + formFindingsView(s.c, s.form, fs) + noteView(s.c, "jwks_uri", s.c.cfg.JWKSURI)
	if s.err != "" {
		v += "\n" + st.Fail.Render("✗ "+s.err)
	}
	return v
}

func (s *pkj) keys() []key.Binding {
	switch {
	case s.creating:
		return nil
	case s.created != nil:
		return []key.Binding{binding("enter", "continue")}
	}
	return formKeys(s.form)
}

func (s *pkj) leave() error {
	if s.creating {
		return errors.New("wait: the key is being created")
	}
	if err := keyPathCheck(s.c.keyPath); err != nil {
		return err
	}
	if err := uriCheck(s.c, "jwks_uri", "the JWKS URI", model.JWKSURI)(s.c.cfg.JWKSURI); err != nil {
		return err
	}
	return model.FirstFail(model.FieldFindings(s.c.cfg, "token_endpoint_auth_signing_alg"))
}

func (s *pkj) capturesEsc() bool { return false }

// activeForm is nil while a key is being made or shown: input then goes to the screen.
func (s *pkj) activeForm() *huh.Form {
	if s.creating || s.created != nil {
		return nil
	}
	return s.form
}
