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
// per line, no redraws, for screen readers and dumb terminals. Validation is the same as the
// full-screen wizard's; the check results are printed as lines.
func RunAccessible(ctx context.Context, opts Options, in io.Reader, out io.Writer) (_ *Result, err error) {
	r := NewRoot(opts)
	defer func() {
		if errors.Is(err, ErrCancelled) {
			err = r.stopped() // says so when the draft could not be saved
		}
	}()
	// Each huh prompt reads through its own buffer; a byte-at-a-time reader stops one prompt
	// from swallowing the answers meant for the next when input is piped.
	br := &byteReader{r: in, ctx: ctx}
	// Plain text: a screen reader has no use for colour escapes.
	out = &colorprofile.Writer{Forward: out, Profile: colorprofile.NoTTY}
	c := r.c
	// Input that ends (Ctrl+D, or piped answers running out) stops the wizard like Ctrl+C:
	// huh would otherwise take defaults for every question left, or panic on a select whose
	// last answer was not a number.
	ask := func(fields ...huh.Field) (err error) {
		if br.eof || ctx.Err() != nil {
			return ErrCancelled
		}
		defer func() {
			if p := recover(); p != nil {
				if !br.eof {
					panic(p)
				}
				err = ErrCancelled
			}
		}()
		err = huh.NewForm(huh.NewGroup(fields...)).WithAccessible(true).WithInput(br).WithOutput(out).RunWithContext(ctx)
		if err == nil && br.eof {
			err = ErrCancelled
		}
		return err
	}
	cfg := c.cfg
	if d := opts.Draft; d != nil {
		choice := choiceResume
		if err := ask(resumeQuestion(d, &choice)); err != nil {
			return nil, accessibleErr(err)
		}
		if choice == choiceResume {
			r.loadDraft(d)
		}
	}
	steps := accessibleSteps(c, ask, out)
	// run asks one step and saves the draft, also when the step was cut short: what was
	// answered is kept for resuming.
	run := func(i int) error {
		r.state, r.started = steps[i].at, true
		err := steps[i].ask()
		if serr := r.saveNow(); serr != nil {
			fmt.Fprintln(out, "draft not saved:", serr)
		}
		return accessibleErr(err)
	}
	for i := range steps {
		if err := run(i); err != nil {
			return nil, err
		}
	}
	// Review: every answer as a line, the offline findings, and a chance to change any step
	// before the live checks (the full-screen review's job).
	for {
		r.state = stateReview
		printReview(out, c)
		pick, err := askReviewChoice(ask, steps, cfg)
		if err != nil {
			return nil, accessibleErr(err)
		}
		if pick < 0 {
			break
		}
		if err := run(pick); err != nil {
			return nil, err
		}
		// A new security pattern changes which questions apply: ask the private key JWT step
		// too (under a client secret it asks nothing and clears its answers).
		if steps[pick].at == stateSecurity {
			if err := run(slices.IndexFunc(steps, func(st accessibleStep) bool { return st.at == statePKJ })); err != nil {
				return nil, err
			}
		}
	}

	r.state = stateChecks
	for _, n := range c.leftOutNotes() {
		fmt.Fprintln(out, n)
	}
	if opts.Plan != nil { // the login probe: optional, and only with the live checks
		err := ask(keepOptional("Your application's sign-in page (optional: the CIS2 request it redirects to is checked, nothing is sent to CIS2)",
			&cfg.LoginURL, uriCheck(c, "login_url", "the sign-in page", model.RedirectURI)))
		clearDashes(&cfg.LoginURL)
		if err != nil {
			return nil, accessibleErr(err)
		}
	}
	fmt.Fprintln(out, "\nRunning checks…")
	c.results = checks.Run(ctx, opts.plan(cfg, c.intCfg, c.keyPath), opts.CheckOptions, func(_ int, res checks.Result) {
		fmt.Fprintf(out, "%s %s %s: %s\n", report.Mark(res.Status), res.ID, clean(res.Target), clean(res.Message))
		if res.Fix != "" && res.Status != model.Pass {
			fmt.Fprintf(out, "  fix: %s\n", clean(res.Fix))
		}
	})
	if bs := c.blockers(); len(bs) > 0 {
		fmt.Fprintln(out, "Not ready to send to NHS: "+clean(strings.Join(golive.Shorts(golive.Reasons(bs)), "; "))+".")
	} else {
		fmt.Fprintln(out, "Ready to send to NHS: nothing blocks it.")
	}
	if err := askLint(ctx, ask, opts, cfg, out); err != nil {
		return nil, accessibleErr(err)
	}
	if err := ask(keepOptional("Date the configuration was submitted to NHS (YYYY-MM-DD, blank if not yet)",
		&c.submittedOn, dateCheck)); err != nil {
		return nil, accessibleErr(err)
	}
	clearDashes(&c.submittedOn)
	r.state = stateChecklist
	if err := askTicks(ask, c); err != nil {
		return nil, accessibleErr(err)
	}
	if err := r.saveNow(); err != nil {
		fmt.Fprintln(out, "draft not saved:", err)
	}
	cl := (&checklist{c: c}).build()
	var despite []string
	if rs := golive.Reasons(c.blockers()); len(rs) > 0 {
		anyway := false // the default is no
		if err := ask(huh.NewConfirm().Title(writeAnywayQuestion(rs)).Affirmative("Write anyway").Negative("No").Value(&anyway)); err != nil {
			return nil, accessibleErr(err)
		}
		despite = golive.Shorts(rs)
		if !anyway {
			fmt.Fprintln(out, "Files not written. Fix the failures above and run the wizard again; your answers are in the draft.")
			return &Result{Config: cfg.Used(), Unresolved: despite, Checklist: cl}, nil
		}
	}
	c.despite = despite
	msg := writeOutputs(c, cl)().(outputsWrittenMsg)
	if msg.err != nil {
		return nil, msg.err
	}
	return &Result{Config: cfg.Used(), Written: msg.paths, Unresolved: despite, Checklist: cl, KeyFiles: c.createdKey}, nil
}

