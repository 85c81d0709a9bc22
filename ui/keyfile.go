package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/keys"
)

// newKeyBits is the size of a key made by "I don't have a key yet": the floor CIS2 and
// keys.Generate accept, and what `keys new` makes by default.
const newKeyBits = 2048

// createdKey is a key pair made for the user, for the screen that says where it went.
type createdKey struct {
	files keys.Files
}

// keyCreatedMsg reports a key pair written by createKey.
type keyCreatedMsg struct {
	key createdKey
	err error
}

// defaultKeyDir is where a new key goes unless the user says otherwise: beside the outputs.
func defaultKeyDir(outDir string) string {
	if outDir == "" {
		outDir = "."
	}
	return filepath.Join(outDir, "keys")
}

// newKeyPair writes a new key pair in dir with the keys package (the same code as `keys
// new`) and returns where the files went, as absolute paths: they keep working whatever the
// checks' working directory is, and say plainly where the files are.
func newKeyPair(dir, alg string) (keys.Files, error) {
	files, err := keys.WriteNew(dir, alg, newKeyBits, nil)
	if err != nil {
		return keys.Files{}, fmt.Errorf("create key: %w", err)
	}
	if abs, err := filepath.Abs(files.KeyPath); err == nil {
		files.KeyPath = abs
	}
	if abs, err := filepath.Abs(files.JWKSPath); err == nil {
		files.JWKSPath = abs
	}
	return files, nil
}

// createKey is newKeyPair in a command, so Update never waits on key generation or the disk.
func createKey(dir, alg string) tea.Cmd {
	return func() tea.Msg {
		files, err := newKeyPair(dir, alg)
		return keyCreatedMsg{key: createdKey{files: files}, err: err}
	}
}

// keyFileCheckedMsg reports whether the key file at path is a private key the checks can use.
type keyFileCheckedMsg struct {
	path string
	err  error
}

// checkKeyFile says whether path holds a private key the live checks can sign with: a PEM
// private key that only its owner can read. Both wizards call it; the full-screen one through
// checkKeyFileCmd, so Update never reads the disk.
func checkKeyFile(path string) error {
	_, err := keys.LoadPrivateKey(path)
	return err
}

func checkKeyFileCmd(path string) tea.Cmd {
	return func() tea.Msg { return keyFileCheckedMsg{path: path, err: checkKeyFile(path)} }
}

// withoutKeyPath is results with the private key file's path replaced by words: the path is
// the user's machine's business, and the results go into the submission sent to NHS.
func withoutKeyPath(results []checks.Result, keyPath string) []checks.Result {
	if keyPath == "" || results == nil {
		return results
	}
	paths := []string{keyPath}
	if abs, err := filepath.Abs(keyPath); err == nil && abs != keyPath {
		paths = append(paths, abs)
	}
	hide := func(s string) string {
		for _, p := range paths {
			s = strings.ReplaceAll(s, p, "the private key file")
		}
		return s
	}
	out := make([]checks.Result, len(results))
	for i, r := range results {
		r.Message, r.Fix = hide(r.Message), hide(r.Fix)
		if r.Evidence != nil {
			ev := make(map[string]string, len(r.Evidence))
			for k, v := range r.Evidence {
				ev[k] = hide(v)
			}
			r.Evidence = ev
		}
		out[i] = r
	}
	return out
}

// keyFileProblem says what is wrong with a key file in the wizard's words.
func keyFileProblem(path string, err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path + " does not exist: check the path"
	case errors.Is(err, fs.ErrPermission):
		return "cannot read " + path + ": permission denied"
	case errors.Is(err, keys.ErrKeyFilePermissions):
		return path + " can be read by other users; run chmod 600 " + path + ", then enter"
	}
	return strings.TrimPrefix(err.Error(), "read key ")
}

// keyDirProblem says why a key pair could not be made in a directory, and what to answer.
func keyDirProblem(err error) string {
	var ee *keys.ExistsError
	if errors.As(err, &ee) {
		return ee.Path + " already exists (existing keys are never overwritten): choose another directory"
	}
	return strings.TrimPrefix(err.Error(), "create key: ")
}

// view says where each file went and what to do with it.
func (k *createdKey) view(st *Styles, jwksURI string) string {
	f := k.files
	where := "at your JWKS URI"
	if jwksURI != "" {
		where = "at " + jwksURI
	}
	var b strings.Builder
	b.WriteString(st.Pass.Render("✓ ") + st.Heading.Render(fmt.Sprintf("Created a %d-bit RSA key pair for %s", f.Bits, f.Alg)) + "\n")
	b.WriteString(st.Faint.Render("kid "+f.KID) + "\n\n")
	b.WriteString(st.Heading.Render("Private key") + "  " + f.KeyPath + "\n")
	b.WriteString(st.Faint.Render("  Mode 0600. It signs your client assertions and never leaves the server:") + "\n")
	b.WriteString(st.Faint.Render("  do not email it, paste it anywhere or commit it.") + "\n\n")
	b.WriteString(st.Heading.Render("Public JWKS") + "  " + f.JWKSPath + "\n")
	b.WriteString(st.Faint.Render("  Publish this file "+where+";") + "\n")
	b.WriteString(st.Faint.Render("  the JWKS checks fail until it is served there.") + "\n\n")
	b.WriteString("The live checks will sign their test assertion with this key.\n")
	return b.String()
}
