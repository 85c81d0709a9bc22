package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/golive"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// RunAccessible asks the same questions with huh's accessible prompts: plain questions, one
// per line, no redraws, for screen readers and dumb terminals. It runs the same session as the
// full-screen wizard, with the same questions, rules and plain functions (save, check the key
// file, create a key, write the files); the check results are printed as lines.
func RunAccessible(ctx context.Context, opts Options, in io.Reader, out io.Writer) (_ *Result, err error) {
	a := &accessible{
		s:   newSession(&opts),
		ctx: ctx,
		// Each huh prompt reads through its own buffer; a byte-at-a-time reader stops one
		// prompt from swallowing the answers meant for the next when input is piped.
		in: &byteReader{r: in, ctx: ctx},
		// Plain text: a screen reader has no use for colour escapes.
		out: &colorprofile.Writer{Forward: out, Profile: colorprofile.NoTTY},
		st:  NewStyles(true),
	}
	defer func() {
		if errors.Is(err, ErrCancelled) {
			err = a.s.stopped() // says whether the answers are in the draft, or could not be
		}
	}()
	return a.run()
}

// accessible is the accessible front end of a session.
type accessible struct {
	s   *session
	ctx context.Context
	in  *byteReader
	out io.Writer
	st  *Styles
	at  state // the step being asked, as the draft records it
}

func (a *accessible) run() (*Result, error) {
	s := a.s
	heading, text, items, note := intro()
	a.say(heading)
	a.say(text)
	for _, l := range items {
		a.say("- " + l)
	}
	a.say(note)
	if d := s.opts.Draft; d != nil {
		choice := choiceResume
		if err := a.ask(resumeQuestion(d, &choice)); err != nil {
			return nil, err
		}
		if choice == choiceResume {
			s.resume(d)
		}
	}
	for _, at := range []state{stateOrg, stateRedirects, stateLogout, stateSecurity, statePKJ, stateUserinfo} {
		if err := a.step(at); err != nil {
			return nil, err
		}
	}
	// Review: every answer as a line, the offline findings, and a chance to change any step
	// before the checks (the full-screen review's job).
	for {
		a.heading(stateReview)
		printReview(a.out, s)
		pick, err := a.reviewChoice()
		if err != nil {
			return nil, err
		}
		if pick < 0 {
			break
		}
		if err := a.step(pick); err != nil {
			return nil, err
		}
		// A new security pattern changes which questions apply: ask the private key JWT step
		// too (under a client secret it asks nothing; its answers stay in the draft, unused).
		if pick == stateSecurity {
			if err := a.step(statePKJ); err != nil {
				return nil, err
			}
		}
	}

	a.heading(stateChecks)
	for _, n := range s.leftOutNotes() {
		a.say(n)
	}
	if s.opts.Plan != nil { // the login probe: optional, and only with the live checks
		if err := a.question(qLoginURL); err != nil {
			return nil, err
		}
	}
	a.say("Running checks…")
	s.results = checks.Run(a.ctx, s.opts.plan(s.cfg(), s.draft.INT, s.draft.KeyPath), s.opts.CheckOptions, func(_ int, res checks.Result) {
		io.WriteString(a.out, report.Hang(report.Mark(res.Status)+" ", res.ID+" "+clean(res.Target)+": "+clean(res.Message)))
		if res.Fix != "" && res.Status != model.Pass {
			io.WriteString(a.out, report.Hang("  fix: ", clean(res.Fix)))
		}
	})
	if a.ctx.Err() != nil {
		return nil, ErrCancelled
	}
	a.say(clean(report.VerdictLine(s.verdict())) + ".")
	if err := a.lint(); err != nil {
		return nil, err
	}

	a.heading(stateChecklist)
	if err := a.question(qSubmitted); err != nil {
		return nil, err
	}
	if err := a.ticks(); err != nil {
		return nil, err
	}
	a.save()
	cl := s.checklist()
	if rs := golive.Reasons(s.blockers()); len(rs) > 0 {
		anyway := false // the default is no
		if err := a.ask(huh.NewConfirm().Title(promptTitle(writeAnywayQuestion(rs))).Affirmative("Write anyway").Negative("No").Value(&anyway)); err != nil {
			return nil, err
		}
		s.despite = golive.Shorts(rs)
		if !anyway {
			a.say("Files not written. Fix the failures above and run the wizard again; your answers are in the draft.")
			return s.result(), nil
		}
	}
	paths, err := writeFiles(s, cl)
	if err != nil {
		return nil, err
	}
	s.written = paths
	return s.result(), nil
}

// say prints text wrapped at spaces to 80 columns: a terminal would break a long line
// mid-word, and a screen reader reads a line at a time.
func (a *accessible) say(text string) {
	for _, l := range report.WrapWords(text, report.TextWidth) {
		fmt.Fprintln(a.out, l)
	}
}