// askLint offers to lint a client assertion the application sent (assertion.lint.*): the
// answer is used once and dropped, and the lint's lines are printed but stay out of the
// go-live verdict, as on the full-screen checks screen.
func askLint(ctx context.Context, ask askFunc, opts Options, cfg *model.Config, out io.Writer) error {
	if opts.Lint == nil || !cfg.UsesPrivateKeyJWT() {
		return nil
	}
	for {
		var pasted string
		// Plain input: huh can mask an answer only on a terminal it reads directly, and this
		// reads piped or screen-reader input too. The answer is used once and dropped.
		err := ask(huh.NewInput().Title("Paste a client assertion your application sent, to lint it (optional; never stored; blank to skip)").
			Value(&pasted))
		if err != nil || strings.TrimSpace(pasted) == "" {
			return err
		}
		token := checks.ExtractAssertion(pasted)
		if token == "" {
			fmt.Fprintln(out, "No JWT in what was pasted: paste the client_assertion value (it starts eyJ).")
			continue
		}
		used := cfg.Used()
		checks.Run(ctx, opts.Lint(&used, token), opts.CheckOptions, func(_ int, res checks.Result) {
			fmt.Fprintf(out, "%s %s %s: %s\n", report.Mark(res.Status), res.ID, clean(res.Target), clean(res.Message))
			if res.Fix != "" && res.Status != model.Pass {
				fmt.Fprintf(out, "  fix: %s\n", clean(res.Fix))
			}
		})
		return nil
	}
}

// askFunc asks one group of accessible questions.
type askFunc func(fields ...huh.Field) error

