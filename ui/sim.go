package ui

// The sim's live view is its own tea.Model in its own file: it shares the Styles with the
// wizard and nothing else, so the wizard's screens and this one change without touching
// each other. It lives in ui/ because it is terminal UI; the provider (package sim) stays
// free of it and is driven only through its exported methods.

import (
	"context"
	"fmt"
	"io"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/sim"
)

// maxSimEvents bounds the events the view keeps; the provider keeps its own history.
const maxSimEvents = 2000

type simMode int

const (
	simBrowse simMode = iota
	simPickFault
	simPickSession
)

// SimView shows every step of a running sim provider as it happens: each request, what the
// sim decided, and why, with keys to queue a fault for the next sign-in, sign in through the
// application with the sim's browser, and log a session out.
type SimView struct {
	p      *sim.Provider
	header []string // what the sim command printed at start (issuer, CA file, client)
	st     *Styles
	w, h   int

	events []sim.Event
	last   int  // the seq of the newest event shown
	cursor int  // the selected event
	follow bool // the selection stays on the newest event
	info   bool // the lower panel shows the start-up details, not the selected event

	mode     simMode
	pick     int
	sessions []sim.Session // the logout picker's choices
	busy     string        // work under way (a sign-in, a logout)
	status   string

	ch     <-chan sim.Event
	cancel func()
}

type (
	simEventMsg struct{ e sim.Event }
	simDoneMsg  struct{ text string }
	simEndMsg   struct{}
)

// NewSimView builds the view for p; header lines are shown at the top.
func NewSimView(p *sim.Provider, header []string) *SimView {
	ch, cancel := p.Subscribe()
	v := &SimView{p: p, header: header, st: NewStyles(true), w: 80, h: 24, follow: true, ch: ch, cancel: cancel}
	for _, e := range p.Events(0) {
		v.add(e)
	}
	return v
}

// Findings counts the findings (events where the application did something a go-live would
// fail on), from the provider: every one, even those the view's bounded list dropped.
func (v *SimView) Findings() int { f, _ := v.p.FindingCounts(); return f }

// Warnings counts the events marked warn (worth fixing, not blocking).
func (v *SimView) Warnings() int { _, w := v.p.FindingCounts(); return w }

// RunSim runs the view on the terminal behind in and out until the user quits or ctx ends.
func RunSim(ctx context.Context, v *SimView, in io.Reader, out io.Writer, progOpts ...tea.ProgramOption) error {
	defer v.cancel()
	p := tea.NewProgram(v, append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out)}, progOpts...)...)
	_, err := p.Run()
	if ctx.Err() != nil {
		return nil // stopped by a signal: the caller reports
	}
	return err
}

func (v *SimView) Init() tea.Cmd { return tea.Batch(tea.RequestBackgroundColor, v.wait()) }

func (v *SimView) wait() tea.Cmd {
	ch := v.ch
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return simEndMsg{}
		}
		return simEventMsg{e}
	}
}

// add shows e, and first any events the subscription dropped while the view was busy.
func (v *SimView) add(e sim.Event) {
	for _, m := range v.p.Backfill(v.last, e) {
		v.events = append(v.events, m)
		v.last = m.Seq
	}
	if len(v.events) > maxSimEvents {
		drop := len(v.events) - maxSimEvents
		v.events = v.events[drop:]
		v.cursor = max(0, v.cursor-drop)
	}
	if v.follow {
		v.cursor = len(v.events) - 1
	}
}

func (v *SimView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		v.w, v.h = msg.Width, msg.Height
	case tea.BackgroundColorMsg:
		v.st = NewStyles(msg.IsDark())
	case simEventMsg:
		v.add(msg.e)
		return v, v.wait()
	case simDoneMsg:
		v.busy, v.status = "", msg.text
	case tea.KeyPressMsg:
		return v, v.key(msg)
	}
	return v, nil
}

