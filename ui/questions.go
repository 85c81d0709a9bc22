package ui

import (
	"errors"
	"strings"

	"charm.land/huh/v2"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// question is one answer the wizard asks for. Both front ends build their fields from the
// same question (field for the full-screen form, prompt for the accessible one), so the
// wording, the example and the rules cannot drift apart. The redirect URI list, the checks
// and the checklist are screens of their own.
type question struct {
	title       string
	help        string // what the answer is for; the full-screen form shows it under the title
	placeholder string // an example, shown as "e.g. …" while the answer is empty
	// field is the configuration field the answer is (its findings, its left-out note) and at
	// finds it in a configuration: the model's rules for the field check the answer. An answer
	// that is not a configuration field lives where answer says. Either way it is edited in
	// place in the session.
	field  string
	at     func(*model.Config) *string
	answer func(*session) *string
	// required names what an empty answer lacks ("the organisation"); "" allows empty.
	required string
	// uri checks the answer as a URI in this role first, with a message about the URI itself.
	uri  bool
	role model.URIRole
	// check is one more rule of the answer's own (it reads no file); nil: none.
	check func(v string) error
	// options make it a choice instead of text; inline shows them on one line.
	options func() []option
	inline  bool
}

type option struct{ label, value string }

// The questions, in the order the wizard asks them.
var (
	qOrganisation = &question{
		title: "Organisation", placeholder: "e.g. Acme Health Ltd", required: "the organisation",
		field: "organisation", at: func(c *model.Config) *string { return &c.Organisation },
	}
	qProduct = &question{
		title: "Product", placeholder: "e.g. Acme EPR", required: "the product name",
		field: "product", at: func(c *model.Config) *string { return &c.Product },
	}
	qContact = &question{
		title: "Contact email", placeholder: "e.g. cis2@acme-health.co.uk",
		field: "contact_email", at: func(c *model.Config) *string { return &c.ContactEmail },
	}
	qClientID = &question{
		title: "Client id (optional)", help: "Assigned by CIS2, e.g. 123456789012.apps.supplier",
		field: "client_id", at: func(c *model.Config) *string { return &c.ClientID },
	}
	qLogout = &question{
		title: "Back-channel logout URI",
		help: "CIS2 POSTs a logout token here from the internet when a session ends (e.g. a " +
			"smartcard is removed). Public DNS name, HTTPS, a certificate chaining to a public root CA; " +
			"answer 400 to an invalid token.",
		placeholder: "e.g. https://your-service.example.nhs.uk/auth/backchannel-logout",
		required:    "the back-channel logout URI", uri: true, role: model.LogoutURI,
		field: "backchannel_logout_uri", at: func(c *model.Config) *string { return &c.BackchannelLogoutURI },
	}
	qSecurity = &question{
		title: "How does your service authenticate to CIS2?",
		help: "Private key JWT is what NHS recommends: no shared secret ever leaves your server, and " +
			"you can rotate keys behind the same JWKS URI without sending NHS a new configuration.",
		field: "token_endpoint_auth_method",
		at:    func(c *model.Config) *string { return (*string)(&c.TokenEndpointAuthMethod) },
		options: func() []option {
			return []option{{"Private key JWT (recommended)", string(model.PrivateKeyJWT)},
				{"Client secret", string(model.ClientSecretBasic)}}
		},
	}
	qJWKS = &question{
		title: "JWKS URI", help: "Where your public keys are published. CIS2 fetches it from the internet.",
		placeholder: "e.g. https://your-service.example.nhs.uk/.well-known/jwks.json",
		required:    "the JWKS URI", uri: true, role: model.JWKSURI,
		field: "jwks_uri", at: func(c *model.Config) *string { return &c.JWKSURI },
	}
	qSigningAlg = &question{
		title: "Token endpoint signing algorithm", help: "The algorithm your client assertions are signed with.",
		field: "token_endpoint_auth_signing_alg", at: func(c *model.Config) *string { return &c.TokenEndpointAuthSigningAlg },
		options: func() []option { return plainOptions(model.CIS2.TokenEndpointSigningAlgs) }, inline: true,
	}
	qKeyChoice = &question{
		title:  "Signing key",
		answer: func(s *session) *string { return &s.keyChoice },
		options: func() []option {
			return []option{{"I have a key file", keyHave}, {"I don't have a key yet: create one", keyCreate}}
		},
	}
	qKeyFile = &question{
		title: "Private key file (optional)",
		help: "Path only: the live checks sign a test assertion with it and verify it against your " +
			"JWKS. The key is read there and never stored or shown. Leave it empty to skip that check.",
		placeholder: "e.g. ./keys/private.pem",
		answer:      func(s *session) *string { return &s.draft.KeyPath },
		check:       keyPathCheck,
	}
	qKeyDir = &question{
		title: "Create the key pair in this directory",
		help: "A 2048-bit RSA key for the algorithm above, made on this machine: the private key " +
			"(mode 0600) and jwks.json, its public half. Existing files are never overwritten.",
		placeholder: "e.g. ./keys", required: "a directory",
		answer: func(s *session) *string { return &s.keyDir },
	}
	qUserinfo = &question{
		title: "Should CIS2 sign userinfo responses?",
		help: "Signed userinfo comes back as a JWT you verify against CIS2's keys. Most services " +
			"leave it off. (Signed userinfo has no aud claim today.)",
		field: "userinfo_signed_response_alg", at: func(c *model.Config) *string { return &c.UserinfoSignedResponseAlg },
		options: func() []option {
			// A select rather than a confirm: huh's confirm buttons show the choice by colour
			// only, which NO_COLOR and monochrome terminals lose; a select has a cursor.
			opts := []option{{"No, unsigned", ""}}
			for _, alg := range model.CIS2.UserinfoSigningAlgs {
				opts = append(opts, option{"Yes, signed with " + alg, alg})
			}
			return opts
		},
	}
	qLoginURL = &question{
		title:       "Your application's sign-in page (optional: the CIS2 request it redirects to is checked, nothing is sent to CIS2)",
		placeholder: "e.g. https://epr.example.nhs.uk/auth/cis2/login", uri: true, role: model.RedirectURI,
		field: "login_url", at: func(c *model.Config) *string { return &c.LoginURL },
	}
	qSubmitted = &question{
		title:       "Date the configuration was sent to NHS (YYYY-MM-DD; blank if not yet)",
		placeholder: "YYYY-MM-DD",
		answer:      func(s *session) *string { return &s.draft.SubmittedOn },
		check:       dateCheck,
	}
)

// stepQuestions are the questions of each step that is a plain form, in order. The private key
// JWT step adds the key file or the directory for a new key after qKeyChoice.
var stepQuestions = map[state][]*question{
	stateOrg:      {qOrganisation, qProduct, qContact, qClientID},
	stateLogout:   {qLogout},
	stateSecurity: {qSecurity},
	statePKJ:      {qJWKS, qSigningAlg, qKeyChoice},
	stateUserinfo: {qUserinfo},
}

// optional reports whether the question may be left empty.
func (q *question) optional() bool { return q.required == "" && q.options == nil }

// value is where the answer lives.
func (q *question) value(s *session) *string {
	if q.at != nil {
		return q.at(s.cfg())
	}
	return q.answer(s)
}

// checkAnswer is every rule of the question for v: required, the URI's own rules, the model's
// rules for the field (on a copy of the answers with v set), then its own check. The first
// failure is the answer; warnings never block.
func (q *question) checkAnswer(s *session, v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		if q.required != "" {
			return errRequired(q.required)
		}
		return nil
	}
	if q.uri {
		if err := model.FirstFail(model.ValidateURIAgainstINT(q.field, v, q.role, s.cfg().EffectiveEnvironment(), s.draft.INT)); err != nil {
			return errors.New(userNumbering(err.Error()))
		}
	}
	if q.at != nil {
		cfg := s.cfg().Clone()
		*q.at(&cfg) = v
		if err := model.FirstFail(model.FieldFindingsAgainstINT(&cfg, s.draft.INT, q.field)); err != nil {
			return errors.New(userNumbering(err.Error()))
		}
	}
	if q.check != nil {
		return q.check(v)
	}
	return nil
}

