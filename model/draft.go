package model

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

// DraftEnv overrides where the wizard keeps its draft (tests and scripts use it).
const DraftEnv = "CIS2_GOLIVE_DRAFT"

// Draft is the wizard's answers so far, saved after every field so a killed session can
// resume. It holds what the configuration holds plus wizard progress: never a secret (no
// client secret, no private key; a key is referred to by path only).
type Draft struct {
	Config Config `yaml:"config"`
	// INT is the integration configuration the answers were prefilled from, if any.
	INT *Config `yaml:"int,omitempty"`
	// Checklist holds go-live checklist items ticked by hand, by item id.
	Checklist map[string]bool `yaml:"checklist,omitempty"`
	// SubmittedOn is the date (YYYY-MM-DD) the production configuration was sent to NHS.
	SubmittedOn string `yaml:"submitted_on,omitempty"`
	// KeyPath is where the private key for the assertion check lives; the key is never read
	// into the draft.
	KeyPath string `yaml:"key_path,omitempty"`
	// Step is the wizard screen the user was on.
	Step    string    `yaml:"step,omitempty"`
	SavedAt time.Time `yaml:"saved_at"`
}

// DefaultDraftPath is $CIS2_GOLIVE_DRAFT, else <user config dir>/cis2-golive/draft.yaml.
func DefaultDraftPath() (string, error) {
	if p := os.Getenv(DraftEnv); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user config dir for the draft: %w (set %s to a file path)", err, DraftEnv)
	}
	return filepath.Join(dir, "cis2-golive", "draft.yaml"), nil
}

// LoadDraft reads a draft. A missing file is (nil, nil): there is simply nothing to resume.
func LoadDraft(path string) (*Draft, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read draft %s: %w", path, err)
	}
	defer f.Close()
	data, err := readBounded(f, maxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("read draft %s: %w", path, err)
	}
	var d Draft
	if err := yaml.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("read draft %s: %w (delete the file to start afresh)", path, err)
	}
	return &d, nil
}

// SaveDraft writes the draft atomically, mode 0600, creating its directory.
func SaveDraft(path string, d *Draft) error {
	// Drafts are saved as the user types, before validation: never let a pasted secret reach
	// the disk. Scrub copies, so the screen keeps what was typed until it is corrected.
	safe := *d
	safe.Config = d.Config.Clone()
	safe.Config.ScrubSecrets()
	if d.INT != nil {
		in := d.INT.Clone()
		in.ScrubSecrets()
		safe.INT = &in
	}
	data, err := yaml.Marshal(&safe)
	if err != nil {
		return fmt.Errorf("encode draft: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	return WriteFileAtomic(path, data, 0o600)
}

// Clone is a copy that shares nothing with c (the redirect URI list is copied too).
func (c Config) Clone() Config {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	return c
}