// heading starts a step the way the full-screen header does: "Step 3 of 9 · Back-channel
// logout".
func (a *accessible) heading(at state) {
	a.at = at
	fmt.Fprintln(a.out)
	a.say(stepLine(at, a.s))
}

// ask asks one field. Input that ends (Ctrl+D, piped answers running out, or Ctrl+C, which
// ends the context and so the input) stops the wizard as cancelled, before another prompt is
// printed: huh would otherwise take defaults for every question left, printing each, or
// panic on a select whose last answer was not a number.
func (a *accessible) ask(f huh.Field) (err error) {
	if a.in.eof || a.ctx.Err() != nil {
		return ErrCancelled
	}
	defer func() {
		if p := recover(); p != nil {
			if !a.in.eof {
				panic(p)
			}
			err = ErrCancelled
		}
	}()
	err = huh.NewForm(huh.NewGroup(f)).WithAccessible(true).WithInput(a.in).WithOutput(a.out).RunWithContext(a.ctx)
	if err == nil && a.in.eof {
		err = ErrCancelled
	}
	return accessibleErr(err)
}

// question asks one question of the table, then says what the model's rules warn about the
// answer (errors were refused while asking): a warning is never left for the review alone.
func (a *accessible) question(q *question) error {
	if q.help != "" {
		a.say(q.help)
	}
	err := a.ask(q.prompt(a.s))
	clearDashes(q.value(a.s))
	if err != nil {
		return err
	}
	a.warnings(q.findings(a.s))
	return nil
}

// warnings says the warnings among fs, each with its fix, under the answer they are about.
func (a *accessible) warnings(fs []model.Finding) {
	for _, f := range fs {
		if f.Severity == model.Warn {
			a.say("Warning: " + clean(userNumbering(f.Message)) + " (fix: " + clean(f.Fix) + ")")
		}
	}
}

// step asks one step's questions and saves the draft, also when the step was cut short:
// what was answered is kept for resuming.
func (a *accessible) step(at state) error {
	s := a.s
	if at == statePKJ && !s.cfg().UsesPrivateKeyJWT() {
		return nil // its answers stay in the draft, unused
	}
	a.heading(at)
	s.defaults(at)
	var err error
	switch at {
	case stateRedirects:
		var uris []string
		uris, err = a.redirectURIs()
		if err == nil {
			s.cfg().RedirectURIs = uris
		}
	default:
		for _, q := range stepQuestions[at] {
			if err = a.question(q); err != nil {
				break
			}
		}
		if err == nil && at == statePKJ {
			err = a.signingKey()
		}
	}
	a.save()
	return err
}

// save writes the draft at the step being asked, saying so when it cannot.
func (a *accessible) save() {
	if err := a.s.save(a.at); err != nil {
		a.say("Draft not saved: " + err.Error())
	}
}

// signingKey asks for the private key file, checking it is a private key the checks can use,
// or creates a key pair with the same code as `keys new`, saying where each file went. A
// refused answer is asked again (input that ends stops the wizard, so piped answers cannot
// loop).
func (a *accessible) signingKey() error {
	s := a.s
	if s.keyChoice == keyCreate {
		for {
			if err := a.question(qKeyDir); err != nil {
				return err
			}
			files, err := newKeyPair(s.keyDir, s.cfg().TokenEndpointAuthSigningAlg)
			if err == nil {
				s.draft.KeyPath, s.createdKey, s.keyChoice = files.KeyPath, &files, keyHave
				fmt.Fprintln(a.out, (&createdKey{files: files}).view(a.st, s.cfg().JWKSURI))
				return nil
			}
			a.say(clean(keyDirProblem(err)))
		}
	}
	for {
		if err := a.question(qKeyFile); err != nil || s.draft.KeyPath == "" {
			return err
		}
		if err := checkKeyFile(s.draft.KeyPath); err != nil {
			a.say(clean(keyFileProblem(s.draft.KeyPath, err)))
			continue
		}
		return nil
	}
}

