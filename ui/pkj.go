package ui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// pkj asks for the private key JWT details: the JWKS URI, the signing algorithm (only what
// CIS2 offers), and where the signing key is, for the client assertion check. A user with
// no key yet can create one here (keyfile.go). The key file is checked on disk in a command
// before the wizard moves on.
type pkj struct {
	askForm

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

func newPKJ(c *common) *pkj { return &pkj{askForm: askForm{c: c, at: statePKJ}} }

func (s *pkj) enter() tea.Cmd {
	s.busy, s.created, s.err, s.retry = "", nil, "", nil
	sess := s.c.s
	var first []huh.Field
	for _, q := range s.questions() {
		first = append(first, q.formField(sess, s.c.width))
	}
	return s.start(
		huh.NewGroup(first...),
		huh.NewGroup(qKeyFile.formField(sess, s.c.width)).WithHideFunc(func() bool { return sess.keyChoice != keyHave }),
		huh.NewGroup(qKeyDir.formField(sess, s.c.width)).WithHideFunc(func() bool { return sess.keyChoice != keyCreate }),
	)
}

// keyPathCheck refuses a pasted key: the wizard must never hold key material.
func keyPathCheck(v string) error {
	if strings.Contains(v, "-----BEGIN") || strings.Contains(v, "PRIVATE KEY") {
		return errors.New("enter the path of the key file, not the key itself")
	}
	return nil
}

func (s *pkj) update(msg tea.Msg) tea.Cmd {
	sess := s.c.s
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
		sess.draft.KeyPath = msg.key.files.KeyPath
		sess.createdKey = &msg.key.files
		sess.keyChoice = keyHave
		return nil
	case keyFileCheckedMsg:
		s.busy = ""
		if msg.path != sess.draft.KeyPath { // answered again since
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
	if sess.keyChoice == keyCreate {
		s.busy = "creating"
		return createKey(sess.keyDir, sess.cfg().TokenEndpointAuthSigningAlg)
	}
	return s.checkKey()
}

// checkKey moves on once the key file is one the checks can use (read in a command: Update
// does no I/O), or at once when no key file was given.
func (s *pkj) checkKey() tea.Cmd {
	path := s.c.s.draft.KeyPath
	if path == "" {
		return next
	}
	s.busy = "checking"
	return checkKeyFileCmd(path)
}

// ask shows why the disk refused an answer and asks for that answer again, the others kept:
// the key file (retryKey), or the directory for a new key.
func (s *pkj) ask(retryKey bool, err error) tea.Cmd {
	sess := s.c.s
	s.retryKey = retryKey
	q := qKeyDir
	s.err = keyDirProblem(err)
	if retryKey {
		q = qKeyFile
		s.err = keyFileProblem(sess.draft.KeyPath, err)
	}
	s.retry = s.c.newForm(huh.NewGroup(q.formField(sess, s.c.width)))
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
		return s.created.view(st, s.c.s.cfg().JWKSURI)
	case s.retry != nil:
		return st.Fail.Render("✗ "+s.err) + "\n\n" + s.retry.View()
	}
	return s.askForm.view()
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
	if err := keyPathCheck(s.c.s.draft.KeyPath); err != nil {
		return err
	}
	return s.askForm.leave()
}

// forward is pgdn: the key file is checked, as enter checks it, before the wizard moves on.
func (s *pkj) forward() tea.Cmd {
	if s.c.s.keyChoice != keyHave || s.created != nil {
		return next
	}
	return s.checkKey()
}

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
