package ui

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/cursor"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The harness drives a Root synchronously: it calls Update, runs the returned commands and
// feeds their messages back, the way the program would, except for timers (spinner frames,
// cursor blinks), which are skipped so a test never sleeps. The root's own two timers, the
// key hold and the scheduled draft save, fire once everything else has settled, as they
// would after a pause.

var timerCmds = map[uintptr]bool{}

func init() {
	timerCmds[cmdPtr(tea.Tick(time.Hour, nil))] = true
	c := cursor.New()
	c.Focus()
	if b := c.Blink(); b != nil {
		timerCmds[cmdPtr(b)] = true
	}
}

func cmdPtr(c tea.Cmd) uintptr { return reflect.ValueOf(c).Pointer() }

type harness struct {
	t *testing.T
	r *Root
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	h := &harness{t: t, r: NewRoot(opts)}
	h.run(h.r.Init())
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	return h
}

func fixedNow() time.Time { return time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC) }

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	queue := []tea.Msg{msg}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			h.t.Fatal("message loop did not settle")
		}
		m := queue[0]
		queue = queue[1:]
		_, cmd := h.r.Update(m)
		queue = append(queue, h.run(cmd)...)
		if len(queue) == 0 && h.r.ahead.holding {
			queue = append(queue, releaseKeysMsg{h.r.ahead.gen})
		}
		if len(queue) == 0 && h.r.savePending {
			queue = append(queue, saveDueMsg{})
		}
	}
}

func (h *harness) run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil || timerCmds[cmdPtr(cmd)] {
		return nil
	}
	msg := cmd()
	switch m := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range m {
			out = append(out, h.run(c)...)
		}
		return out
	case tea.QuitMsg:
		return nil
	}
	// tea.Sequence's message type is unexported: a slice of commands.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		var out []tea.Msg
		for i := range v.Len() {
			out = append(out, h.run(v.Index(i).Interface().(tea.Cmd))...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// keys presses named keys: "enter", "esc", "up", "ctrl+c", "shift+tab"…
func (h *harness) keys(names ...string) {
	h.t.Helper()
	for _, n := range names {
		h.send(keyMsg(n))
	}
}

func keyMsg(name string) tea.KeyPressMsg {
	switch name {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(name)
	return tea.KeyPressMsg{Code: r[0], Text: name}
}

// typ types text one key at a time.
func (h *harness) typ(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (h *harness) paste(s string) { h.send(tea.PasteMsg{Content: s}) }

func (h *harness) view() string { return ansi.Strip(h.r.View().Content) }

func (h *harness) wantView(subs ...string) {
	h.t.Helper()
	v := h.view()
	for _, s := range subs {
		if !strings.Contains(v, s) {
			h.t.Fatalf("view lacks %q:\n%s", s, v)
		}
	}
}

// wantWrapped is wantView for text the view may wrap anywhere (a message holding a temp path
// wraps at a different word each run): it matches with every run of white space as one space.
func (h *harness) wantWrapped(subs ...string) {
	h.t.Helper()
	flat := strings.Join(strings.Fields(h.view()), " ")
	for _, s := range subs {
		if !strings.Contains(flat, s) {
			h.t.Fatalf("view lacks %q:\n%s", s, h.view())
		}
	}
}

func (h *harness) wantState(s state) {
	h.t.Helper()
	if h.r.state != s {
		h.t.Fatalf("state = %s, want %s\n%s", h.r.state, s, h.view())
	}
}

// said is accessible output with each run of white space as one space: the prompts wrap at
// spaces to 80 columns, so a test looks for a sentence wherever the wrap broke it.
func said(s string) string { return strings.Join(strings.Fields(s), " ") }