// accessibleSteps are the wizard's question screens as accessible prompts, in order; the
// private key JWT step asks nothing under a client secret.
func accessibleSteps(c *common, ask askFunc, out io.Writer) []accessibleStep {
	cfg := c.cfg
	return []accessibleStep{
		{stateOrg, func() error {
			defer clearDashes(&cfg.ClientID)
			return ask(keepInput(titled(c, "organisation", "Organisation"), &cfg.Organisation,
				requiredField(c, "organisation", "the organisation", func(c *model.Config, v string) { c.Organisation = v })),
				keepInput(titled(c, "product", "Product"), &cfg.Product,
					requiredField(c, "product", "the product name", func(c *model.Config, v string) { c.Product = v })),
				keepInput(titled(c, "contact_email", "Contact email"), &cfg.ContactEmail,
					fieldCheck(c, "contact_email", func(c *model.Config, v string) { c.ContactEmail = v })),
				keepOptional(titled(c, "client_id", "Client id (optional)"), &cfg.ClientID,
					fieldCheck(c, "client_id", func(c *model.Config, v string) { c.ClientID = v })))
		}},
		{stateRedirects, func() error {
			uris, err := askRedirectURIs(ask, cfg.RedirectURIs, cfg.EffectiveEnvironment(),
				func(i int) string { return c.leftOutNote(fmt.Sprintf("redirect_uris[%d]", i), cfg.RedirectURIs[i]) })
			if err != nil {
				return err
			}
			cfg.RedirectURIs = uris
			return nil
		}},
		{stateLogout, func() error {
			return ask(keepInput(titled(c, "backchannel_logout_uri", "Back-channel logout URI"), &cfg.BackchannelLogoutURI,
				uriCheck(c, "backchannel_logout_uri", "the back-channel logout URI", model.LogoutURI)))
		}},
		{stateSecurity, func() error {
			if cfg.TokenEndpointAuthMethod == "" {
				cfg.TokenEndpointAuthMethod = model.PrivateKeyJWT
			}
			return ask(huh.NewSelect[model.AuthMethod]().Title(keeps("Security pattern", authMethodName(cfg.TokenEndpointAuthMethod))).
				Options(huh.NewOption("Private key JWT (recommended by NHS)", model.PrivateKeyJWT),
					huh.NewOption("Client secret", model.ClientSecretBasic)).Value(&cfg.TokenEndpointAuthMethod))
		}},
		{statePKJ, func() error {
			if !cfg.UsesPrivateKeyJWT() { // its answers stay in the draft, unused
				return nil
			}
			if cfg.TokenEndpointAuthSigningAlg == "" {
				cfg.TokenEndpointAuthSigningAlg = model.CIS2.TokenEndpointSigningAlgs[0]
			}
			if err := ask(keepInput(titled(c, "jwks_uri", "JWKS URI"), &cfg.JWKSURI, uriCheck(c, "jwks_uri", "the JWKS URI", model.JWKSURI)),
				huh.NewSelect[string]().Title(keeps("Token endpoint signing algorithm", cfg.TokenEndpointAuthSigningAlg)).
					Options(huh.NewOptions(model.CIS2.TokenEndpointSigningAlgs...)...).Value(&cfg.TokenEndpointAuthSigningAlg)); err != nil {
				return err
			}
			return askSigningKey(c, ask, out)
		}},
		{stateUserinfo, func() error {
			alg := cfg.UserinfoSignedResponseAlg
			if alg == "" {
				alg = "none"
			}
			err := ask(huh.NewSelect[string]().Title(keeps("Signed userinfo algorithm (none for unsigned)", alg)).
				Options(huh.NewOptions(append([]string{"none"}, model.CIS2.UserinfoSigningAlgs...)...)...).Value(&alg))
			cfg.UserinfoSignedResponseAlg = strings.TrimPrefix(alg, "none")
			return err
		}},
	}
}

