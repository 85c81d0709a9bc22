package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// review shows every answer, with the INT value beside it when one was imported and each
// difference marked; enter on a row jumps to that screen to edit it. The INT comparison is
// model.CompareINTProd's, the one `compare` prints, so the review, the accessible review and
// `compare` cannot disagree; the findings are the offline rules', against INT.
type review struct {
	c       *common
	cursor  int
	entered bool
	rows    []reviewRow
	// unplaced are findings on a field no row shows (no redirect URI at all, the
	// environment): counted in the headline and shown under "Continue", never dropped.
	unplaced []model.Finding
}

type reviewRow struct {
	label, field, prod, int string
	edit                    state
	// cmp is how the row compares with INT; nil without INT, or where compare has nothing
	// to say (an answer INT does not have).
	cmp *model.Comparison
	// findings are the offline rules' findings on the row's field.
	findings []model.Finding
	// leftOut says why a resumed draft left the answer out (common.leftOutNote).
	leftOut string
}

// host is the row's non-production host finding, if any.
func (r reviewRow) host() *model.Finding {
	for i, f := range r.findings {
		if f.Rule == model.RuleNonProduction {
			return &r.findings[i]
		}
	}
	return nil
}

// worst is the worst severity of the row's findings ("" for none).
func (r reviewRow) worst() model.Severity { return worst(r.findings) }

var reviewKeys = struct{ Edit, Move key.Binding }{
	Edit: binding("enter", "edit / continue"),
	Move: binding("↑/↓", "move", "up", "down", "k", "j"),
}

func newReview(c *common) *review { return &review{c: c} }

func (s *review) enter() tea.Cmd {
	s.rows = s.buildRows()
	if !s.entered { // first visit: the cursor waits on "Continue"; after an edit it stays put
		s.cursor, s.entered = len(s.rows), true
	}
	s.cursor = min(s.cursor, len(s.rows))
	return nil
}

// comparisons is the INT comparison of the answers, nil without INT.
func (c *common) comparisons() []model.Comparison {
	if c.s.draft.INT == nil {
		return nil
	}
	used := c.cfg.Used()
	return model.CompareINTProd(c.s.draft.INT, &used, model.CompareOptions{INTFromConnectionManager: c.s.draft.INT.FromConnectionManager})
}

