package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sanitize"
	"github.com/cis2-golive/cis2-golive/sim"
)

// SimMark is a sim event's short mark: a finding's severity when it has one, else what the
// sim did.
func SimMark(e sim.Event) string {
	if e.Finding != "" {
		return Mark(e.Finding)
	}
	switch e.Outcome {
	case sim.Refused:
		return "× refused"
	case sim.Failed: // a call that did not work, with no finding against the application
		return "× failed"
	case sim.Sent:
		return "→ sent"
	case sim.Info:
		return "· note"
	}
	return "· ok"
}

// SimEvent is one sim event as one line: time, mark, endpoint, status, CIS2's words, and the
// plain words. The sim's plain output and its live view share it.
func SimEvent(e sim.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-9s %-10s", e.Time.Format("15:04:05"), SimMark(e), e.Endpoint)
	if e.Status != 0 {
		b.WriteString(" " + strconv.Itoa(e.Status))
	}
	if e.CIS2 != "" {
		b.WriteString(" " + sanitize.Clean(e.CIS2) + " —")
	}
	b.WriteString(" " + sanitize.CleanN(e.Plain, 600))
	return b.String()
}

// SimDetail is everything an event says, one item a line: what CIS2 answered, why in plain
// words, and the claims (never a token) sorted by name.
func SimDetail(e sim.Event) []string {
	out := []string{}
	head := fmt.Sprintf("%s %s", e.Time.Format("15:04:05"), e.Endpoint)
	if e.Method != "" {
		head += " · " + e.Method + " " + sanitize.Clean(e.Path)
	}
	if e.Status != 0 {
		head += " · " + strconv.Itoa(e.Status)
	}
	out = append(out, head)
	if e.CIS2 != "" {
		out = append(out, "CIS2 says: "+sanitize.Clean(e.CIS2))
	}
	out = append(out, "Why: "+sanitize.CleanN(e.Plain, 2000))
	if e.Finding == model.Fail {
		out = append(out, "This is a finding: fix it before go-live.")
	}
	if e.SID != "" {
		out = append(out, "Session: "+sanitize.Clean(e.SID))
	}
	if len(e.Claims) > 0 {
		names := make([]string, 0, len(e.Claims))
		for k := range e.Claims {
			names = append(names, k)
		}
		slices.Sort(names)
		parts := make([]string, len(names))
		for i, k := range names {
			v, _ := json.Marshal(e.Claims[k])
			parts[i] = sanitize.Clean(k) + "=" + sanitize.CleanN(string(v), 300)
		}
		out = append(out, "Claims: "+strings.Join(parts, " "))
	}
	return out
}

// SimSummary is what the sim says when it stops, after a live view has left the screen: the
// counts, each finding's event, the faulty sign-ins it saw no verdict on, and the faults
// never sent. Empty when there is nothing to say.
func SimSummary(events []sim.Event, fails, warns int, unjudged []sim.Session, queued []sim.Fault) []string {
	var out []string
	if fails > 0 || warns > 0 {
		var counts []string
		if fails > 0 {
			counts = append(counts, Plural(fails, "finding", "findings")+" to fix before go-live")
		}
		if warns > 0 {
			counts = append(counts, Plural(warns, "warning", "warnings")+" worth fixing, not blocking")
		}
		out = append(out, strings.Join(counts, "; ")+":")
		for _, e := range events {
			if e.Finding == model.Fail || e.Finding == model.Warn {
				out = append(out, "  "+SimEvent(e))
			}
		}
	}
	if len(unjudged) > 0 {
		var which []string
		for _, s := range unjudged {
			which = append(which, fmt.Sprintf("%s (%s, %s)", sanitize.Clean(s.Fault), sanitize.Clean(s.Name), sanitize.Clean(s.Sub)))
		}
		out = append(out, Plural(len(unjudged), "faulty sign-in has", "faulty sign-ins have")+" no verdict: "+strings.Join(which, ", ")+
			". The application never used the access token that came with the ID token (it may have refused it, or never call userinfo), "+
			"so the sim could not tell; sign in with the sim's browser (the s key, or POST /_sim/signin with --protected-url) for a verdict.")
	}
	if len(queued) > 0 {
		names := make([]string, len(queued))
		for i, f := range queued {
			names[i] = string(f)
		}
		out = append(out, "Faults still queued, never sent: "+strings.Join(names, ", ")+".")
	}
	return out
}
