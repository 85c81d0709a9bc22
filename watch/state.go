package watch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
)

// StateVersion is the state file's format. A reader refuses a newer one rather than guess,
// and a change to the format that an older reader would misread gets a new number.
const StateVersion = 1

// maxStateFile bounds what LoadState reads: a state file is a few kilobytes.
const maxStateFile = 4 << 20

// maxRetired bounds the kids remembered after they left the JWKS (see State.Retired).
const maxRetired = 100

// State is what one run leaves for the next: every result's status, the JWK Set's keys (by
// kid and RFC 7638 thumbprint: public values only), the kid the last passing client assertion
// used, and the live discovery values. It never holds a secret: no message, no evidence, no
// key material beyond public thumbprints. What a run could not see (a JWKS that did not
// answer) is carried over from the run that last saw it, so one bad run does not erase the
// baseline.
type State struct {
	Version     int    `json:"version"`
	ToolVersion string `json:"tool_version,omitempty"`
	Config      string `json:"config"`
	// ClientID is the configuration's client_id, so a state file is not read for another
	// configuration (see checkOwner). Public: CIS2 client ids are not secrets.
	ClientID   string    `json:"client_id,omitempty"`
	RunAt      time.Time `json:"run_at"`
	DurationMS int64     `json:"duration_ms"`
	Results    []Outcome `json:"results"`
	// JWKS is the last JWK Set fetched, and when.
	JWKS *KeySet `json:"jwks,omitempty"`
	// Retired are keys seen earlier that have since left the JWKS, newest first (at most
	// maxRetired): a kid that comes back naming other key material is still a reuse, since a
	// verifier may have cached the old key under it.
	Retired []Key `json:"retired_keys,omitempty"`
	// SigningKID is the kid of the last assertion.sign-verify that passed (as the check
	// reports it), and SigningSeen when that was.
	SigningKID  string    `json:"signing_kid,omitempty"`
	SigningSeen time.Time `json:"signing_seen,omitempty"`
	// Discovery is the last live discovery document read with --discovery.
	Discovery *DiscoverySeen `json:"discovery,omitempty"`
}

// Outcome is one result's identity and status. A result that skipped keeps the status it
// had when it last ran, and SeenAt says when that was (zero: in the run of State.RunAt), so a
// check that passed, could not run for a round, and then fails is still a regression.
type Outcome struct {
	ID     string         `json:"id"`
	Target string         `json:"target"`
	Status model.Severity `json:"status"`
	SeenAt time.Time      `json:"seen_at,omitzero"`
}

// outcomes are the results of a run as the state keeps them: a skip carries over the status
// the previous state had for the same id and target, unless that was a skip too.
func outcomes(prev *State, rs []checks.Result) []Outcome {
	before := map[[2]string]Outcome{}
	if prev != nil {
		for _, o := range prev.Results {
			k := [2]string{o.ID, o.Target}
			if _, ok := before[k]; !ok {
				if o.SeenAt.IsZero() {
					o.SeenAt = prev.RunAt
				}
				before[k] = o
			}
		}
	}
	out := make([]Outcome, len(rs))
	for i, r := range rs {
		out[i] = Outcome{ID: r.ID, Target: r.Target, Status: r.Status}
		if o, ok := before[[2]string{r.ID, r.Target}]; ok && r.Status == model.Skip && o.Status != model.Skip {
			out[i] = o
		}
	}
	return out
}

// KeySet is a JWK Set as a watch remembers it: where it was fetched, when, and its keys.
type KeySet struct {
	URL    string    `json:"url"`
	SeenAt time.Time `json:"seen_at"`
	Keys   []Key     `json:"keys"`
}

// Key is one published key: its kid exactly as served (compared exactly, printed cleaned)
// and the thumbprint of its public half ("" when the key did not parse, so it is never
// judged reused).
type Key struct {
	KID        string `json:"kid"`
	Thumbprint string `json:"thumbprint,omitempty"`
	Kty        string `json:"kty,omitempty"`
	// X5CNotAfter is when the key's x5c chain stops being valid (its first certificate to
	// expire; zero without x5c), so its expiry is still judged while the JWKS does not answer.
	X5CNotAfter time.Time `json:"x5c_not_after,omitzero"`
}

// DiscoverySeen is a discovery document's values, the URL they came from and when.
type DiscoverySeen struct {
	URL    string    `json:"url"`
	SeenAt time.Time `json:"seen_at"`
	checks.Discovery
}

// DefaultStatePath is the state file beside the configuration: prod.yaml keeps its state in
// prod.watch-state.json, so each configuration watched has its own.
func DefaultStatePath(configPath string) string {
	dir, base := filepath.Split(configPath)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	return filepath.Join(dir, base+".watch-state.json")
}

// LoadState reads the state file. A missing file is no error: it returns nil, the first run.
func LoadState(path string) (*State, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return nil, fmt.Errorf("read state %s: %w", path, err)
	}
	if len(data) > maxStateFile {
		return nil, fmt.Errorf("read state %s: larger than 4 MiB, so not a cis2-golive watch state file; pass --state with another path", path)
	}
	var probe struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil || probe.Version == 0 {
		return nil, fmt.Errorf("read state %s: not a cis2-golive watch state file; pass --state with another path, or delete it to start a new baseline", path)
	}
	if probe.Version > StateVersion {
		return nil, fmt.Errorf("read state %s: written by a newer cis2-golive (state format %d; this one reads %d); upgrade cis2-golive, or pass --state with another path",
			path, probe.Version, StateVersion)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read state %s: %w; delete it to start a new baseline", path, err)
	}
	return &s, nil
}

// checkOwner refuses a state file written for another configuration (told apart by
// client_id, when both have one): compared with another product's state, every round would
// start a new JWKS baseline, so this one's key drift would never be reported, and the other
// product's results would pass for this one's.
func checkOwner(path string, s *State, cfg *model.Config) error {
	if s == nil || s.ClientID == "" || cfg.ClientID == "" || s.ClientID == cfg.ClientID {
		return nil
	}
	return fmt.Errorf("read state %s: it was written for client_id %s (%s), not this configuration's %s; pass --state with this configuration's own state file, or delete it to start a new baseline",
		path, sanitize.Clean(s.ClientID), sanitize.Clean(s.Config), sanitize.Clean(cfg.ClientID))
}

// SaveState writes the state atomically (model.WriteFileAtomic): a kill at any moment leaves
// the previous state or this one, never a torn file.
func SaveState(path string, s *State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("write state %s: %w", path, err)
	}
	if err := model.WriteFileAtomic(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("%w (check that the directory exists and is writable, or pass --state)", err)
	}
	return nil
}