// lint offers to lint a client assertion the application sent (assertion.lint.*): the answer
// is used once and dropped, and the lint's lines are printed but stay out of the go-live
// verdict, as on the full-screen checks screen.
func (a *accessible) lint() error {
	s := a.s
	if s.opts.Lint == nil || !s.cfg().UsesPrivateKeyJWT() {
		return nil
	}
	for {
		var pasted string
		// Plain input: huh can mask an answer only on a terminal it reads directly, and this
		// reads piped or screen-reader input too. The answer is used once and dropped.
		err := a.ask(huh.NewInput().Title(promptTitle("Paste a client assertion your application sent, to lint it (optional; never stored; blank to skip)")).
			Value(&pasted))
		if err != nil || strings.TrimSpace(pasted) == "" {
			return err
		}
		token := checks.ExtractAssertion(pasted)
		if token == "" {
			a.say("No JWT in what was pasted: paste the client_assertion value (it starts eyJ).")
			continue
		}
		checks.Run(a.ctx, s.opts.Lint(s.used(), token), s.opts.CheckOptions, func(_ int, res checks.Result) {
			io.WriteString(a.out, report.Hang(report.Mark(res.Status)+" ", res.ID+" "+clean(res.Target)+": "+clean(res.Message)))
			if res.Fix != "" && res.Status != model.Pass {
				io.WriteString(a.out, report.Hang("  fix: ", clean(res.Fix)))
			}
		})
		return nil
	}
}

// reviewChoice asks whether to run the checks (-1) or which step to change.
func (a *accessible) reviewChoice() (state, error) {
	pick := -1
	opts := []huh.Option[int]{huh.NewOption("Looks right: run the checks", -1)}
	for _, at := range visibleSteps(a.s) {
		if at < stateReview {
			opts = append(opts, huh.NewOption("Change: "+at.Title(), int(at)))
		}
	}
	err := a.ask(huh.NewSelect[int]().Title("Is every answer right? (enter runs the checks)").Options(opts...).Value(&pick))
	return state(pick), err
}

// printReview writes every answer on its own line, with the INT value and how compare
// judged the pair when INT was imported (the full-screen review's rows, so the two cannot
// disagree), then what the offline rules found, against INT.
func printReview(out io.Writer, s *session) {
	rv := &review{c: &common{s: s, opts: s.opts, cfg: s.cfg()}}
	rv.rows = rv.buildRows()
	for _, row := range rv.rows {
		prod := row.prod
		if model.SecretIn(prod) != "" {
			prod = "(hidden: it looks like a secret)"
		}
		line := row.label + ": " + orBlank(clean(shownValue(row.field, prod)))
		if cmp := row.cmp; cmp != nil {
			switch shown := shownStatus(cmp); {
			case cmp.Status == model.Same:
				line += " (same as INT)"
			case shown == model.Same: // on INT's own host: no "differs"
				line += " (the same as INT: " + clean(userNumbering(cmp.Message)) + ")"
			case shown == model.Diverges:
				line += " (differs from INT " + orBlank(clean(shownValue(row.field, row.int))) + ": " + clean(userNumbering(cmp.Message)) + ")"
			default:
				line += " (INT " + orBlank(clean(shownValue(row.field, row.int))) + ": " + clean(userNumbering(cmp.Message)) + ")"
			}
		}
		io.WriteString(out, report.HangIndent("", "  ", line)) // wrapped at spaces to 80 columns
		if row.leftOut != "" {
			io.WriteString(out, report.Hang("  ", row.leftOut))
		}
	}
	findings := model.ValidateAgainstINT(s.used(), s.draft.INT)
	if len(findings) == 0 {
		fmt.Fprintln(out, "No problems found offline.")
		return
	}
	for _, f := range findings {
		sev := "Warning"
		if f.Severity == model.Fail {
			sev = "Problem"
		}
		io.WriteString(out, report.HangIndent("", "  ", sev+", "+fieldLabel(f.Field)+": "+clean(userNumbering(f.Message))))
		if f.Fix != "" {
			io.WriteString(out, report.Hang("  fix: ", clean(f.Fix)))
		}
	}
}

func orBlank(s string) string {
	if s == "" {
		return "(blank)"
	}
	return s
}

// ticks asks which go-live steps are done: those a person ticks, each shown as the file will
// show it. The others are said as they stand: ticked from the check results, or from the
// submission date.
func (a *accessible) ticks() error {
	s := a.s
	var opts []huh.Option[string]
	var done []string
	for _, it := range s.checklist().Items {
		if !tickable(it, s) {
			mark := "[ ]"
			if it.Done {
				mark = "[x]"
			}
			a.say(mark + " " + it.Text + " (" + tickedBy(it) + ")")
			continue
		}
		opts = append(opts, huh.NewOption(optionLabel(it.Text), it.ID).Selected(it.Done))
		if it.Done {
			done = append(done, it.ID)
		}
	}
	err := a.ask(huh.NewMultiSelect[string]().
		Title(promptTitle("Go-live checklist: which of these are done? (a number ticks or unticks it, 0 when finished)")).
		Options(opts...).Value(&done))
	if err != nil {
		return err
	}
	for _, o := range opts {
		s.draft.Checklist[o.Value] = slices.Contains(done, o.Value)
	}
	return nil
}

// optionLabel wraps a numbered option's text at spaces to fit 80 columns after its number,
// continuing under itself.
func optionLabel(text string) string {
	return strings.Join(report.WrapWords(text, report.TextWidth-8), "\n      ")
}