func (s *review) buildRows() []reviewRow {
	used := s.c.cfg.Used() // the answers to the security pattern not chosen do not count
	cfg, in := &used, s.c.s.draft.INT
	findings := model.ValidateAgainstINT(cfg, in)
	cmps := s.c.comparisons()
	byField := map[string]*model.Comparison{}
	for i := range cmps {
		byField[cmps[i].Field] = &cmps[i]
	}
	row := func(label, field, prod, intVal string, edit state) reviewRow {
		r := reviewRow{label: label, field: field, prod: prod, edit: edit, leftOut: s.c.s.leftOutNote(field, prod)}
		if in != nil {
			r.int, r.cmp = intVal, byField[field]
		}
		for _, f := range findings {
			if f.Field == field {
				r.findings = append(r.findings, f)
			}
		}
		return r
	}
	intOf := func(get func(*model.Config) string) string {
		if in == nil {
			return ""
		}
		return get(in)
	}
	rows := []reviewRow{
		row("Organisation", "organisation", cfg.Organisation, intOf(func(c *model.Config) string { return c.Organisation }), stateOrg),
		row("Product", "product", cfg.Product, intOf(func(c *model.Config) string { return c.Product }), stateOrg),
		row("Contact email", "contact_email", cfg.ContactEmail, intOf(func(c *model.Config) string { return c.ContactEmail }), stateOrg),
		row("Client id", "client_id", cfg.ClientID, intOf(func(c *model.Config) string { return c.ClientID }), stateOrg),
	}
	rows = append(rows, s.redirectRows(row, cmps)...)
	rows = append(rows,
		row("Back-channel logout", "backchannel_logout_uri", cfg.BackchannelLogoutURI, intOf(func(c *model.Config) string { return c.BackchannelLogoutURI }), stateLogout),
		row("Security pattern", "token_endpoint_auth_method", string(cfg.TokenEndpointAuthMethod), intOf(func(c *model.Config) string { return string(c.TokenEndpointAuthMethod) }), stateSecurity))
	if cfg.UsesPrivateKeyJWT() || (in != nil && in.JWKSURI != "") {
		rows = append(rows,
			row("JWKS URI", "jwks_uri", cfg.JWKSURI, intOf(func(c *model.Config) string { return c.JWKSURI }), statePKJ),
			row("Signing algorithm", "token_endpoint_auth_signing_alg", cfg.TokenEndpointAuthSigningAlg, intOf(func(c *model.Config) string { return c.TokenEndpointAuthSigningAlg }), statePKJ))
	}
	u := row("Signed userinfo", "userinfo_signed_response_alg", orNone(cfg.UserinfoSignedResponseAlg), intOf(func(c *model.Config) string { return orNone(c.UserinfoSignedResponseAlg) }), stateUserinfo)
	if u.cmp != nil && u.cmp.Status == model.Unverified {
		u.int = "(not in the export)"
	}
	rows = append(rows, u)
	for i := range rows {
		if rows[i].edit == statePKJ && !cfg.UsesPrivateKeyJWT() {
			rows[i].edit = stateSecurity // under a client secret the PKJ step is skipped
		}
	}
	s.unplaced = nil
	for _, f := range findings {
		if !slices.ContainsFunc(rows, func(r reviewRow) bool { return r.field == f.Field }) {
			s.unplaced = append(s.unplaced, f)
		}
	}
	return rows
}

// redirectRows is a row per production redirect URI, in its order, then one per INT
// redirect URI production lacks. With INT, each row is one of compare's redirect
// comparisons, pairing the production URI with the INT one of the same path.
func (s *review) redirectRows(row func(label, field, prod, intVal string, edit state) reviewRow, cmps []model.Comparison) []reviewRow {
	uris := s.c.cfg.RedirectURIs
	label := func(i int) string { return fmt.Sprintf("Redirect URI %d", i+1) }
	field := func(i int) string { return fmt.Sprintf("redirect_uris[%d]", i) }
	if s.c.s.draft.INT == nil {
		rows := make([]reviewRow, len(uris))
		for i, u := range uris {
			rows[i] = row(label(i), field(i), u, "", stateRedirects)
		}
		return rows
	}
	byProd := make([]*reviewRow, len(uris))
	var intOnly []reviewRow
	for i := range cmps {
		c := &cmps[i]
		if !strings.HasPrefix(c.Field, "redirect_uris") {
			continue
		}
		j := -1 // the production URI's index; the same URI twice pairs the next copy
		for k, u := range uris {
			if u == c.Prod && byProd[k] == nil {
				j = k
				break
			}
		}
		if c.Prod == "" || j < 0 {
			r := row("Redirect URI", "", "", c.INT, stateRedirects)
			r.cmp = c
			intOnly = append(intOnly, r)
			continue
		}
		r := row(label(j), field(j), c.Prod, c.INT, stateRedirects)
		r.cmp = c
		byProd[j] = &r
	}
	var rows []reviewRow
	for j, r := range byProd {
		if r == nil { // compare judged every production URI; this keeps the list whole
			rows = append(rows, row(label(j), field(j), uris[j], "", stateRedirects))
			continue
		}
		rows = append(rows, *r)
	}
	return append(rows, intOnly...)
}

func orNone(s string) string {
	if s == "" {
		return "no"
	}
	return s
}

func (s *review) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch k.String() {
	case "up", "k":
		s.cursor = max(0, s.cursor-1)
	case "down", "j", "tab":
		s.cursor = min(len(s.rows), s.cursor+1)
	case "enter":
		if s.cursor == len(s.rows) {
			return next
		}
		to := s.rows[s.cursor].edit
		return func() tea.Msg { return gotoMsg{to: to} }
	}
	return nil
}

