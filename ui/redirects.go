package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// redirects edits the list of redirect URIs: add, edit, remove, paste several lines at once,
// with the model's rules shown live as you type. It is a small custom model rather than a huh
// form because huh has no editable list field.
type redirects struct {
	c       *common
	input   textinput.Model
	cursor  int // index in the list, or -1 when the input has focus
	editing int // index being edited, or -1 when adding
	err     string
	note    string
}

var redirectKeys = struct {
	Add, Save, Edit, Remove, Up, Down key.Binding
}{
	Add:    binding("enter", "add"),
	Save:   binding("enter", "save"),
	Edit:   binding("e", "edit", "enter"),
	Remove: binding("d", "remove", "delete", "x"),
	Up:     binding("↑", "list", "up"),
	Down:   binding("↓", "input", "down", "tab", "a"),
}

func newRedirects(c *common) *redirects {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = "e.g. https://your-service.example.nhs.uk/auth/callback"
	in.CharLimit = 2048
	return &redirects{c: c, input: in, cursor: -1, editing: -1}
}

func (s *redirects) uris() *[]string { return &s.c.cfg.RedirectURIs }

func (s *redirects) enter() tea.Cmd {
	s.cursor, s.editing, s.err, s.note = -1, -1, "", ""
	s.input.SetStyles(textinput.DefaultStyles(s.c.styles.Dark))
	s.input.SetWidth(s.c.width - 4)
	return s.input.Focus()
}

func (s *redirects) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.input.SetWidth(s.c.width - 4)
		return nil
	case tea.PasteMsg:
		return s.paste(msg.Content)
	case tea.KeyPressMsg:
		if s.cursor >= 0 {
			return s.listKey(msg)
		}
		return s.inputKey(msg)
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

func (s *redirects) inputKey(msg tea.KeyPressMsg) tea.Cmd {
	uris := s.uris()
	switch msg.String() {
	case "enter":
		return s.commit()
	case "up":
		if len(*uris) > 0 {
			s.cursor = len(*uris) - 1
			if s.editing >= 0 {
				s.cursor = s.editing
			}
			s.input.Blur()
		}
		return nil
	case "esc":
		if s.editing >= 0 { // cancel the edit, keep the URI as it was
			s.editing = -1
			s.input.SetValue("")
			s.err = ""
		}
		return nil
	}
	s.err = ""
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return cmd
}

// commit adds the typed URI (or saves the edit); with nothing typed it moves on.
func (s *redirects) commit() tea.Cmd {
	uris := s.uris()
	v := s.input.Value()
	if v == "" {
		if err := s.leave(); err != nil {
			s.err = err.Error()
			return nil
		}
		return next
	}
	if err := redirectCheck(v, *uris, s.editing, s.c.cfg.EffectiveEnvironment(), s.c.s.draft.INT); err != nil {
		s.err = err.Error()
		return nil
	}
	if s.editing >= 0 {
		(*uris)[s.editing] = v
		s.note = fmt.Sprintf("URI %d updated", s.editing+1)
	} else {
		*uris = append(*uris, v)
		s.note = fmt.Sprintf("URI %d added", len(*uris))
	}
	s.editing, s.err = -1, ""
	s.input.SetValue("")
	return nil
}

func (s *redirects) listKey(msg tea.KeyPressMsg) tea.Cmd {
	uris := s.uris()
	switch {
	case msg.String() == "up":
		s.cursor = max(0, s.cursor-1)
	case key.Matches(msg, redirectKeys.Down):
		s.cursor++
		if s.cursor >= len(*uris) || msg.String() != "down" {
			s.cursor = -1
			return s.input.Focus()
		}
	case key.Matches(msg, redirectKeys.Edit):
		s.editing = s.cursor
		s.input.SetValue((*uris)[s.cursor])
		s.input.CursorEnd()
		s.cursor = -1
		return s.input.Focus()
	case key.Matches(msg, redirectKeys.Remove):
		removed := (*uris)[s.cursor]
		*uris = slices.Delete(*uris, s.cursor, s.cursor+1)
		s.note = "removed " + removed
		if s.cursor >= len(*uris) {
			s.cursor = len(*uris) - 1
		}
		if s.cursor < 0 {
			return s.input.Focus()
		}
	}
	return nil
}

// paste adds every URI of a paste of several as its own entry (a URI holds no white space,
// so lines, tabs and spaces all separate them); a single one goes into the input like typing.
// URIs that fail the rules are still added, marked, so the user can see and edit them rather
// than lose them; one already in the list is not added twice, and the note says so.
func (s *redirects) paste(content string) tea.Cmd {
	lines := strings.Fields(content)
	if len(lines) <= 1 {
		if s.cursor >= 0 {
			s.cursor = -1
			s.input.Focus()
		}
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(tea.PasteMsg{Content: strings.Join(lines, "")})
		return cmd
	}
	uris := s.uris()
	added := 0
	var dups, secret []string
	for _, l := range lines {
		// A line that looks like a secret never joins the answers (nor so the draft): say
		// which, and why, rather than keep it marked as other failing lines are.
		if what := model.SecretIn(l); what != "" {
			secret = append(secret, what)
			continue
		}
		if i := slices.Index(*uris, l); i >= 0 {
			dups = append(dups, fmt.Sprintf("URI %d", i+1))
			continue
		}
		*uris = append(*uris, l)
		added++
	}
	s.note = "pasted " + report.Plural(added, "URI", "URIs")
	if len(dups) > 0 {
		s.note += fmt.Sprintf("; %s already in the list (%s), not added again",
			report.Plural(len(dups), "was", "were"), strings.Join(slices.Compact(dups), ", "))
	}
	s.err = ""
	if len(secret) > 0 {
		s.err = fmt.Sprintf("left out %s that looked like %s: cis2-golive never keeps a secret; paste them again without it",
			report.Plural(len(secret), "line", "lines"), strings.Join(slices.Compact(secret), ", "))
	}
	return nil
}