// askSigningKey asks for the private key file by path, checking it is a private key the
// checks can use, or creates a key pair with the same code as `keys new` for a user who has
// none yet, saying where each file went. A refused answer is asked again (input that ends
// stops the wizard, so piped answers cannot loop).
func askSigningKey(c *common, ask askFunc, out io.Writer) error {
	choice := keyHave
	if err := ask(huh.NewSelect[string]().Title("Signing key").Options(
		huh.NewOption("I have a key file", keyHave),
		huh.NewOption("I don't have a key yet: create one", keyCreate),
	).Value(&choice)); err != nil {
		return err
	}
	if choice == keyCreate {
		dir := defaultKeyDir(c.opts.OutDir)
		for {
			if err := ask(keepInput("Create the key pair in this directory", &dir, required("a directory"))); err != nil {
				return err
			}
			files, err := newKeyPair(dir, c.cfg.TokenEndpointAuthSigningAlg)
			if err == nil {
				c.keyPath, c.createdKey = files.KeyPath, &files
				fmt.Fprintln(out, (&createdKey{files: files}).view(c.styles, c.cfg.JWKSURI))
				return nil
			}
			fmt.Fprintln(out, clean(keyDirProblem(err)))
		}
	}
	for {
		err := ask(keepOptional("Private key file path (optional; never the key itself)", &c.keyPath, keyPathCheck))
		clearDashes(&c.keyPath)
		if err != nil || c.keyPath == "" {
			return err
		}
		if err := checkKeyFile(c.keyPath); err != nil {
			fmt.Fprintln(out, clean(keyFileProblem(c.keyPath, err)))
			continue
		}
		return nil
	}
}

// askReviewChoice asks whether to run the checks (-1) or which step to change.
func askReviewChoice(ask askFunc, steps []accessibleStep, cfg *model.Config) (int, error) {
	pick := -1
	opts := []huh.Option[int]{huh.NewOption("Looks right: run the live checks", -1)}
	for i, st := range steps {
		if st.at != statePKJ || cfg.UsesPrivateKeyJWT() {
			opts = append(opts, huh.NewOption("Change: "+st.at.Title(), i))
		}
	}
	err := ask(huh.NewSelect[int]().Title("Is every answer right? (enter runs the live checks)").Options(opts...).Value(&pick))
	return pick, err
}

// accessibleStep is one question group of the accessible flow and the screen it stands for
// (the draft records where the user was; the review names it).
type accessibleStep struct {
	at  state
	ask func() error
}

// printReview writes every answer on its own line, with the INT value and how compare
// judged the pair when INT was imported (the full-screen review's rows, so the two cannot
// disagree), then what the offline rules found, against INT.
func printReview(out io.Writer, c *common) {
	fmt.Fprintln(out, "\nReview")
	rv := &review{c: c}
	rv.rows = rv.buildRows()
	for _, row := range rv.rows {
		prod := row.prod
		if model.SecretIn(prod) != "" {
			prod = "(hidden: it looks like a secret)"
		}
		line := row.label + ": " + orBlank(clean(prod))
		if cmp := row.cmp; cmp != nil {
			switch {
			case cmp.Status == model.Same:
				line += " (same as INT)"
			case cmp.Status == model.Diverges && row.int == row.prod: // on INT's own host: no "differs"
				line += " (the same as INT: " + clean(cmp.Message) + ")"
			case cmp.Status == model.Diverges:
				line += " (differs from INT " + orBlank(clean(row.int)) + ": " + clean(cmp.Message) + ")"
			default:
				line += " (INT " + orBlank(clean(row.int)) + ": " + clean(cmp.Message) + ")"
			}
		}
		fmt.Fprintln(out, line)
		if row.leftOut != "" {
			fmt.Fprintln(out, "  "+row.leftOut)
		}
	}
	used := c.cfg.Used()
	findings := model.ValidateAgainstINT(&used, c.intCfg)
	if len(findings) == 0 {
		fmt.Fprintln(out, "No problems found offline.")
		return
	}
	for _, f := range findings {
		sev := "Warning"
		if f.Severity == model.Fail {
			sev = "Problem"
		}
		fmt.Fprintf(out, "%s, %s: %s\n", sev, f.Field, clean(userNumbering(f.Message)))
		if f.Fix != "" {
			fmt.Fprintln(out, "  fix: "+clean(f.Fix))
		}
	}
}

