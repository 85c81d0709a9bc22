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

	// retry asks one answer again, in place, after the disk said no: the key file is not a
	// private key, or the directory already holds a key. err says why above it.
	retry    *huh.Form
	retryKey bool // retry asks for the key file (else for the directory)

	busy    string      // "checking" or "creating" while a command works on the disk
	created *createdKey // the key just created, shown until the user moves on
	err     string
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
	s.busy, s.created, s.err, s.retry = "", nil, "", nil
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
			keyFileInput(&s.c.keyPath),
		).WithHideFunc(func() bool { return s.choice != keyHave }),
		huh.NewGroup(
			keyDirInput(&s.dir),
		).WithHideFunc(func() bool { return s.choice != keyCreate }),
	)
	return s.form.Init()
}

// keyFileInput asks for the private key file by path.
func keyFileInput(v *string) *huh.Input {
	return huh.NewInput().Title("Private key file (optional)").
		Description("Path only: the live checks sign a test assertion with it and verify it\n" +
			"against your JWKS. The key is read there and never stored or shown.\n" +
			"Leave it empty to skip that check.").
		Placeholder("e.g. ./keys/private.pem").
		Value(v).Validate(keyPathCheck)
}

// keyDirInput asks where to create a new key pair.
func keyDirInput(v *string) *huh.Input {
	return huh.NewInput().Title("Create the key pair in this directory").
		Description("A 2048-bit RSA key for the algorithm above, made on this machine:\n" +
			"the private key (mode 0600) and jwks.json, its public half.\n" +
			"Existing files are never overwritten.").
		Placeholder("e.g. ./keys").
		Value(v).Validate(required("a directory"))
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
		s.c.resizeForm(s.retry)
	case keyCreatedMsg:
		s.busy = ""
		if msg.err != nil {
			return s.ask(false, msg.err)
		}
		s.created, s.retry, s.err = &msg.key, nil, ""
		s.c.keyPath = msg.key.files.KeyPath
		s.c.createdKey = &msg.key.files
		s.choice = keyHave
		return nil
	case keyFileCheckedMsg:
		s.busy = ""
		if msg.path != s.c.keyPath { // answered again since
			return nil
		}
		if msg.err != nil {
			return s.ask(true, msg.err)
		}
		return next
	case tea.KeyPressMsg:
		if s.busy != "" {
			return nil
		}
		if s.created != nil {
			if msg.String() == "enter" {
				return next
			}
			return nil
		}
	}
	if s.busy != "" || s.created != nil {
		return nil
	}
	f := &s.form
	if s.retry != nil {
		f = &s.retry
	}
	cmd, done := updateForm(f, msg)
	if !done {
		return cmd
	}
	if s.choice == keyCreate {
		s.busy = "creating"
		return createKey(s.dir, s.c.cfg.TokenEndpointAuthSigningAlg)
	}
	if s.c.keyPath == "" {
		return next
	}
	s.busy = "checking"
	return checkKeyFileCmd(s.c.keyPath)
}

// ask shows why the disk refused an answer and asks for that answer again, the others kept:
// the key file (retryKey), or the directory for a new key.
func (s *pkj) ask(retryKey bool, err error) tea.Cmd {
	s.retryKey = retryKey
	if retryKey {
		s.err = keyFileProblem(s.c.keyPath, err)
		s.retry = s.c.newForm(huh.NewGroup(keyFileInput(&s.c.keyPath)))
	} else {
		s.err = keyDirProblem(err)
		s.retry = s.c.newForm(huh.NewGroup(keyDirInput(&s.dir)))
	}
	return s.retry.Init()
}

func (s *pkj) view() string {
	st := s.c.styles
	switch {
	case s.busy == "creating":
		return st.Heading.Render("Creating a 2048-bit RSA key pair…")
	case s.busy == "checking":
		return st.Heading.Render("Checking the key file…")
	case s.created != nil:
		return s.created.view(st, s.c.cfg.JWKSURI)
	case s.retry != nil:
		return st.Fail.Render("✗ "+s.err) + "\n\n" + s.retry.View()
	}
	var fs []model.Finding
	if v := s.c.cfg.JWKSURI; v != "" {
		fs = model.ValidateURI("jwks_uri", v, model.JWKSURI, s.c.cfg.EffectiveEnvironment())
	}
	return s.form.View() + formFindingsView(s.c, s.form, fs) + noteView(s.c, "jwks_uri", s.c.cfg.JWKSURI)
}

func (s *pkj) keys() []key.Binding {
	switch {
	case s.busy != "":
		return nil
	case s.created != nil:
		return []key.Binding{binding("enter", "continue")}
	}
	return formKeys(s.activeForm())
}

func (s *pkj) leave() error {
	if s.busy != "" {
		return errors.New("wait: " + s.busy + " the key")
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

// activeForm is nil while the disk is being read or a new key is shown: input then goes to
// the screen.
func (s *pkj) activeForm() *huh.Form {
	switch {
	case s.busy != "" || s.created != nil:
		return nil
	case s.retry != nil:
		return s.retry
	}
	return s.form
}
