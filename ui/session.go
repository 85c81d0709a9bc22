package ui

import (
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/golive"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// session is one run of the wizard, the same for the full-screen and the accessible front
// end: the answers as one model.Draft, edited in place (the questions bind to its fields, so
// what is saved is exactly what is on screen), the saver that keeps it on disk, and what the
// run has produced so far.
type session struct {
	opts  *Options
	draft model.Draft
	saver *draftSaver // nil: no draft file

	// Answers that are not part of the configuration or the draft.
	keyChoice string // keyHave or keyCreate
	keyDir    string // where "I don't have a key yet" creates one

	results    []checks.Result // the last complete check run
	written    []string        // the files written at the end
	despite    []string        // what the user chose to write the files anyway over
	createdKey *keys.Files     // the key pair made by "I don't have a key yet"
}

// newSession starts a run from the options: the answers prefilled from --config, or from the
// INT configuration, for production.
func newSession(opts *Options) *session {
	s := &session{opts: opts, keyChoice: keyHave, keyDir: defaultKeyDir(opts.OutDir)}
	switch {
	case opts.Config != nil:
		s.draft.Config = opts.Config.Clone()
	case opts.INT != nil:
		s.draft.Config = fromINT(*opts.INT)
	}
	if s.draft.Config.Environment == "" {
		s.draft.Config.Environment = model.Production
	}
	s.draft.INT = opts.INT
	s.draft.KeyPath = opts.KeyPath
	s.draft.Checklist = map[string]bool{}
	if opts.DraftPath != "" {
		s.saver = &draftSaver{path: opts.DraftPath}
	}
	return s
}

// fromINT prefills production answers from the INT configuration: the seed says production
// "should replicate your INT configuration". Hosts still need changing, which the review shows.
func fromINT(in model.Config) model.Config {
	c := in.Clone()
	c.Environment = model.Production
	c.ClientID = "" // production gets its own client id
	c.Product, c.Description = withoutINTMarker(c.Product), withoutINTMarker(c.Description)
	return c
}

// intMarker is an environment name at the end of a product name or description ("Acme EPR
// (INT)", "… - Integration"), set apart by a bracket, a dash, a colon or a space.
var intMarker = regexp.MustCompile(`(?i)(\s*[-–—:]\s*|\s*[(\[]\s*|\s+)(int|integration)(\s+env(ironment)?)?\s*[)\]]?$`)

// withoutINTMarker drops INT's environment marker from a name production copies: sent to NHS,
// "Acme EPR (INT)" would name the production product as INT's. A name that is only the
// marker stays, for the user to change.
func withoutINTMarker(s string) string {
	if t := strings.TrimSpace(intMarker.ReplaceAllString(s, "")); t != "" {
		return t
	}
	return s
}

// resume takes a saved draft's answers. What the run was started with stays where the draft
// has nothing: the --key path, the --from-int configuration, ticks.
func (s *session) resume(d *model.Draft) {
	keyPath, in, ticks := s.draft.KeyPath, s.draft.INT, s.draft.Checklist
	s.draft = *d
	s.draft.Config = d.Config.Clone()
	if s.draft.KeyPath == "" {
		s.draft.KeyPath = keyPath
	}
	if s.draft.INT == nil {
		s.draft.INT = in
	}
	s.draft.Checklist = map[string]bool{}
	for k, v := range ticks {
		s.draft.Checklist[k] = v
	}
	for k, v := range d.Checklist {
		s.draft.Checklist[k] = v
	}
}

// cfg is the answers to the configuration questions, edited in place.
func (s *session) cfg() *model.Config { return &s.draft.Config }

// used is the configuration as its security pattern uses it: what is checked and written (the
// answers to the other pattern stay in the draft).
func (s *session) used() *model.Config {
	u := s.draft.Config.Used()
	return &u
}

// live is how far the wizard's live checks got, for golive: not run without a live plan
// (--offline), running until a whole run has finished.
func (s *session) live() golive.Live {
	switch {
	case s.opts.Plan == nil:
		return golive.NotRun
	case s.results == nil:
		return golive.Running
	}
	return golive.Done
}

// blockers is golive's verdict on the answers and the last complete check run: the one rule
// the review, the checks screen, the checklist tick and the final write share.
func (s *session) blockers() []golive.Blocker {
	return golive.Blockers(s.used(), s.draft.INT, s.results, s.live())
}

// verdict is golive's verdict on the same, in report's shape, with its reasons in short: what
// the verdict line (report.VerdictLine) says, warnings left to review included.
func (s *session) verdict() (report.Verdict, []string) {
	return golive.Verdict(s.used(), s.draft.INT, s.results, s.live())
}

// checklist is the go-live checklist from the answers, the ticks and the checks' evidence.
func (s *session) checklist() report.Checklist {
	submitted, _ := time.Parse(report.DateLayout, s.draft.SubmittedOn)
	used := s.used()
	return report.NewChecklist(used, golive.ChecklistEvidence(used, s.draft.INT, s.results, s.live()), s.draft.Checklist, submitted)
}

// leftOutNote says why a field is blank, when the draft it was resumed from left its value
// out as a secret; "" once it has an answer (value) again.
func (s *session) leftOutNote(field, value string) string {
	if value != "" {
		return ""
	}
	for _, l := range s.draft.LeftOut {
		if l.Field == field {
			return "left out of your saved draft: it looked like " + l.LookedLike + ". Enter it again, without the secret."
		}
	}
	return ""
}

// leftOutNotes lists, in field order, every answer a resumed draft left out that is still
// blank, each with its reason: for the screens that show the whole configuration.
func (s *session) leftOutNotes() []string {
	var out []string
	for _, fv := range s.draft.Config.Values() {
		if n := s.leftOutNote(fv.Field, fv.Value); n != "" {
			out = append(out, fieldLabel(fv.Field)+": "+n)
		}
	}
	return out
}

// result is what the run produced.
func (s *session) result() *Result {
	return &Result{Config: s.draft.Config.Used(), Written: s.written, Unresolved: s.despite,
		Checklist: s.checklist(), KeyFiles: s.createdKey, INTPath: s.opts.INTPath}
}

// save writes the draft as it stands, at step: a plain function both front ends call (the
// full-screen one through a command). Saves run concurrently; the saver keeps an older one
// from overwriting a newer one. Nothing is written without a draft file.
func (s *session) save(step state) error {
	if s.saver == nil {
		return nil
	}
	return s.saver.save(s.snapshot(step))
}

// snapshot is the draft as it would be saved now: a copy, so that a save running in a command
// never reads answers Update is changing.
func (s *session) snapshot(step state) *savedDraft {
	d := s.draft
	d.Config = s.draft.Config.Clone()
	if len(s.draft.Checklist) > 0 {
		d.Checklist = make(map[string]bool, len(s.draft.Checklist))
		for k, v := range s.draft.Checklist {
			d.Checklist[k] = v
		}
	} else {
		d.Checklist = nil
	}
	d.Step = step.String()
	d.SavedAt = s.opts.now().UTC().Truncate(time.Second)
	s.saver.mu.Lock()
	s.saver.seq++
	seq := s.saver.seq
	s.saver.mu.Unlock()
	return &savedDraft{seq: seq, d: d}
}

// stopped is the error for a wizard stopped before the end: a StopError saying whether the
// answers are in the draft, or a DraftError when the latest draft could not be written, so
// nobody is told the answers are saved.
func (s *session) stopped() error {
	if s.saver == nil {
		return &StopError{}
	}
	s.saver.mu.Lock()
	defer s.saver.mu.Unlock()
	if s.saver.err != nil {
		return &DraftError{Path: s.saver.path, Err: s.saver.err}
	}
	return &StopError{Saved: s.saver.written > 0}
}

// draftSaver writes drafts in order: commands run concurrently, and an older draft must never
// overwrite a newer one.
type draftSaver struct {
	mu       sync.Mutex
	path     string
	seq      int // of the latest snapshot
	written  int // of the latest snapshot written
	err      error
	inFlight sync.WaitGroup
}

// savedDraft is one snapshot of the draft, numbered in the order it was taken.
type savedDraft struct {
	seq int
	d   model.Draft
}

func (s *draftSaver) save(sd *savedDraft) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sd.seq <= s.written {
		return nil
	}
	s.written = sd.seq
	s.err = model.SaveDraft(s.path, &sd.d)
	return s.err
}

// wait returns once no save is in flight. The program does not wait for its commands when it
// exits: without this, exiting mid-save would leave the atomic write's temporary file behind.
func (s *draftSaver) wait() {
	if s != nil {
		s.inFlight.Wait()
	}
}

// defaults fills in the preselected answers of a step before it is asked: private key JWT
// (NHS's recommendation), CIS2's first signing algorithm, and "I have a key file" once a key
// path is known.
func (s *session) defaults(at state) {
	c := s.cfg()
	switch at {
	case stateSecurity:
		if c.TokenEndpointAuthMethod == "" {
			c.TokenEndpointAuthMethod = model.PrivateKeyJWT
		}
	case statePKJ:
		if c.TokenEndpointAuthSigningAlg == "" {
			c.TokenEndpointAuthSigningAlg = model.CIS2.TokenEndpointSigningAlgs[0]
		}
		if s.keyChoice == "" || s.draft.KeyPath != "" {
			s.keyChoice = keyHave
		}
	}
}