// headline sums the review up: each sort of problem counted, or that there is none.
func (s *review) headline() string {
	st := s.c.styles
	var problems, warnings, onHosts, hostFails, differs int
	for _, f := range s.unplaced {
		if f.Severity == model.Fail {
			problems++
		} else {
			warnings++
		}
	}
	for _, r := range s.rows {
		for _, f := range r.findings {
			switch {
			case f.Rule == model.RuleNonProduction:
			case f.Severity == model.Fail:
				problems++
			default:
				warnings++
			}
		}
		if h := r.host(); h != nil {
			onHosts++
			if h.Severity == model.Fail {
				hostFails++
			}
		}
		if r.cmp != nil && shownStatus(r.cmp) == model.Diverges {
			differs++
		}
	}
	var parts []string
	if problems > 0 {
		parts = append(parts, st.Fail.Render(report.Plural(problems, "problem to fix", "problems to fix")))
	}
	if onHosts > 0 {
		style := st.Warn
		if hostFails > 0 {
			style = st.Fail
		}
		parts = append(parts, style.Render(report.Plural(onHosts, "value still on an INT/test host", "values still on INT/test hosts")))
	}
	if differs > 0 {
		parts = append(parts, st.Changed.Render(report.Plural(differs, "difference from INT", "differences from INT")))
	}
	if warnings > 0 {
		parts = append(parts, st.Warn.Render(report.Plural(warnings, "warning", "warnings")))
	}
	if len(parts) == 0 {
		return st.Pass.Render("✓ no problems found offline")
	}
	return strings.Join(parts, st.Faint.Render(" · "))
}

func (s *review) view() string {
	st := s.c.styles
	var b strings.Builder
	head := s.headline()
	if hint := "Enter on a row to change it."; ansi.StringWidth(hint+" "+head) <= s.c.width {
		head = st.Faint.Render(hint) + " " + head
	}
	b.WriteString(head + "\n\n")

	in := s.c.s.draft.INT != nil
	valW := max(12, s.c.width-2-labelW-1)
	if in {
		valW = max(10, (s.c.width-2-labelW-1-3)/2)
		b.WriteString(st.Label.Render(fmt.Sprintf("  %-*s %-*s   %s", labelW, "", valW, "Production", "INT")) + "\n")
	}
	// Every value in full, wrapped within its column (a URI breaks after a "/"): a cut URI
	// cannot be double-checked, and two that differ only at the end must not look the same.
	groups := make([][]string, len(s.rows)+1)
	for i, r := range s.rows {
		groups[i] = s.rowLines(r, i == s.cursor, valW, in)
	}
	groups[len(s.rows)] = []string{"", cursorLine(st, s.cursor == len(s.rows), st.Heading.Render("Continue to the checks →"))}
	detail := s.detail()
	legend := s.legend()
	room := max(4, s.c.height-strings.Count(b.String(), "\n")-len(detail)-len(legend))
	total := 0
	for _, g := range groups {
		total += len(g)
	}
	var lines []string
	if total <= room {
		for _, g := range groups {
			lines = append(lines, g...)
		}
	} else {
		first, last := groupWindow(groups, s.cursor, room-2) // the "more" lines
		if first > 0 {
			lines = append(lines, st.Faint.Render(fmt.Sprintf("  ↑ %d more above", first)))
		}
		for _, g := range groups[first:last] {
			lines = append(lines, g...)
		}
		if n := len(groups) - 1 - last; n > 0 {
			lines = append(lines, st.Faint.Render(fmt.Sprintf("  ↓ %d more below", n)))
		} else if last < len(groups) {
			lines = append(lines, st.Faint.Render("  ↓ Continue below"))
		}
	}
	b.WriteString(strings.Join(lines, "\n") + "\n")
	b.WriteString(strings.Join(detail, "\n"))
	b.WriteString(strings.Join(legend, ""))
	return b.String()
}