// findings are what the model's rules say about the current answer (warnings included), for
// the screen to show under its form as the answer is typed: against INT, when one was
// imported, as the review and the checks judge it.
func (q *question) findings(s *session) []model.Finding {
	if q.at == nil || q.options != nil || *q.value(s) == "" {
		return nil
	}
	if q.uri {
		return model.ValidateURIAgainstINT(q.field, *q.value(s), q.role, s.cfg().EffectiveEnvironment(), s.draft.INT)
	}
	return model.FieldFindingsAgainstINT(s.cfg(), s.draft.INT, q.field)
}

func plainOptions(vs []string) []option {
	out := make([]option, len(vs))
	for i, v := range vs {
		out[i] = option{v, v}
	}
	return out
}

// label is how the question names a value: the option's label for a choice.
func (q *question) label(v string) string {
	if q.options == nil {
		return v
	}
	for _, o := range q.options() {
		if o.value == v {
			return o.label
		}
	}
	return v
}

// validate is the question's rules as a huh validator.
func (q *question) validate(s *session) func(string) error {
	return func(v string) error { return q.checkAnswer(s, v) }
}

// formField is the question as a full-screen form field, its help wrapped to width: huh sizes
// a field by its lines before it wraps them, and would cut what wraps.
func (q *question) formField(s *session, width int) huh.Field {
	help := strings.Join(report.WrapWords(q.help, max(20, width-4)), "\n")
	if q.options != nil {
		sel := huh.NewSelect[string]().Title(q.title).Value(q.value(s))
		var opts []huh.Option[string]
		for _, o := range q.options() {
			opts = append(opts, huh.NewOption(o.label, o.value))
		}
		sel.Options(opts...).Inline(q.inline)
		if q.help != "" {
			sel.Description(help)
		}
		return sel
	}
	in := huh.NewInput().Title(q.title).Value(q.value(s)).Validate(q.validate(s))
	if q.placeholder != "" {
		in.Placeholder(q.placeholder)
	}
	if q.help != "" {
		in.Description(help)
	}
	return in
}