// tickable is an item a person ticks: not one the tool ticks from the check results, nor the
// submission once its date is known (the date ticks it).
func tickable(it report.ChecklistItem, s *session) bool {
	return !it.FromEvidence && !(it.ID == report.ItemConfigSubmitted && s.draft.SubmittedOn != "")
}

// tickedBy says what ticks an item no person ticks.
func tickedBy(it report.ChecklistItem) string {
	if it.FromEvidence {
		return "from the checks: " + it.Evidence
	}
	return "from the submission date"
}

// redirectURIs asks for one redirect URI per prompt, as many as the user has: a screen
// reader user cannot enter several in one line-based answer. Each answer gets the same checks
// as the full-screen list (the model's rules, no whitespace inside, no duplicate). Prefilled
// URIs are offered one by one: enter keeps one, "-" removes it.
func (a *accessible) redirectURIs() ([]string, error) {
	s := a.s
	existing, env := s.cfg().RedirectURIs, s.cfg().EffectiveEnvironment()
	leftOut := func(i int) string { return s.leftOutNote(fmt.Sprintf("redirect_uris[%d]", i), existing[i]) }
	var out []string
	for i := 0; ; i++ {
		n := len(out) + 1
		var v, title string
		switch {
		case i < len(existing) && leftOut(i) != "":
			title = fmt.Sprintf("Redirect URI %d was %s (- removes it)", n, leftOut(i))
		case i < len(existing):
			v = existing[i]
			title = fmt.Sprintf("Redirect URI %d is %s (enter keeps it, - removes it)", n, existing[i])
		case len(out) == 0:
			title = fmt.Sprintf("Redirect URI %d", n)
		default:
			title = fmt.Sprintf("Redirect URI %d (empty to finish)", n)
		}
		validate := func(raw string) error {
			t := strings.TrimSpace(raw) // huh keeps the trimmed answer
			switch {
			case t == "" && i < len(existing):
				t = existing[i] // keeping a prefilled URI: it must pass too
			case t == "" && len(out) > 0:
				return nil
			case t == "":
				return errors.New("add at least one redirect URI")
			case t == "-" && i < len(existing):
				return nil
			}
			return redirectCheck(t, out, -1, env, s.draft.INT)
		}
		if err := a.ask(huh.NewInput().Title(promptTitle(title)).Value(&v).Validate(validate)); err != nil {
			return nil, err
		}
		v = strings.TrimSpace(v)
		switch {
		case v == "-" && i < len(existing):
			continue
		case v == "" && i >= len(existing):
			if len(out) == 0 { // input ended before any URI
				return nil, errors.New("no redirect URI entered")
			}
			return out, nil
		}
		out = append(out, v)
		// Its warnings, said under it as under any other question (errors were refused).
		cfg := s.cfg().Clone()
		cfg.RedirectURIs = out
		a.warnings(model.FieldFindingsAgainstINT(&cfg, s.draft.INT, fmt.Sprintf("redirect_uris[%d]", len(out)-1)))
	}
}

// clearDashes empties answers given as "-" (keepOptional's "clear it").
func clearDashes(vs ...*string) {
	for _, v := range vs {
		if *v == "-" {
			*v = ""
		}
	}
}

// byteReader reads one byte at a time and remembers that the input ended. The end is final:
// a terminal would go on reading after Ctrl+D, and the rest of the question group with it.
// The context's end (Ctrl+C, a signal) is an end of input too: huh's accessible prompts
// ignore the context and would otherwise wait for the next line.
type byteReader struct {
	r   io.Reader
	ctx context.Context
	eof bool
}

func (b *byteReader) Read(p []byte) (int, error) {
	if b.eof {
		return 0, io.EOF
	}
	if len(p) > 1 {
		p = p[:1]
	}
	type result struct {
		n   int
		c   byte
		err error
	}
	got := make(chan result, 1)
	go func() { // a blocked read cannot be interrupted; it is abandoned on cancel
		var c [1]byte
		n, err := b.r.Read(c[:])
		got <- result{n, c[0], err}
	}()
	select {
	case r := <-got:
		if r.n > 0 {
			p[0] = r.c
		}
		if errors.Is(r.err, io.EOF) {
			b.eof = true
		}
		return r.n, r.err
	case <-b.ctx.Done():
		b.eof = true
		return 0, io.EOF
	}
}

func accessibleErr(err error) error {
	if errors.Is(err, huh.ErrUserAborted) || errors.Is(err, context.Canceled) {
		return ErrCancelled
	}
	return err
}

func dateCheck(v string) error {
	if _, err := timeParse(v); err != nil {
		return errors.New("write the date as YYYY-MM-DD")
	}
	return nil
}
