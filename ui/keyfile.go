package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

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

// createKey writes a new key pair with the keys package (the same code as `keys new`) in a
// command, so Update never waits on key generation or the disk.
func createKey(dir, alg string) tea.Cmd {
	return func() tea.Msg {
		files, err := keys.WriteNew(dir, alg, newKeyBits, nil)
		if err != nil {
			return keyCreatedMsg{err: fmt.Errorf("create key: %w", err)}
		}
		// An absolute path keeps working whatever the checks' working directory is, and
		// says plainly where the file is.
		if abs, err := filepath.Abs(files.KeyPath); err == nil {
			files.KeyPath = abs
		}
		if abs, err := filepath.Abs(files.JWKSPath); err == nil {
			files.JWKSPath = abs
		}
		return keyCreatedMsg{key: createdKey{files: files}}
	}
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