// labelW is the width of the review's label column ("Back-channel logout").
const labelW = 19

// rowLines is one answer: its label, its production value in full (wrapped in its column and
// marked when the offline rules found something on it: ✗ to fix, ! to check), and with INT,
// how compare judged the pair and the INT value, wrapped the same way.
func (s *review) rowLines(r reviewRow, on bool, valW int, in bool) []string {
	st := s.c.styles
	prod := shownValue(r.field, r.prod)
	if model.SecretIn(r.prod) != "" {
		prod = "(hidden: it looks like a secret)"
	}
	mark, style := "", st.Text
	switch {
	case r.worst() == model.Fail:
		mark, style = "✗ ", st.Fail
	case r.worst() == model.Warn || r.host() != nil || r.leftOut != "":
		mark, style = "! ", st.Warn // visible without colour: the row a warning is about
	}
	if prod == "" && mark != "" {
		prod = "(blank)"
	}
	pl := breakValue(clean(mark+prod), valW)
	var il []string
	if in {
		il = breakValue(clean(shownValue(r.field, r.int)), valW)
	}
	var out []string
	for n := 0; n < max(len(pl), len(il)); n++ {
		label := ""
		if n == 0 {
			label = r.label
		}
		p := ""
		if n < len(pl) {
			p = pl[n]
		}
		line := fmt.Sprintf("%-*s %s", labelW, label, style.Render(p))
		if in {
			cmp := "  "
			if n == 0 {
				cmp = s.cmpMark(r.cmp)
			}
			iv := ""
			if n < len(il) {
				iv = il[n]
			}
			line += strings.Repeat(" ", max(0, valW-ansi.StringWidth(p))) + " " + cmp + st.Faint.Render(iv)
		}
		out = append(out, cursorLine(st, on && n == 0, strings.TrimRight(line, " ")))
	}
	return out
}

// shownValue is how the review shows an answer: in words where the configuration holds a
// code (private_key_jwt), as the questions offer it.
func shownValue(field, v string) string {
	switch field {
	case "token_endpoint_auth_method":
		switch model.AuthMethod(v) {
		case model.PrivateKeyJWT:
			return "Private key JWT"
		case model.ClientSecretBasic:
			return "Client secret"
		}
	case "userinfo_signed_response_alg":
		if v == "no" || v == "" {
			return qUserinfo.label("")
		}
		return qUserinfo.label(v)
	}
	return v
}

// breakValue cuts v into lines of at most w columns without losing any of it, each piece
// reading as part of the whole: a URI breaks after a "/", "?" or "&" (else after a "." or
// "-" of its host), a sentence at a space, and only a piece with no such place is cut at w.
func breakValue(v string, w int) []string {
	if v == "" {
		return []string{""}
	}
	var out []string
	for ansi.StringWidth(v) > w {
		head := ansi.Truncate(v, w, "")
		cut := len(head)
		for _, set := range []string{" ", "/?&", ".-"} {
			if i := strings.LastIndexAny(head, set); i >= w/2 {
				cut = i + 1
				break
			}
		}
		out = append(out, strings.TrimRight(v[:cut], " "))
		v = v[cut:]
	}
	return append(out, v)
}

// shownStatus is how the review marks a pair. A production URI compare flags only for its
// host (rule non-production-host) is, as a pair, the same as INT's or moved to another host:
// the ✗ or ! on the production value says what is wrong with that host, and "≠ differs from
// INT" would call an unchanged value different.
func shownStatus(c *model.Comparison) model.CompareStatus {
	if c.Status == model.Diverges && c.Rule == "non-production-host" {
		if c.INT == c.Prod {
			return model.Same
		}
		return model.Expected
	}
	return c.Status
}