// prompt is the question as an accessible prompt: a numbered choice, or a line of text. huh's
// accessible prompts keep the current answer on enter without saying what it is, and check
// the empty answer rather than the one kept, so the title names what enter keeps and the
// check runs on what will be stored; "-" clears an optional answer (clearDashes). The title
// wraps at spaces, so a screen reader or an 80-column terminal never gets a word cut in two.
func (q *question) prompt(s *session) huh.Field {
	v := q.value(s)
	cur := *v
	title := q.title
	if n := s.leftOutNote(q.field, cur); n != "" {
		title += " (" + n + ")"
	}
	if q.options != nil {
		if cur != "" || q.optionsHave("") {
			title += " (enter keeps " + clean(q.label(cur)) + ")"
		}
		var opts []huh.Option[string]
		for _, o := range q.options() {
			opts = append(opts, huh.NewOption(o.label, o.value))
		}
		return huh.NewSelect[string]().Title(promptTitle(title)).Options(opts...).Value(v)
	}
	switch {
	case cur != "" && q.optional():
		title += " (enter keeps " + clean(cur) + "; - clears it)"
	case cur != "":
		title += " (enter keeps " + clean(cur) + ")"
	}
	return huh.NewInput().Title(promptTitle(title)).Value(v).Validate(func(raw string) error {
		t := strings.TrimSpace(raw) // huh stores the trimmed answer
		switch {
		case t == "-" && q.optional():
			return nil
		case t == "":
			t = cur
		}
		return q.checkAnswer(s, t)
	})
}

func (q *question) optionsHave(v string) bool {
	for _, o := range q.options() {
		if o.value == v {
			return true
		}
	}
	return false
}

// promptTitle wraps an accessible prompt's title at spaces to 80 columns.
func promptTitle(s string) string {
	return strings.Join(report.WrapWords(s, report.TextWidth-2), "\n")
}

func errRequired(what string) error { return errors.New("enter " + what) }