func (s *redirects) view() string {
	st := s.c.styles
	uris := *s.uris()
	var b strings.Builder
	b.WriteString("The exact URLs your application sends as redirect_uri in production.\n")
	b.WriteString(st.Faint.Render("Type one and press enter, or paste several (one per line).") + "\n\n")
	if len(uris) == 0 {
		b.WriteString(st.Faint.Render("  No redirect URIs yet.") + "\n")
	}
	room := max(3, s.c.height-10)
	if len(uris) > room {
		room = max(1, room-2) // the "more above" and "more below" lines
	}
	first, last := listWindow(len(uris), s.cursor, room)
	if first > 0 {
		b.WriteString(st.Faint.Render(fmt.Sprintf("  ↑ %d more above", first)) + "\n")
	}
	for i := first; i < last; i++ {
		fs := model.FieldFindingsAgainstINT(s.c.cfg, s.c.s.draft.INT, fmt.Sprintf("redirect_uris[%d]", i))
		shown := uris[i]
		if model.SecretIn(shown) != "" {
			shown = "(hidden: it looks like a secret)" // never echo one
		}
		mark := st.Pass.Render("✓")
		switch worst(fs) {
		case model.Fail:
			mark = st.Fail.Render("✗")
		case model.Warn:
			mark = st.Warn.Render("!")
		}
		line := fmt.Sprintf("%d %s %s", i+1, mark, shown)
		if i == s.cursor {
			b.WriteString(st.Selected.Render("▸ ") + st.Selected.Render(line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
		field := fmt.Sprintf("redirect_uris[%d]", i)
		switch n := s.c.s.leftOutNote(field, uris[i]); {
		case n != "":
			b.WriteString("      " + st.Warn.Render(n) + "\n")
		case (i == s.cursor || worst(fs) == model.Fail) && len(fs) > 0:
			b.WriteString("      " + st.Faint.Render(userNumbering(fs[0].Error())) + "\n")
		}
	}
	if n := len(uris) - last; n > 0 {
		b.WriteString(st.Faint.Render(fmt.Sprintf("  ↓ %d more below", n)) + "\n")
	}
	label := "Add a redirect URI:"
	if s.editing >= 0 {
		label = fmt.Sprintf("Edit URI %d (esc cancels):", s.editing+1)
	}
	b.WriteString("\n" + st.Heading.Render(label) + "\n" + s.input.View() + "\n")
	switch {
	case s.err != "":
		b.WriteString(st.Fail.Render("✗ "+s.err) + "\n")
	case s.input.Value() != "":
		fs := redirectFindings(s.input.Value(), *s.uris(), s.editing, s.c.cfg.EffectiveEnvironment(), s.c.s.draft.INT)
		if len(fs) == 0 {
			b.WriteString(st.Pass.Render("✓ looks right") + "\n")
		}
		b.WriteString(strings.TrimPrefix(findingsView(s.c, fs), "\n") + "\n")
	case s.note != "":
		b.WriteString(st.Faint.Render(s.note) + "\n")
	}
	return b.String()
}

// listWindow picks which rows of a list fit in height, keeping the cursor visible.
func listWindow(n, cursor, height int) (int, int) {
	if n <= height {
		return 0, n
	}
	if cursor < 0 {
		return n - height, n
	}
	first := min(max(0, cursor-height/2), n-height)
	return first, first + height
}

func worst(fs []model.Finding) model.Severity {
	var w model.Severity
	for _, f := range fs {
		if f.Severity == model.Fail {
			return model.Fail
		}
		w = model.Warn
	}
	return w
}

func (s *redirects) keys() []key.Binding {
	if s.cursor >= 0 {
		return []key.Binding{redirectKeys.Edit, redirectKeys.Remove, redirectKeys.Down}
	}
	ks := []key.Binding{redirectKeys.Add}
	if s.editing >= 0 {
		ks = []key.Binding{redirectKeys.Save}
	}
	if len(*s.uris()) > 0 {
		ks = append(ks, redirectKeys.Up)
	}
	return ks
}

func (s *redirects) leave() error {
	if s.input.Value() != "" {
		return errors.New("press enter to add the URI you typed, or clear it")
	}
	if len(*s.uris()) == 0 {
		return errors.New("add at least one redirect URI")
	}
	if f, ok := model.FirstFail(model.FieldFindingsAgainstINT(s.c.cfg, s.c.s.draft.INT, "redirect_uris")).(model.Finding); ok {
		return errors.New(fieldLabel(f.Field) + ": " + userNumbering(f.Error()))
	}
	return nil
}

func (s *redirects) capturesEsc() bool { return s.editing >= 0 && s.cursor < 0 }