// cmpMark is the two-column mark before an INT value: how compare judged the pair.
func (s *review) cmpMark(c *model.Comparison) string {
	st := s.c.styles
	if c == nil {
		return "  "
	}
	switch shownStatus(c) {
	case model.Expected:
		return st.Faint.Render("~ ")
	case model.Info:
		return st.Faint.Render("· ")
	case model.Unverified:
		return st.Warn.Render("? ")
	case model.Diverges:
		return st.Changed.Render("≠ ")
	}
	return "  "
}

// legend explains the marks on screen, on one line (or none when there is no mark).
func (s *review) legend() []string {
	st := s.c.styles
	seen := map[string]bool{}
	for _, r := range s.rows {
		switch {
		case r.worst() == model.Fail:
			seen["✗"] = true
		case r.worst() == model.Warn || r.host() != nil || r.leftOut != "":
			seen["!"] = true
		}
		if r.cmp != nil {
			seen[string(shownStatus(r.cmp))] = true
		}
	}
	var parts []string
	for _, m := range []struct{ key, text string }{
		{"✗", st.Fail.Render("✗") + st.Faint.Render(" to fix")},
		{"!", st.Warn.Render("!") + st.Faint.Render(" to check")},
		{string(model.Expected), st.Faint.Render("~ host changed (expected)")},
		{string(model.Diverges), st.Changed.Render("≠") + st.Faint.Render(" differs from INT")},
		{string(model.Unverified), st.Warn.Render("?") + st.Faint.Render(" cannot compare")},
	} {
		if seen[m.key] {
			parts = append(parts, m.text)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return []string{strings.Join(parts, st.Faint.Render("  ")) + "\n"}
}

// detail is the selected row's whole production (and INT) value, wrapped under a label, then
// what the offline rules found on it and how compare judged it against INT; on "Continue",
// the findings on a field no row shows.
func (s *review) detail() []string {
	st := s.c.styles
	if s.cursor >= len(s.rows) {
		var out []string
		for _, f := range s.unplaced {
			mark, style := "!", st.Warn.Render
			if f.Severity == model.Fail {
				mark, style = "✗", st.Fail.Render
			}
			out = append(out, style(mark+" "+clean(f.Message))) // the frame wraps it
		}
		return out
	}
	r := s.rows[s.cursor]
	w := max(20, s.c.width-2)
	out := []string{""}
	note := func(style func(...string) string, mark, text string) {
		for n, l := range strings.Split(ansi.Wrap(clean(text), w-2, " /"), "\n") {
			if n == 0 {
				out = append(out, style(mark+" "+l))
			} else {
				out = append(out, style("  "+l))
			}
		}
	}
	if r.leftOut != "" {
		note(st.Warn.Render, "!", r.leftOut)
	}
	for _, f := range r.findings {
		mark, style := "!", st.Warn.Render
		if f.Severity == model.Fail {
			mark, style = "✗", st.Fail.Render
		}
		note(style, mark, userNumbering(f.Message))
	}
	if c := r.cmp; c != nil && shownStatus(c) != model.Same && !slices.ContainsFunc(r.findings, func(f model.Finding) bool { return f.Message == c.Message }) {
		style := st.Faint.Render
		if shownStatus(c) == model.Diverges {
			style = st.Changed.Render
		}
		note(style, s.cmpSymbol(shownStatus(c)), userNumbering(c.Message))
		if c.Fix != "" {
			note(st.Faint.Render, " ", "fix: "+c.Fix)
		}
	}
	return append(out, "")
}

func (s *review) cmpSymbol(st model.CompareStatus) string {
	return map[model.CompareStatus]string{model.Expected: "~", model.Info: "·", model.Unverified: "?", model.Diverges: "≠"}[st]
}

func cursorLine(st *Styles, on bool, line string) string {
	if on {
		return st.Selected.Render("▸ ") + line
	}
	return "  " + line
}

func (s *review) keys() []key.Binding { return []key.Binding{reviewKeys.Move, reviewKeys.Edit} }

// leave lets the user on with problems: the live checks screen shows them with their fixes.
func (s *review) leave() error { return nil }

func (s *review) capturesEsc() bool { return false }
