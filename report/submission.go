package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// The file names `submission` writes.
const (
	SubmissionJSONFile     = "cis2-production-config.json"
	SubmissionMarkdownFile = "cis2-production-config.md"
)

// ConnectionManagerClient is the client object in the shape NHS's Connection Manager uses, so
// the CIS2 team can read the production submission as they read INT configurations.
type ConnectionManagerClient struct {
	RedirectURIs            []string `json:"redirect_uris"`
	BackchannelLogoutURI    string   `json:"backchannel_logout_uri"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	JWKSURI                 string   `json:"jwks_uri,omitempty"`
	JWKSURISigningAlgorithm string   `json:"jwks_uri_signing_algorithm,omitempty"`
	ClientName              string   `json:"client_name"`
	Description             string   `json:"description,omitempty"`
}

// ClientMetadata is the same client as standard registration metadata: RFC 7591 §2, with
// userinfo_signed_response_alg from OpenID Connect Dynamic Client Registration 1.0 §2 and
// backchannel_logout_uri from OpenID Connect Back-Channel Logout 1.0 §2.2. A standard provider
// registers it exactly as declared, where the Connection Manager object's own names
// (jwks_uri_signing_algorithm, description) are dropped silently, leaving a client that
// accepts any alg. Nothing is written empty: a provider refuses "" for an optional member, and
// an absent userinfo_signed_response_alg is what unsigned userinfo means.
type ClientMetadata struct {
	ClientName                  string   `json:"client_name,omitempty"`
	RedirectURIs                []string `json:"redirect_uris"`
	TokenEndpointAuthMethod     string   `json:"token_endpoint_auth_method,omitempty"`
	JWKSURI                     string   `json:"jwks_uri,omitempty"`
	TokenEndpointAuthSigningAlg string   `json:"token_endpoint_auth_signing_alg,omitempty"`
	UserinfoSignedResponseAlg   string   `json:"userinfo_signed_response_alg,omitempty"`
	BackchannelLogoutURI        string   `json:"backchannel_logout_uri,omitempty"`
}

// NewClientMetadata is the configuration as registration metadata. The JWKS URI and signing
// alg belong to private_key_jwt only (RFC 7591 §2 defines them for JWT client
// authentication), so a client_secret_basic client carries neither.
func NewClientMetadata(cfg *model.Config) ClientMetadata {
	m := ClientMetadata{
		ClientName:                cfg.Product,
		RedirectURIs:              append([]string{}, cfg.RedirectURIs...),
		TokenEndpointAuthMethod:   string(cfg.TokenEndpointAuthMethod),
		UserinfoSignedResponseAlg: cfg.UserinfoSignedResponseAlg,
		BackchannelLogoutURI:      cfg.BackchannelLogoutURI,
	}
	if cfg.UsesPrivateKeyJWT() {
		m.JWKSURI, m.TokenEndpointAuthSigningAlg = cfg.JWKSURI, cfg.TokenEndpointAuthSigningAlg
	}
	return m
}

// SubmissionChecks is the evidence attached to a submission: where it came from, whether the
// live checks ran, the counts, and every result that was not a pass.
type SubmissionChecks struct {
	Source   string          `json:"source"`
	Live     bool            `json:"live"`
	Summary  checks.Summary  `json:"summary"`
	Findings []checks.Result `json:"findings"`
}

// The values of a submission's status.
const (
	StatusReady    = "ready"
	StatusNotReady = "not-ready"
)

// Blocker is one reason a submission is not ready to send, as package golive decided it;
// report only renders it.
type Blocker struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// Rule is the rule that blocks, for a result that reports several (jwks.lint's kid-missing).
	Rule    string `json:"rule,omitempty"`
	Target  string `json:"target,omitempty"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// Warning is a warning golive says does not block sending (an advisory one): a ready
// configuration may still have some to review.
type Warning struct {
	ID string `json:"id"`
	// Rule is the rule that warned, for a result that reports several (checks.Result.Rules).
	Rule    string `json:"rule,omitempty"`
	Target  string `json:"target,omitempty"`
	Message string `json:"message"`
}

// Verdict is what golive decided about a submission: whether the live checks ran, what
// blocks sending it (nothing, for a ready one), and the warnings left to review.
type Verdict struct {
	Live     bool
	Blockers []Blocker
	// Sandbox: the results are the demo's sandbox's, run in this process (golive.Sandboxed).
	Sandbox bool
	// Warnings are the warnings that do not block (golive.ToReview).
	Warnings []Warning
}

// Submission is the production configuration NHS England deploys, with who is sending it and
// the check evidence. It holds no secret: FindSecret must pass before one is built. Status
// and Blockers come first, so a file written over blockers says so in its first lines.
type Submission struct {
	Status string `json:"status"`
	// Sandbox marks the demo's submission: its endpoints are the sandbox's on this machine,
	// never a real configuration's, whatever Status says.
	Sandbox  bool      `json:"sandbox,omitempty"`
	Blockers []Blocker `json:"blockers"`
	// Client is the object NHS's Connection Manager tooling ingests; ClientMetadata is the same
	// client for any standard (RFC 7591) registration.
	Client         ConnectionManagerClient `json:"client"`
	ClientMetadata ClientMetadata          `json:"client_metadata"`
	// UserinfoSignedResponseAlg is empty when userinfo responses are not signed.
	UserinfoSignedResponseAlg string           `json:"userinfo_signed_response_alg"`
	Environment               string           `json:"environment"`
	ClientID                  string           `json:"client_id,omitempty"`
	Organisation              string           `json:"organisation"`
	Product                   string           `json:"product"`
	Contact                   string           `json:"contact"`
	GeneratedAt               string           `json:"generated_at"`
	ToolVersion               string           `json:"tool_version"`
	Checks                    SubmissionChecks `json:"checks"`
}

// NewSubmission builds the submission. source says where results came from ("offline rules"
// or a results file); v is golive's verdict on them; generated is the caller's clock
// reading, so output is reproducible.
func NewSubmission(cfg *model.Config, results []checks.Result, source string, v Verdict, generated time.Time, toolVersion string) Submission {
	findings := []checks.Result{}
	for _, r := range results {
		if r.Status != model.Pass {
			findings = append(findings, cleanResult(r))
		}
	}
	redirects := make([]string, len(cfg.RedirectURIs))
	copy(redirects, cfg.RedirectURIs)
	status, blockers := StatusReady, []Blocker{}
	for _, b := range v.Blockers {
		blockers = append(blockers, cleanBlocker(b))
	}
	if len(blockers) > 0 {
		status = StatusNotReady
	}
	return Submission{
		Status:   status,
		Sandbox:  v.Sandbox,
		Blockers: blockers,
		Client: ConnectionManagerClient{
			RedirectURIs:            redirects,
			BackchannelLogoutURI:    cfg.BackchannelLogoutURI,
			TokenEndpointAuthMethod: string(cfg.TokenEndpointAuthMethod),
			JWKSURI:                 cfg.JWKSURI,
			JWKSURISigningAlgorithm: cfg.TokenEndpointAuthSigningAlg,
			ClientName:              cfg.Product,
			Description:             cfg.Description,
		},
		ClientMetadata:            NewClientMetadata(cfg),
		UserinfoSignedResponseAlg: cfg.UserinfoSignedResponseAlg,
		Environment:               string(cfg.EffectiveEnvironment()),
		ClientID:                  cfg.ClientID,
		Organisation:              cfg.Organisation,
		Product:                   cfg.Product,
		Contact:                   cfg.ContactEmail,
		GeneratedAt:               generated.UTC().Format(time.RFC3339),
		ToolVersion:               toolVersion,
		Checks:                    SubmissionChecks{Source: source, Live: v.Live, Summary: checks.Summarise(results), Findings: findings},
	}
}

// cleanResult makes a result from a file safe to copy into the submission.
func cleanResult(r checks.Result) checks.Result {
	out := checks.Result{ID: Clean(r.ID), Target: Clean(r.Target), Status: r.Status, Message: Clean(r.Message), Fix: Clean(r.Fix)}
	if len(r.Evidence) > 0 {
		out.Evidence = map[string]string{}
		for k, v := range r.Evidence {
			out.Evidence[Clean(k)] = Clean(v)
		}
	}
	for _, rl := range r.Rules {
		out.Rules = append(out.Rules, checks.Rule{ID: Clean(rl.ID), Status: rl.Status, Subject: Clean(rl.Subject)})
	}
	return out
}

// WriteSubmissionJSON renders the submission as indented JSON.
func WriteSubmissionJSON(w io.Writer, s Submission) error { return WriteJSON(w, s) }

// File is one rendered output file: its name within the output directory, and its bytes.
type File struct {
	Name string
	Data []byte
}

// SubmissionFiles renders the submission as the two files sent to NHS, JSON first.
func SubmissionFiles(s Submission) ([]File, error) {
	var js, md bytes.Buffer
	if err := WriteSubmissionJSON(&js, s); err != nil {
		return nil, err
	}
	if err := WriteSubmissionMarkdown(&md, s); err != nil {
		return nil, err
	}
	return []File{{SubmissionJSONFile, js.Bytes()}, {SubmissionMarkdownFile, md.Bytes()}}, nil
}

// securityPattern names the method as NHS's page does.
func securityPattern(m string) string {
	switch model.AuthMethod(m) {
	case model.PrivateKeyJWT:
		return "Private Key JWT (`private_key_jwt`)"
	case model.ClientSecretBasic:
		return "Client Secret (`client_secret_basic`)"
	case "":
		return "not set"
	}
	return mdCode(m) + " (not one NHS's go-live page offers)"
}

func orNotApplicable(v string, pkjwt bool) string {
	switch {
	case v != "":
		return mdCode(v)
	case pkjwt:
		return "**missing** (required for Private Key JWT)"
	}
	return "not applicable (Client Secret)"
}

func orDash(v string) string {
	if strings.TrimSpace(v) == "" {
		return "—"
	}
	return mdCell(v)
}

// WriteSubmissionMarkdown renders the submission for a person: the six items of NHS's "Submit
// your production configuration" list, in that order, then the check evidence.
func WriteSubmissionMarkdown(w io.Writer, s Submission) error {
	var b strings.Builder
	c := s.Client
	pkjwt := c.TokenEndpointAuthMethod == string(model.PrivateKeyJWT)
	title := "CIS2 Authentication production configuration"
	if s.Product != "" {
		title += ": " + s.Product
	}
	fmt.Fprintf(&b, "# %s\n\n", mdCell(title))
	writeStatus(&b, s)
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Organisation | %s |\n", orDash(s.Organisation))
	fmt.Fprintf(&b, "| Product (client name) | %s |\n", orDash(s.Product))
	if s.Client.Description != "" {
		fmt.Fprintf(&b, "| Description | %s |\n", mdCell(s.Client.Description))
	}
	fmt.Fprintf(&b, "| Contact | %s |\n", orDash(s.Contact))
	clientID := "to be assigned by CIS2"
	if s.ClientID != "" {
		clientID = mdCode(s.ClientID)
	}
	fmt.Fprintf(&b, "| Client ID | %s |\n", clientID)
	fmt.Fprintf(&b, "| Environment | %s |\n", mdCell(s.Environment))

	b.WriteString("\n## Production configuration\n\n")
	b.WriteString("1. **Production Redirection URIs**\n")
	if len(c.RedirectURIs) == 0 {
		b.WriteString("   - **none given**\n")
	}
	for _, u := range c.RedirectURIs {
		fmt.Fprintf(&b, "   - %s\n", mdCode(u))
	}
	logout := "**none given**"
	if c.BackchannelLogoutURI != "" {
		logout = mdCode(c.BackchannelLogoutURI)
	}
	fmt.Fprintf(&b, "2. **Production Backchannel Logout URI:** %s\n", logout)
	fmt.Fprintf(&b, "3. **Security pattern used:** %s\n", securityPattern(c.TokenEndpointAuthMethod))
	fmt.Fprintf(&b, "4. **JWKS endpoint URI:** %s\n", orNotApplicable(c.JWKSURI, pkjwt))
	fmt.Fprintf(&b, "5. **Token Endpoint Signing Algorithm:** %s\n", orNotApplicable(c.JWKSURISigningAlgorithm, pkjwt))
	userinfo := "No (userinfo responses are not signed)"
	if s.UserinfoSignedResponseAlg != "" {
		userinfo = "Yes, signed with " + mdCode(s.UserinfoSignedResponseAlg)
	}
	fmt.Fprintf(&b, "6. **Signed userinfo responses:** %s\n", userinfo)

	sum := s.Checks.Summary
	fmt.Fprintf(&b, "\n## Check evidence\n\n**%s** (%s)\n\n", SummaryLine(sum), mdCell(s.Checks.Source))
	switch {
	case len(s.Checks.Findings) == 0 && s.Checks.Live:
		b.WriteString("No warnings or failures.\n")
	case len(s.Checks.Findings) == 0:
		// The offline rules read the file; they cannot see whether the endpoints work.
		b.WriteString("No warnings or failures in the offline rules. The live checks did not run, so nothing has tested the endpoints.\n")
	default:
		b.WriteString("| Result | Check | Target | Finding |\n|---|---|---|---|\n")
		for _, r := range s.Checks.Findings {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", Mark(r.Status), mdCodeCell(r.ID), mdCell(r.Target), mdCell(r.Message))
		}
	}
	fmt.Fprintf(&b, "\n---\n\nGenerated %s by cis2-golive %s. Holds no client secret or private key.\n", s.GeneratedAt, mdCell(s.ToolVersion))
	b.WriteString("NHS England asks for a minimum of 2 weeks after submission to deploy the configuration and resolve any issues.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeStatus is the submission's verdict, under its title: a file written over blockers
// says so before anything else, naming each.
func writeStatus(b *strings.Builder, s Submission) {
	if s.Status == StatusReady {
		if s.Sandbox {
			b.WriteString("**Status: ready to send (sandbox).** cis2-golive found nothing that blocks it, in the demo: " +
				"the endpoints are the sandbox's, on this machine, so this file is an example of one to send, not one to send.")
		} else {
			b.WriteString("**Status: ready to send.** cis2-golive found nothing that blocks it: no failed check, no warning that blocks (such as a value on a non-production host), and the live checks ran.")
		}
		if n := s.Checks.Summary.Warn; n > 0 {
			fmt.Fprintf(b, " %s under Check evidence.", Plural(n, "warning is", "warnings are")+" worth a look")
		}
		b.WriteString("\n\n")
		return
	}
	fmt.Fprintf(b, "> **Status: NOT READY.** This file was written anyway, over %s that cis2-golive says must be resolved first:\n>\n",
		Plural(len(s.Blockers), "blocker", "blockers"))
	for _, x := range s.Blockers {
		line := mdCell(x.Message)
		if x.Target != "" {
			line = mdCode(x.Target) + ": " + line
		}
		fmt.Fprintf(b, "> - %s\n", line)
	}
	b.WriteString("\n")
}
