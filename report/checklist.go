package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// DeployLeadTime is how long NHS England asks for between receiving a production configuration
// and deploying it: "please allow a minimum of 2 weeks" (LIVE, step 1).
const DeployLeadTime = 14 * 24 * time.Hour

// DateLayout is how dates appear in the checklist and on the command line.
const DateLayout = "2006-01-02"

// Checklist item ids. They are stable: the wizard saves ticks under them in its draft.
const (
	ItemAssurance           = "assurance.complete"
	ItemConformance         = "conformance.complete"
	ItemConnectionAgreement = "connection-agreement.signed"
	ItemConfigChecked       = "config.checks-passed"
	ItemConfigSubmitted     = "config.submitted"
	ItemConfigDeployed      = "config.deployed"
	ItemEndUserOrgs         = "end-user-orgs.ready"
	ItemHandover            = "live.handover"
	ItemReleaseNotes        = "live.release-notes"
	ItemResubmitConformance = "live.resubmit-conformance"
	ItemWatch               = "live.watch"
)

// The checklist's sections, in the order of NHS's "Put your software live" page.
const (
	SectionAssurance = "Assurance"
	SectionConfig    = "Production configuration"
	SectionGoLive    = "Go live"
	SectionLive      = "Once you're live"
)

// ChecklistItem is one go-live step. FromEvidence items are ticked by the tool from check
// results and cannot be ticked by hand; the others are ticked by the person going live.
type ChecklistItem struct {
	ID           string `json:"id"`
	Section      string `json:"section"`
	Text         string `json:"text"`
	Why          string `json:"why"`
	Done         bool   `json:"done"`
	FromEvidence bool   `json:"from_evidence"`
	// Evidence says what the tool saw, for FromEvidence items (e.g. "6 passed · 0 failed").
	Evidence string `json:"evidence,omitempty"`
}

// Checklist is the go-live readiness list. Submitted and EarliestGoLive are zero when the
// submission date is not known.
type Checklist struct {
	Organisation   string
	Product        string
	Submitted      time.Time
	EarliestGoLive time.Time
	Items          []ChecklistItem
}

// Why lines name the NHS page each step comes from (titles as NHS publishes them).
const (
	pageLive     = "NHS England, CIS2 Authentication: \"Put your software live\""
	pageAssure   = "NHS England, CIS2 Authentication: \"Get your software assured\""
	pageEUO      = "NHS England: \"Care Identity Service for end user organisations\""
	urlLive      = "https://digital.nhs.uk/services/care-identity-service/applications-and-services/cis2-authentication/integrate/put-your-software-live"
	urlAssure    = "https://digital.nhs.uk/services/care-identity-service/applications-and-services/cis2-authentication/integrate/get-your-software-assured"
	urlEUO       = "https://digital.nhs.uk/services/care-identity-service/setting-up-and-troubleshooting/care-identity-service-for-end-user-organisations"
	whyLiveStep1 = pageLive + ", step 1 \"Submit your production configuration\" — " + urlLive
	whyLiveStep2 = pageLive + ", step 2 \"Go live with your software\" — " + urlLive
	whyLiveStep3 = pageLive + ", step 3 \"Once you're live\" — " + urlLive
)