func (v *SimView) key(k tea.KeyPressMsg) tea.Cmd {
	if k.String() == "ctrl+c" {
		return tea.Quit
	}
	switch v.mode {
	case simPickFault:
		return v.pickKey(k, len(sim.Faults)+1, func(i int) tea.Cmd {
			if i == len(sim.Faults) {
				v.p.ClearFaults()
				v.status = "fault queue cleared"
				return nil
			}
			f := sim.Faults[i].Fault
			v.p.QueueFault(f)
			v.status = "next sign-in: " + string(f)
			return nil
		})
	case simPickSession:
		return v.pickKey(k, len(v.sessions), func(i int) tea.Cmd {
			s := v.sessions[i]
			v.busy = "logging " + s.Name + " out: negative tokens, then CIS2's logout token…"
			return func() tea.Msg {
				res, err := v.p.Logout(context.Background(), s.SID, sim.LogoutOptions{Negative: true})
				if err != nil {
					return simDoneMsg{"logout: " + err.Error()}
				}
				return simDoneMsg{fmt.Sprintf("logout of %s: %s; session %s", s.Name, report.Mark(res.Finding), res.Confirmed)}
			}
		})
	}
	switch k.String() {
	case "q":
		return tea.Quit
	case "up", "k":
		v.cursor, v.follow = max(0, v.cursor-1), false
	case "down", "j":
		v.cursor = min(len(v.events)-1, v.cursor+1)
		v.follow = v.cursor == len(v.events)-1
	case "end", "G":
		v.cursor, v.follow = len(v.events)-1, true
	case "i":
		v.info = !v.info
	case "f":
		v.mode, v.pick = simPickFault, 0
	case "c":
		v.p.ClearFaults()
		v.status = "fault queue cleared"
	case "l":
		if v.busy != "" {
			return nil // one sign-in or logout at a time: its result is the next status
		}
		v.sessions = activeSessions(v.p)
		if len(v.sessions) == 0 {
			v.status = "no session to log out: sign in first"
			return nil
		}
		v.mode, v.pick = simPickSession, 0
	case "s":
		if v.p.ProtectedURL() == "" {
			v.status = "the sim's browser needs --protected-url (a page of the application that needs a session)"
			return nil
		}
		if v.busy != "" {
			return nil
		}
		v.busy = "signing in through the application…"
		return func() tea.Msg {
			res, err := v.p.BrowserSignIn(context.Background(), "")
			if err != nil {
				return simDoneMsg{"sign-in: " + err.Error()}
			}
			return simDoneMsg{report.Mark(res.Finding) + " " + res.Plain}
		}
	}
	return nil
}

// pickKey moves a picker's selection, chooses with enter or a digit, and leaves with esc.
func (v *SimView) pickKey(k tea.KeyPressMsg, n int, choose func(int) tea.Cmd) tea.Cmd {
	switch s := k.String(); {
	case s == "esc" || s == "q":
		v.mode = simBrowse
	case s == "up" || s == "k":
		v.pick = max(0, v.pick-1)
	case s == "down" || s == "j":
		v.pick = min(n-1, v.pick+1)
	case s == "enter":
		v.mode = simBrowse
		return choose(v.pick)
	case len(s) == 1 && s[0] >= '1' && s[0] <= '9' && int(s[0]-'1') < n: // the first nine; ↑/↓ reach the rest
		v.mode = simBrowse
		return choose(int(s[0] - '1'))
	}
	return nil
}

func (v *SimView) View() tea.View {
	tv := tea.NewView(v.render())
	tv.AltScreen = true
	return tv
}

// detailRows is the height of the selected event's detail (or a picker).
const detailRows = 10

func (v *SimView) render() string {
	st, w := v.st, max(v.w, 20)
	cut := func(s string) string { return ansi.Truncate(s, w, "…") }
	var top []string
	origin := strings.TrimSuffix(v.p.Issuer(), sim.Realm)
	top = append(top, cut(st.Title.Render("cis2-golive sim")+"  "+st.Faint.Render(origin+" · i: details")))
	q := v.p.QueuedFaults()
	next := "none"
	if len(q) > 0 {
		next = string(q[0])
		if len(q) > 1 {
			next += fmt.Sprintf(" (+%d queued)", len(q)-1)
		}
	}
	active := 0
	for _, s := range v.p.Sessions() {
		if s.Active() {
			active++
		}
	}
	fails, warns := v.p.FindingCounts()
	find := st.Pass.Render("0 findings")
	if fails > 0 {
		find = st.Fail.Render(report.Plural(fails, "finding", "findings"))
	}
	if warns > 0 {
		find += " · " + st.Warn.Render(report.Plural(warns, "warning", "warnings"))
	}
	top = append(top, cut(fmt.Sprintf("next sign-in fault: %s · %s active · %s", st.Heading.Render(next),
		report.Plural(active, "session", "sessions"), find)))

	bottom := v.lower(w)
	footer := v.footer(w)
	rows := max(3, v.h-len(top)-len(bottom)-len(footer)-2)
	list := v.list(rows, w)
	parts := append(top, "")
	parts = append(parts, list...)
	parts = append(parts, "")
	parts = append(parts, bottom...)
	parts = append(parts, footer...)
	return strings.Join(parts, "\n")
}