func orBlank(s string) string {
	if s == "" {
		return "(blank)"
	}
	return s
}

// askTicks asks which go-live steps are done (those the person ticks; the tool ticks the
// others from the check results), keeping earlier ticks from the draft.
func askTicks(ask askFunc, c *common) error {
	var opts []huh.Option[string]
	var done []string
	for _, it := range (&checklist{c: c}).build().Items {
		if it.FromEvidence {
			continue
		}
		opts = append(opts, huh.NewOption(it.Text, it.ID).Selected(c.ticks[it.ID]))
		if c.ticks[it.ID] {
			done = append(done, it.ID)
		}
	}
	err := ask(huh.NewMultiSelect[string]().
		Title("Go-live checklist: which of these are done? (a number ticks or unticks it, 0 when finished)").
		Options(opts...).Value(&done))
	if err != nil {
		return err
	}
	for _, o := range opts {
		c.ticks[o.Value] = slices.Contains(done, o.Value)
	}
	return nil
}

// askRedirectURIs asks for one redirect URI per prompt, as many as the user has: a screen
// reader user cannot enter several in one line-based answer. Each answer gets the same checks
// as the full-screen list (the model's rules, no whitespace inside, no duplicate). Prefilled
// URIs are offered one by one: enter keeps one, "-" removes it.
func askRedirectURIs(ask askFunc, existing []string, env model.Environment, leftOut func(i int) string) ([]string, error) {
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
			return redirectCheck(t, out, -1, env)
		}
		if err := ask(huh.NewInput().Title(title).Value(&v).Validate(validate)); err != nil {
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
	}
}

// titled adds a field's left-out note to its question (common.leftOutNote), so an answer a
// resumed draft left out is asked for again, never a silent blank.
func titled(c *common, field, title string) string {
	var v string
	for _, fv := range c.cfg.Values() {
		if fv.Field == field {
			v = fv.Value
		}
	}
	if n := c.leftOutNote(field, v); n != "" {
		return title + " (" + n + ")"
	}
	return title
}

// keepInput is an accessible question with a prefilled answer: huh keeps the current value
// when the answer is empty but never says what it is, and would check the empty answer rather
// than the value kept. The title names the value; the check is on what will be stored.
func keepInput(title string, v *string, validate func(string) error) *huh.Input {
	cur := *v
	if cur != "" {
		title += " (enter keeps " + clean(cur) + ")"
	}
	return huh.NewInput().Title(title).Value(v).Validate(func(raw string) error {
		t := strings.TrimSpace(raw) // huh stores the trimmed answer
		if t == "" {
			t = cur
		}
		if validate == nil {
			return nil
		}
		return validate(t)
	})
}

// keepOptional is keepInput for an answer that may be left empty: "-" clears a prefilled
// value (enter keeps it), which clearDashes applies once the question is answered.
func keepOptional(title string, v *string, validate func(string) error) *huh.Input {
	if *v != "" {
		title += " (enter keeps " + clean(*v) + "; - clears it)"
	}
	return huh.NewInput().Title(title).Value(v).Validate(func(raw string) error {
		t := strings.TrimSpace(raw)
		if t == "" || t == "-" || validate == nil {
			return nil
		}
		return validate(t)
	})
}

// clearDashes empties answers given as "-" (keepOptional's "clear it").
func clearDashes(vs ...*string) {
	for _, v := range vs {
		if *v == "-" {
			*v = ""
		}
	}
}

// keeps names the choice enter keeps on a numbered question: huh's accessible select keeps
// the current one without saying which.
func keeps(title, current string) string {
	if current == "" {
		return title
	}
	return title + " (enter keeps " + clean(current) + ")"
}

// authMethodName is how the questions name a security pattern.
func authMethodName(m model.AuthMethod) string {
	switch m {
	case model.PrivateKeyJWT:
		return "private key JWT"
	case model.ClientSecretBasic:
		return "client secret"
	}
	return string(m)
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
