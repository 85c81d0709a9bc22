package ui

// The sim's accessible front-end: with ACCESSIBLE set, events are plain lines (no redraws)
// and the live view's keys become commands typed one a line, so everything the view offers
// (faults, the sim's browser, logouts) stays a keyboard away for a screen reader.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/sim"
)

// SimCommandsHelp lists the commands RunSimCommands reads.
const SimCommandsHelp = "Commands, one a line: f NAME queues a fault for the next sign-in (f lists them, f none clears), " +
	"s [UID] signs in through the application with the sim's browser, l lists the sessions and l N logs session N out, " +
	"q stops the sim, ? shows this."

// maxCommandLine bounds one typed command.
const maxCommandLine = 4 << 10

// RunSimCommands reads commands from in until ctx ends, in closes, or q calls quit; replies
// go to out. A sign-in or a logout runs to its end before the next command is read.
func RunSimCommands(ctx context.Context, p *sim.Provider, in io.Reader, out io.Writer, quit func()) {
	// The reader stops with this function, except while blocked in a read of a terminal,
	// which no Go call can interrupt: that one ends with the process.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 0, 256), maxCommandLine)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	c := simCommands{p: p, out: out}
	for {
		select {
		case <-ctx.Done():
			return
		case l, ok := <-lines:
			if !ok {
				return
			}
			if c.run(ctx, l) {
				quit()
				return
			}
		}
	}
}

type simCommands struct {
	p        *sim.Provider
	out      io.Writer
	sessions []sim.Session // as the last l listed them, so "l N" means what was shown
}

func (c *simCommands) say(format string, a ...any) { fmt.Fprintf(c.out, format+"\n", a...) }

// run carries out one command line; it reports whether the sim should stop.
func (c *simCommands) run(ctx context.Context, line string) bool {
	cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	arg = strings.TrimSpace(arg)
	switch strings.ToLower(cmd) {
	case "":
		return false
	case "q", "quit", "exit":
		return true
	case "?", "h", "help":
		c.say("%s", SimCommandsHelp)
	case "f", "fault":
		c.fault(arg)
	case "s", "signin", "sign-in":
		if c.p.ProtectedURL() == "" {
			c.say("the sim's browser needs --protected-url (a page of the application that needs a session)")
			return false
		}
		c.say("signing in through the application…")
		res, err := c.p.BrowserSignIn(ctx, arg)
		if err != nil {
			c.say("sign-in: %v", err)
			return false
		}
		c.say("%s %s", report.Mark(res.Finding), res.Plain)
	case "l", "logout":
		c.logout(ctx, arg)
	default:
		c.say("unknown command %q: type ? for the list", cmd)
	}
	return false
}

func (c *simCommands) fault(arg string) {
	switch {
	case arg == "":
		for i, f := range sim.Faults {
			what, _ := f.Fault.Info()
			c.say("%d %s: %s", i+1, f.Fault, what)
		}
		c.say("f NAME or f NUMBER queues one for the next sign-in; f none clears the queue")
		return
	case strings.EqualFold(arg, "none"):
		c.p.ClearFaults()
		c.say("fault queue cleared: the next sign-ins are normal")
		return
	}
	name := arg
	if n, err := strconv.Atoi(arg); err == nil && n >= 1 && n <= len(sim.Faults) {
		name = string(sim.Faults[n-1].Fault)
	}
	f, err := sim.ParseFault(name)
	if err != nil {
		c.say("%v", err)
		return
	}
	c.p.QueueFault(f)
	c.say("next sign-in: %s", f)
}

func (c *simCommands) logout(ctx context.Context, arg string) {
	if arg == "" {
		c.sessions = activeSessions(c.p)
		if len(c.sessions) == 0 {
			c.say("no session to log out: sign in first")
			return
		}
		for i, s := range c.sessions {
			c.say("%d %s", i+1, simSessionLabel(s))
		}
		c.say("l N logs session N out: CIS2's negative tokens first, then its logout token")
		return
	}
	sid := arg
	if n, err := strconv.Atoi(arg); err == nil {
		if n < 1 || n > len(c.sessions) {
			c.say("no session %d: type l to list them", n)
			return
		}
		sid = c.sessions[n-1].SID
	}
	c.say("logging out: negative tokens, then CIS2's logout token…")
	res, err := c.p.Logout(ctx, sid, sim.LogoutOptions{Negative: true})
	if err != nil {
		c.say("logout: %v", err)
		return
	}
	c.say("logout: %s; session %s", report.Mark(res.Finding), res.Confirmed)
}

// activeSessions are the provider's sessions that have not ended, newest first.
func activeSessions(p *sim.Provider) []sim.Session {
	var out []sim.Session
	for _, s := range p.Sessions() {
		if s.Active() {
			out = append(out, s)
		}
	}
	return out
}

// simSessionLabel tells one session from another: one user may have many (each sign-in with
// the sim's browser is one), so it says when the session started and its sid's start.
func simSessionLabel(s sim.Session) string {
	how := "end not confirmable"
	if s.SimBrowser {
		how = "end confirmable"
	}
	return fmt.Sprintf("%s · %s · sid %s · %s · %s", s.Name, s.Started.Format("15:04:05"), sidPrefix(s.SID), s.ACR, how)
}