// list is a window of events around the selection, newest at the bottom.
func (v *SimView) list(rows, w int) []string {
	if len(v.events) == 0 {
		out := []string{v.st.Faint.Render("Waiting for the application: point it at the discovery URL and sign in.")}
		for len(out) < rows {
			out = append(out, "")
		}
		return out
	}
	end := min(len(v.events), max(v.cursor+1, rows))
	if v.follow {
		end = len(v.events)
	}
	start := max(0, end-rows)
	out := make([]string, 0, rows)
	for i := start; i < end; i++ {
		e := v.events[i]
		line := ansi.Truncate(report.SimEvent(e), w-2, "…")
		style := v.st.Text
		switch {
		case e.Finding == model.Fail:
			style = v.st.Fail
		case e.Finding == model.Warn:
			style = v.st.Warn
		case e.Finding == model.Pass:
			style = v.st.Pass
		case e.Outcome == sim.Refused:
			style = v.st.Warn
		case e.Outcome == sim.Info || e.Outcome == sim.Sent:
			style = v.st.Faint
		}
		lead := "  "
		if i == v.cursor {
			lead = v.st.Selected.Render("> ")
		}
		out = append(out, lead+style.Render(line))
	}
	for len(out) < rows {
		out = append(out, "")
	}
	return out
}

// lower is the selected event's detail, or the open picker.
func (v *SimView) lower(w int) []string {
	var lines []string
	switch v.mode {
	case simPickFault:
		lines = append(lines, v.st.Heading.Render("Fault for the next sign-in's ID token (enter or 1-8, esc):"))
		for i, f := range sim.Faults {
			what, _ := f.Fault.Info()
			lines = append(lines, v.pickRow(i, fmt.Sprintf("%d %-15s %s", i+1, f.Fault, what), w))
		}
		lines = append(lines, v.pickRow(len(sim.Faults), fmt.Sprintf("%d %-15s %s", len(sim.Faults)+1, "none", "clear the queue: normal sign-ins"), w))
		return lines
	case simPickSession:
		lines = append(lines, v.st.Heading.Render("Log out which session? CIS2 sends the negative tokens, then its logout token:"))
		// A window that keeps the selection in view.
		rows := detailRows - 1
		start := max(0, min(v.pick-rows+1, len(v.sessions)-rows))
		for i := start; i < min(len(v.sessions), start+rows); i++ {
			lines = append(lines, v.pickRow(i, fmt.Sprintf("%d %s", i+1, simSessionLabel(v.sessions[i])), w))
		}
		return lines
	}
	detail := v.header // what the application needs to know: shown until something happens
	if len(v.events) > 0 && !v.info {
		detail = report.SimDetail(v.events[v.cursor])
	}
	for _, l := range detail {
		for _, wl := range strings.Split(ansi.Wrap(l, w-2, " /"), "\n") {
			lines = append(lines, "  "+wl)
		}
	}
	if len(lines) > detailRows {
		lines = lines[:detailRows]
		lines[detailRows-1] = ansi.Truncate(lines[detailRows-1], w-1, "") + "…"
	}
	for i := range lines {
		lines[i] = v.st.Faint.Render(lines[i])
	}
	return lines
}

// sidPrefix is enough of a sid to tell sessions apart.
func sidPrefix(sid string) string {
	if len(sid) > 6 {
		return sid[:6]
	}
	return sid
}

func (v *SimView) pickRow(i int, text string, w int) string {
	text = ansi.Truncate(text, w-2, "…")
	if i == v.pick {
		return v.st.Selected.Render("> " + text)
	}
	return "  " + text
}

func (v *SimView) footer(w int) []string {
	keys := "f fault · s sign in (sim browser) · l log out · ↑/↓ · i info · q quit"
	if v.mode != simBrowse {
		keys = "↑/↓ choose · enter pick · esc back"
	}
	line := v.st.Key.Render(ansi.Truncate(keys, w, "…"))
	msg := v.status
	if v.busy != "" {
		msg = v.busy
	}
	if msg == "" {
		return []string{line}
	}
	return []string{v.st.Status.Render(ansi.Truncate(msg, w, "…")), line}
}
