package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cis2-golive/cis2-golive/model"
)

// ComparisonReport is the outcome of `compare`: INT against production, field by field.
type ComparisonReport struct {
	INT      string             `json:"int"`
	Prod     string             `json:"prod"`
	Fields   []model.Comparison `json:"fields"`
	Diverged bool               `json:"diverged"`
}

// NewComparisonReport compares the two configurations.
func NewComparisonReport(intPath, prodPath string, in, prod *model.Config, opts model.CompareOptions) ComparisonReport {
	cs := model.CompareINTProd(in, prod, opts)
	if cs == nil {
		cs = []model.Comparison{}
	}
	return ComparisonReport{INT: intPath, Prod: prodPath, Fields: cs, Diverged: model.Diverged(cs)}
}

func compareMark(s model.CompareStatus) string {
	switch s {
	case model.Same:
		return "= same"
	case model.Expected:
		return "✓ expected"
	case model.Info:
		return "· info"
	case model.Unverified:
		return "? unverified"
	}
	return "✗ DIVERGES"
}

func compareStyle(s model.CompareStatus) func(...string) string {
	switch s {
	case model.Same, model.Expected:
		return stylePass.Render
	case model.Info:
		return styleFaint.Render
	case model.Unverified:
		return styleWarn.Render
	}
	return styleFail.Render
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return Clean(s)
}

// WriteComparison renders a comparison as text, JSON or Markdown.
func WriteComparison(w io.Writer, f Format, rep ComparisonReport) error {
	var b strings.Builder
	n := 0
	for _, c := range rep.Fields {
		if c.Status == model.Diverges {
			n++
		}
	}
	verdict := "production replicates INT (host changes only)"
	if rep.Diverged {
		verdict = Plural(n, "unexplained divergence", "unexplained divergences") + " from INT"
	}
	switch f {
	case JSON:
		return WriteJSON(w, rep)
	case Markdown:
		fmt.Fprintf(&b, "# INT vs production: %s → %s\n\n**%s**\n\n", mdCode(rep.INT), mdCode(rep.Prod), verdict)
		b.WriteString("| Result | Field | INT | Production | Finding | Fix |\n|---|---|---|---|---|---|\n")
		for _, c := range rep.Fields {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", compareMark(c.Status), mdCodeCell(c.Field),
				mdCell(orNone(c.INT)), mdCell(orNone(c.Prod)), mdCell(c.Message), mdCell(c.Fix))
		}
	default:
		b.WriteString(Hang("", styleBold.Render("cis2-golive compare")+" "+Clean(rep.INT)+" → "+Clean(rep.Prod)) + "\n")
		for _, c := range rep.Fields {
			fmt.Fprintf(&b, "%s  %s\n", compareStyle(c.Status)(compareMark(c.Status)), c.Field)
			if c.INT == c.Prod {
				fmt.Fprintf(&b, "        both: %s\n", orNone(c.Prod))
			} else {
				fmt.Fprintf(&b, "        INT:  %s\n        prod: %s\n", orNone(c.INT), orNone(c.Prod))
			}
			if c.Status != model.Same {
				b.WriteString(Hang(indent, Clean(c.Message)))
			}
			if c.Fix != "" {
				b.WriteString(Hang(indent, "fix: "+Clean(c.Fix)))
			}
		}
		fmt.Fprintf(&b, "\n%s\n", verdict)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// DiffReport is the outcome of `diff`: what changed in a live configuration and whether NHS
// must receive it.
type DiffReport struct {
	Old            string         `json:"old"`
	New            string         `json:"new"`
	Changes        []model.Change `json:"changes"`
	NeedsNHSUpdate bool           `json:"needs_nhs_update"`
	Reminders      []string       `json:"reminders"`
}

// NewDiffReport diffs the live configuration against the next one.
func NewDiffReport(oldPath, newPath string, old, next *model.Config) DiffReport {
	cs := model.DiffLive(old, next)
	if cs == nil {
		cs = []model.Change{}
	}
	return DiffReport{Old: oldPath, New: newPath, Changes: cs, NeedsNHSUpdate: model.NeedsNHSUpdate(cs), Reminders: model.LiveReminders}
}

func (d DiffReport) verdict() string {
	switch {
	case len(d.Changes) == 0:
		return "No change to the configuration."
	case d.NeedsNHSUpdate:
		return "Send NHS England an updated production configuration (`cis2-golive submission --config " + Clean(d.New) + "`)."
	}
	return "No change NHS England must receive (check the unconfirmed ones with the CIS2 team)."
}

// WriteDiff renders a diff as text, JSON or Markdown.
func WriteDiff(w io.Writer, f Format, d DiffReport) error {
	var b strings.Builder
	switch f {
	case JSON:
		return WriteJSON(w, d)
	case Markdown:
		fmt.Fprintf(&b, "# Changes to a live CIS2 configuration: %s → %s\n\n**%s**\n\n", mdCode(d.Old), mdCode(d.New), mdCell(d.verdict()))
		if len(d.Changes) > 0 {
			b.WriteString("| Field | Live | Next | Tell NHS? | Why |\n|---|---|---|---|---|\n")
			for _, c := range d.Changes {
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCodeCell(c.Field), mdCell(orNone(c.Old)), mdCell(orNone(c.New)), c.NHSUpdate, mdCell(c.Why))
			}
			b.WriteString("\n")
		}
		for _, r := range d.Reminders {
			fmt.Fprintf(&b, "- %s\n", mdCell(r))
		}
	default:
		b.WriteString(Hang("", styleBold.Render("cis2-golive diff")+" "+Clean(d.Old)+" → "+Clean(d.New)) + "\n")
		for _, c := range d.Changes {
			tell := map[model.NHSUpdate]string{model.UpdateYes: styleFail.Render("tell NHS: yes"),
				model.UpdateNo: stylePass.Render("tell NHS: no"), model.UpdateUnconfirmed: styleWarn.Render("tell NHS: unconfirmed")}[c.NHSUpdate]
			fmt.Fprintf(&b, "%s  %s\n        live: %s\n        next: %s\n", tell, c.Field, orNone(c.Old), orNone(c.New))
			b.WriteString(Hang(indent, Clean(c.Why)))
		}
		if len(d.Changes) > 0 {
			b.WriteString("\n")
		}
		b.WriteString(Hang("", d.verdict()) + "\n")
		for _, r := range d.Reminders {
			b.WriteString(Hang("• ", r))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