// ChecklistIDs lists every item id in checklist order.
func ChecklistIDs() []string {
	items := baseItems()
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

func baseItems() []ChecklistItem {
	return []ChecklistItem{
		{ID: ItemAssurance, Section: SectionAssurance,
			Text: "Assurance complete: the digital onboarding sections (information security, clinical risk, service management, medical device status) are accepted",
			Why:  pageAssure + " — " + urlAssure},
		{ID: ItemConformance, Section: SectionAssurance,
			Text: "Conformance completed: technical conformance questions answered and adherence to the required standards demonstrated in INT",
			Why:  whyLiveStep2 + "; " + pageAssure},
		{ID: ItemConnectionAgreement, Section: SectionAssurance,
			Text: "Connection Agreement signed",
			Why:  whyLiveStep2 + "; " + pageAssure},
		{ID: ItemConfigChecked, Section: SectionConfig, FromEvidence: true,
			Text: "Production configuration passes cis2-golive checks (nothing blocks sending it)",
			Why:  whyLiveStep1 + " (\"Double check all the URIs are formatted correctly\")"},
		{ID: ItemConfigSubmitted, Section: SectionConfig,
			Text: "Production configuration submitted to NHS England",
			Why:  whyLiveStep1},
		{ID: ItemConfigDeployed, Section: SectionConfig,
			Text: "NHS England has deployed the production configuration (allow a minimum of 2 weeks after submission)",
			Why:  whyLiveStep1 + " (\"please allow a minimum of 2 weeks for us to deploy it and resolve any issues\")"},
		{ID: ItemEndUserOrgs, Section: SectionGoLive,
			Text: "Every end-user organisation already uses CIS and has (or can reach) a Registration Authority, or has been sent NHS's guidance for organisations new to CIS",
			Why:  whyLiveStep2 + " (\"End user organisation preparation\"); " + pageEUO + " — " + urlEUO},
		{ID: ItemHandover, Section: SectionGoLive,
			Text: "Handover to live services for ongoing support arranged with NHS England",
			Why:  whyLiveStep2 + " (\"Next steps\")"},
		{ID: ItemReleaseNotes, Section: SectionLive,
			Text: "Receiving NHS CIS2 Authentication release information (updates typically monthly; breaking changes rare and flagged)",
			Why:  whyLiveStep3 + " (\"NHS CIS2 Authentication change and release process\")"},
		{ID: ItemResubmitConformance, Section: SectionLive,
			Text: "Team knows to re-submit conformance answers in the digital onboarding service when the service changes how it works, or NHS changes how compliance is met",
			Why:  whyLiveStep3},
		{ID: ItemWatch, Section: SectionLive,
			Text: "The live configuration is re-checked on a schedule by cis2-golive watch (from cron, CI or Prometheus): certificate expiry, JWKS key rotation, drift from the submitted configuration",
			Why:  whyLiveStep3 + " (\"As you continually improve and change your system you will need to stay compliant\")"},
	}
}

// Evidence is the tool's verdict on the item it ticks itself ("configuration passes
// checks"), as package golive decides it: whether it is done, and what was seen.
type Evidence struct {
	Done bool
	Text string
}

// NewChecklist builds the go-live checklist. cfg (nil when unknown) names who is going live;
// checked is golive's verdict for the item the tool ticks. ticks holds the items a person has
// ticked, by id; it cannot tick an item the tool verifies. submitted is the date the
// production configuration was sent to NHS (zero if not yet). It reads no clock.
func NewChecklist(cfg *model.Config, checked Evidence, ticks map[string]bool, submitted time.Time) Checklist {
	cl := Checklist{Items: baseItems()}
	if cfg != nil {
		cl.Organisation, cl.Product = cfg.Organisation, cfg.Product
	}
	if !submitted.IsZero() {
		cl.Submitted = submitted
		cl.EarliestGoLive = submitted.Add(DeployLeadTime)
	}
	for i := range cl.Items {
		it := &cl.Items[i]
		switch it.ID {
		case ItemConfigChecked:
			it.Done, it.Evidence = checked.Done, checked.Text
		case ItemConfigSubmitted:
			it.Done = ticks[it.ID] || !submitted.IsZero()
			if !submitted.IsZero() {
				it.Text += " on " + submitted.Format(DateLayout)
			}
		case ItemConfigDeployed:
			it.Done = ticks[it.ID]
			if !submitted.IsZero() {
				it.Text += "; not before " + cl.EarliestGoLive.Format(DateLayout)
			}
		default:
			it.Done = ticks[it.ID]
		}
	}
	return cl
}

// Done counts the ticked items.
func (c Checklist) Done() int {
	n := 0
	for _, it := range c.Items {
		if it.Done {
			n++
		}
	}
	return n
}

// checklistJSON is the JSON shape: dates as YYYY-MM-DD, omitted when unknown.
type checklistJSON struct {
	Organisation   string          `json:"organisation,omitempty"`
	Product        string          `json:"product,omitempty"`
	Submitted      string          `json:"submitted,omitempty"`
	EarliestGoLive string          `json:"earliest_go_live,omitempty"`
	Done           int             `json:"done"`
	Total          int             `json:"total"`
	Items          []ChecklistItem `json:"items"`
}

// WriteChecklist renders the checklist as Markdown (`- [ ]` items), JSON or plain text.
func WriteChecklist(w io.Writer, f Format, c Checklist) error {
	switch f {
	case JSON:
		return WriteJSON(w, checklistJSON{
			Organisation: c.Organisation, Product: c.Product,
			Submitted: formatDate(c.Submitted), EarliestGoLive: formatDate(c.EarliestGoLive),
			Done: c.Done(), Total: len(c.Items), Items: c.Items,
		})
	case Markdown:
		return checklistMarkdown(w, c)
	default:
		return checklistText(w, c)
	}
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(DateLayout)
}

func checklistTitle(c Checklist) string {
	title := "CIS2 go-live checklist"
	if name := strings.TrimSpace(strings.Join(nonEmpty(c.Organisation, c.Product), ", ")); name != "" {
		title += ": " + Clean(name)
	}
	return title
}

func checklistMarkdown(w io.Writer, c Checklist) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdCell(checklistTitle(c)))
	fmt.Fprintf(&b, "**%d of %d done.**", c.Done(), len(c.Items))
	if !c.Submitted.IsZero() {
		fmt.Fprintf(&b, " Configuration submitted %s; earliest go-live %s.", formatDate(c.Submitted), formatDate(c.EarliestGoLive))
	}
	b.WriteString("\n")
	section := ""
	for _, it := range c.Items {
		if it.Section != section {
			section = it.Section
			fmt.Fprintf(&b, "\n## %s\n\n", section)
		}
		box := " "
		if it.Done {
			box = "x"
		}
		fmt.Fprintf(&b, "- [%s] %s\n", box, mdCell(it.Text))
		if it.Evidence != "" {
			fmt.Fprintf(&b, "  - Evidence: %s\n", mdCell(Clean(it.Evidence)))
		}
		fmt.Fprintf(&b, "  - Why: %s\n", mdCell(it.Why))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func checklistText(w io.Writer, c Checklist) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", styleBold.Render(checklistTitle(c)))
	fmt.Fprintf(&b, "%d of %d done", c.Done(), len(c.Items))
	if !c.Submitted.IsZero() {
		fmt.Fprintf(&b, " · submitted %s · earliest go-live %s", formatDate(c.Submitted), formatDate(c.EarliestGoLive))
	}
	b.WriteString("\n")
	section := ""
	for _, it := range c.Items {
		if it.Section != section {
			section = it.Section
			fmt.Fprintf(&b, "\n%s\n", styleBold.Render(section))
		}
		box := styleFaint.Render("[ ]")
		if it.Done {
			box = stylePass.Render("[x]")
		}
		b.WriteString(Hang(box+" ", Clean(it.Text)+" "+styleFaint.Render(it.ID)))
		if it.Evidence != "" {
			b.WriteString(Hang("    evidence: ", Clean(it.Evidence)))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
