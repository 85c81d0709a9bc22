package ui

import (
	"fmt"
	"net/url"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// review shows every answer, with the INT value beside it when one was imported and each
// difference marked; enter on a row jumps to that screen to edit it.
type review struct {
	c       *common
	cursor  int
	entered bool
	rows    []reviewRow
}

type reviewRow struct {
	label, prod, int string
	diff             diffKind
	edit             state
	// nonProd says why the production value still points at an INT, test or local host.
	nonProd string
}

type diffKind int

const (
	diffNone    diffKind = iota // no INT to compare, or the same
	diffHost                    // same path on another host: what moving to production means
	diffChanged                 // anything else: worth a second look
)

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

func (s *review) buildRows() []reviewRow {
	cfg, in := s.c.cfg, s.c.intCfg
	var rows []reviewRow
	add := func(label, prod string, intVal func(*model.Config) string, edit state) {
		r := reviewRow{label: label, prod: prod, edit: edit}
		if in != nil {
			r.int = intVal(in)
			if r.int != r.prod {
				r.diff = diffChanged
			}
		}
		rows = append(rows, r)
	}
	add("Organisation", cfg.Organisation, func(c *model.Config) string { return c.Organisation }, stateOrg)
	add("Product", cfg.Product, func(c *model.Config) string { return c.Product }, stateOrg)
	add("Contact email", cfg.ContactEmail, func(c *model.Config) string { return c.ContactEmail }, stateOrg)
	add("Client id", cfg.ClientID, func(*model.Config) string { return "" }, stateOrg)
	rows[len(rows)-1].int, rows[len(rows)-1].diff = "", diffNone // production has its own client id
	rows = append(rows, s.redirectRows()...)
	add("Back-channel logout", cfg.BackchannelLogoutURI, func(c *model.Config) string { return c.BackchannelLogoutURI }, stateLogout)
	rows[len(rows)-1].diff = uriDiff(rows[len(rows)-1].prod, rows[len(rows)-1].int, in != nil)
	add("Security pattern", string(cfg.TokenEndpointAuthMethod), func(c *model.Config) string { return string(c.TokenEndpointAuthMethod) }, stateSecurity)
	if cfg.UsesPrivateKeyJWT() {
		add("JWKS URI", cfg.JWKSURI, func(c *model.Config) string { return c.JWKSURI }, statePKJ)
		rows[len(rows)-1].diff = uriDiff(rows[len(rows)-1].prod, rows[len(rows)-1].int, in != nil)
		add("Signing algorithm", cfg.TokenEndpointAuthSigningAlg, func(c *model.Config) string { return c.TokenEndpointAuthSigningAlg }, statePKJ)
	}
	add("Signed userinfo", orNone(cfg.UserinfoSignedResponseAlg), func(c *model.Config) string { return orNone(c.UserinfoSignedResponseAlg) }, stateUserinfo)
	if cfg.EffectiveEnvironment() == model.Production {
		for i := range rows {
			if rows[i].edit == stateRedirects || rows[i].edit == stateLogout || rows[i].label == "JWKS URI" {
				_, rows[i].nonProd = model.NonProductionHost("", rows[i].prod, in)
			}
		}
	}
	return rows
}

// redirectRows pairs each production redirect URI with the INT one of the same path.
func (s *review) redirectRows() []reviewRow {
	cfg, in := s.c.cfg, s.c.intCfg
	var rows []reviewRow
	used := map[int]bool{}
	for i, u := range cfg.RedirectURIs {
		r := reviewRow{label: fmt.Sprintf("Redirect URI %d", i+1), prod: u, edit: stateRedirects}
		if in != nil {
			r.diff = diffChanged
			for j, iu := range in.RedirectURIs {
				if !used[j] && samePath(u, iu) {
					used[j] = true
					r.int, r.diff = iu, uriDiff(u, iu, true)
					break
				}
			}
		}
		rows = append(rows, r)
	}
	if in != nil {
		for j, iu := range in.RedirectURIs {
			if !used[j] {
				rows = append(rows, reviewRow{label: "Redirect URI", prod: "", int: iu, diff: diffChanged, edit: stateRedirects})
			}
		}
	}
	return rows
}

func uriDiff(prod, in string, haveINT bool) diffKind {
	switch {
	case !haveINT || prod == in:
		return diffNone
	case samePath(prod, in):
		return diffHost
	}
	return diffChanged
}

func samePath(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Path == ub.Path && ua.RawQuery == ub.RawQuery
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

func (s *review) view() string {
	st := s.c.styles
	var b strings.Builder
	used := s.c.cfg.Used()
	findings := model.Validate(&used)
	b.WriteString(st.Faint.Render("Enter on a row to change it.") + " ")
	fails, warns, nonProd := 0, 0, 0
	for _, f := range findings {
		if f.Severity == model.Fail {
			fails++
		} else {
			warns++
		}
	}
	for _, r := range s.rows {
		if r.nonProd != "" {
			nonProd++
		}
	}
	switch {
	case fails > 0:
		b.WriteString(st.Fail.Render(fmt.Sprintf("%d problem(s) to fix", fails)))
	case nonProd > 0:
		b.WriteString(st.Warn.Render(report.Plural(nonProd, "value still on an INT/test host", "values still on INT/test hosts")))
	case warns > 0:
		b.WriteString(st.Warn.Render(fmt.Sprintf("%d warning(s)", warns)))
	default:
		b.WriteString(st.Pass.Render("✓ no problems found offline"))
	}
	b.WriteString("\n\n")

	in := s.c.intCfg != nil
	valW := s.c.width - 22
	if in {
		valW = (s.c.width - 24) / 2
		b.WriteString(st.Label.Render(fmt.Sprintf("  %-19s %-*s   %s", "", valW, "Production", "INT")) + "\n")
	}
	// The selected row in full below the table: cut URIs cannot be double-checked.
	detail := s.detail()
	legend := 0
	if in || nonProd > 0 {
		legend = 1
	}
	fixed := strings.Count(b.String(), "\n") + 1 + legend + len(detail) // + the blank above "Continue", a row of the window
	first, last := listWindow(len(s.rows)+1, s.cursor, max(3, s.c.height-fixed))
	for i := first; i < last && i < len(s.rows); i++ {
		r := s.rows[i]
		prod := r.prod
		if r.nonProd != "" {
			prod = "! " + prod // visible without colour
		}
		prod = ansi.Truncate(prod, valW, "…")
		if r.nonProd != "" {
			prod = st.Warn.Render(prod)
		}
		line := fmt.Sprintf("%-19s %s", r.label, prod)
		if in {
			mark := "  "
			switch r.diff {
			case diffHost:
				mark = st.Faint.Render("~ ")
			case diffChanged:
				mark = st.Changed.Render("≠ ")
			}
			pad := strings.Repeat(" ", max(0, valW-ansi.StringWidth(prod)))
			line = fmt.Sprintf("%-19s %s%s %s%s", r.label, prod, pad, mark, st.Faint.Render(ansi.Truncate(r.int, valW, "…")))
		}
		b.WriteString(cursorLine(st, i == s.cursor, line) + "\n")
	}
	if last > len(s.rows) {
		b.WriteString("\n" + cursorLine(st, s.cursor == len(s.rows), st.Heading.Render("Continue to live checks →")) + "\n")
	}
	b.WriteString(strings.Join(detail, "\n"))
	if legend > 0 {
		var parts []string
		if nonProd > 0 {
			parts = append(parts, st.Warn.Render("!")+st.Faint.Render(" still on an INT/test host"))
		}
		if in {
			parts = append(parts, st.Faint.Render("~ host changed (expected)"), st.Changed.Render("≠")+st.Faint.Render(" differs from INT"))
		}
		b.WriteString(strings.Join(parts, st.Faint.Render("  ")) + "\n")
	}
	return b.String()
}

// detail is the selected row's whole production (and INT) value, wrapped under a label, and
// why it is marked; nil on "Continue".
func (s *review) detail() []string {
	if s.cursor >= len(s.rows) {
		return nil
	}
	st := s.c.styles
	r := s.rows[s.cursor]
	out := []string{""}
	field := func(label, v string) {
		if v == "" {
			v = "(none)"
		}
		for n, l := range strings.Split(ansi.Wrap(clean(v), max(20, s.c.width-13), "/?&"), "\n") {
			lead := strings.Repeat(" ", 12)
			if n == 0 {
				lead = fmt.Sprintf("%-12s", label)
			}
			out = append(out, st.Label.Render(lead)+l)
		}
	}
	field("Production", r.prod)
	if s.c.intCfg != nil && (r.int != "" || r.diff != diffNone) {
		field("INT", r.int)
	}
	if r.nonProd != "" {
		out = append(out, st.Warn.Render("! "+r.nonProd))
	}
	return append(out, "")
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
