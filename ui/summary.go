package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/report"
)

// Summary is what stays in the terminal once the wizard has closed its screen: the files it
// wrote and what each is for, the earliest go-live date, and the next steps. Plain lines of at
// most 80 columns (paths may run long), to read on a shared screen or paste into a ticket.
// now dates "if you send it today" when no submission date was given.
func (r *Result) Summary(now time.Time) string {
	var b strings.Builder
	line := func(first, s string) { b.WriteString(report.Hang(first, s)) }
	if len(r.Written) == 0 {
		line("✗ ", "Nothing written: "+strings.Join(r.Unresolved, "; ")+".")
		return b.String()
	}
	dir := filepath.Dir(r.Written[0])
	if r.Ready() {
		line("✓ ", "Written to "+dir+", every check passed:")
	} else {
		line("! ", "Written anyway to "+dir+", and marked so in the submission: "+strings.Join(r.Unresolved, "; ")+".")
	}
	width := 0
	for _, p := range r.Written {
		width = max(width, len(filepath.Base(p)))
	}
	for _, p := range r.Written {
		name := filepath.Base(p)
		b.WriteString(report.Hang(fmt.Sprintf("    %-*s  ", width, name), r.fileRole(name)))
	}

	b.WriteString("\n")
	switch cl := r.Checklist; {
	case !cl.EarliestGoLive.IsZero():
		line("", fmt.Sprintf("Earliest go-live: %s (2 weeks after the submission on %s).",
			cl.EarliestGoLive.Format("Monday 2 January 2006"), cl.Submitted.Format("2 January 2006")))
	default:
		line("", fmt.Sprintf("Earliest go-live: %s if you send the configuration today (NHS England "+
			"needs at least 2 weeks to deploy it).", now.Add(report.DeployLeadTime).Format("Monday 2 January 2006")))
	}

	b.WriteString("\nNext:\n")
	var steps []string
	md := report.SubmissionMarkdownFile
	if !r.Ready() {
		again := "cis2-golive check --config " + shellWord(filepath.Join(dir, ConfigFile))
		if r.INTPath != "" { // the run compared with INT: so does the command that repeats it
			again += " --int " + shellWord(r.INTPath)
		}
		steps = append(steps, "Fix what the checks found before sending anything. To see it again:\n"+again)
	} else if r.Checklist.Submitted.IsZero() {
		steps = append(steps, fmt.Sprintf("Send %s to the CIS2 team, in the onboarding form or by email.", md))
	}
	if k := r.KeyFiles; k != nil {
		steps = append(steps, keyStep(k, r.Config.JWKSURI))
	}
	if n, total := r.Checklist.Done(), len(r.Checklist.Items); n < total {
		steps = append(steps, fmt.Sprintf("Work through the checklist (%d of %d done): run cis2-golive again "+
			"to tick items as they happen.", n, total))
	}
	for i, s := range steps {
		text, cmd, _ := strings.Cut(s, "\n")
		line(fmt.Sprintf("  %d. ", i+1), text)
		if cmd != "" { // a command stays on one line, to copy
			b.WriteString("       " + cmd + "\n")
		}
	}
	return b.String()
}

// fileRole says what a written file is for.
func (r *Result) fileRole(name string) string {
	switch name {
	case report.SubmissionJSONFile:
		return "the configuration to send the CIS2 team"
	case report.SubmissionMarkdownFile:
		return "the same, to paste into the onboarding form"
	case ChecklistFile:
		return fmt.Sprintf("the go-live checklist (%d of %d done)", r.Checklist.Done(), len(r.Checklist.Items))
	case ConfigFile:
		return "your answers, for `cis2-golive check --config`"
	}
	return ""
}

func keyStep(k *keys.Files, jwksURI string) string {
	where := "at your JWKS URI"
	if jwksURI != "" {
		where = "at " + jwksURI
	}
	return fmt.Sprintf("Publish %s %s; keep %s on the server that signs client assertions (never email it).",
		k.JWKSPath, where, k.KeyPath)
}

// shellWord quotes a path for a command to copy into a POSIX shell, when it needs it.
func shellWord(p string) string {
	if p != "" && !strings.ContainsAny(p, " \t\n'\"$`\\*?[]{}()<>|&;#~!") {
		return p
	}
	return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
}
