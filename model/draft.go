package model

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
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
	// LeftOut names the answers that looked like a secret when the draft was saved, and so
	// were saved empty: a resumed wizard asks for them again rather than showing a silent
	// blank. It says what each looked like (SecretIn), never the value.
	LeftOut []LeftOut `yaml:"left_out,omitempty"`
	// Step is the wizard screen the user was on.
	Step    string    `yaml:"step,omitempty"`
	SavedAt time.Time `yaml:"saved_at"`
}

// LeftOut is an answer a draft left out because it looked like a secret.
type LeftOut struct {
	Field      string `yaml:"field"`
	LookedLike string `yaml:"looked_like"`
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
	what, value := map[string]string{}, map[string]string{}
	for _, fv := range d.Config.Values() {
		what[fv.Field], value[fv.Field] = SecretIn(fv.Value), fv.Value
	}
	// A field left out earlier stays so until it is answered; a new secret joins it.
	safe.LeftOut = nil
	for _, l := range d.LeftOut {
		if v, ok := value[l.Field]; ok && v == "" {
			safe.LeftOut = append(safe.LeftOut, l)
		}
	}
	for _, f := range safe.Config.ScrubSecrets() {
		safe.LeftOut = append(safe.LeftOut, LeftOut{Field: f, LookedLike: what[f]})
	}
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
	cleanOnce(path)
	return WriteFileAtomic(path, data, 0o600)
}

// cleaned records the drafts whose stale temporary files this process has removed: once, at
// the first save, since a run's own are removed as it goes.
var cleaned sync.Map

// cleanOnce removes a draft's stale temporary files the first time this process saves it: a
// wizard killed mid-save (kill -9, a closed laptop) leaves a complete copy of the answers in
// one, mode 0600, and they would pile up beside the draft. Failing to remove one is not worth
// failing the save for.
func cleanOnce(path string) {
	if _, done := cleaned.LoadOrStore(path, true); !done {
		_, _ = RemoveStaleTemps(path)
	}
}

// Clone is a copy that shares nothing with c (the redirect URI list is copied too).
func (c Config) Clone() Config {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	return c
}
