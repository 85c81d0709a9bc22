package ui

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"charm.land/huh/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

func errRequired(what string) error { return errors.New("enter " + what) }

func required(what string) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errRequired(what)
		}
		return nil
	}
}

// requiredField is required with the model's rules for the field: a value that looks like a
// secret is refused where it is typed.
func requiredField(c *common, field, what string, set func(*model.Config, string)) func(string) error {
	check := fieldCheck(c, field, set)
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errRequired(what)
		}
		return check(s)
	}
}

// noteView is a field's left-out note (see common.leftOutNote), as a line under a form.
func noteView(c *common, field, value string) string {
	if n := c.leftOutNote(field, value); n != "" {
		return "\n" + c.styles.Warn.Render("! "+fieldLabel(field)+": "+n)
	}
	return ""
}

// fieldLabel names a configuration field as the wizard's screens do.
func fieldLabel(field string) string {
	if l, ok := map[string]string{
		"organisation": "Organisation", "product": "Product", "contact_email": "Contact email", "client_id": "Client id",
		"description": "Description", "backchannel_logout_uri": "Back-channel logout URI", "jwks_uri": "JWKS URI",
	}[field]; ok {
		return l
	}
	return "Redirect " + userNumbering(field) // redirect_uris[0] → Redirect URI 1
}

// fieldCheck validates one answer with the model's offline rules, on a copy of the answers
// with the new value set, and returns the first failure: warnings never block.
func fieldCheck(c *common, field string, set func(*model.Config, string)) func(string) error {
	return func(v string) error {
		cfg := c.cfg.Clone()
		set(&cfg, v)
		return model.FirstFail(model.FieldFindings(&cfg, field))
	}
}

// uriCheck validates a single URI for its role; empty fails with "enter …".
func uriCheck(c *common, field, what string, role model.URIRole) func(string) error {
	return func(v string) error {
		if v == "" {
			return errRequired(what)
		}
		return model.FirstFail(model.ValidateURI(field, v, role, c.cfg.EffectiveEnvironment()))
	}
}

// findingsView lists findings under a form, live as the bound values change.
func findingsView(c *common, groups ...[]model.Finding) string {
	return formFindingsView(c, nil, groups...)
}

// formFindingsView is findingsView under form, leaving out what the form already shows as a
// field's error (after enter), so a refusal is said once.
func formFindingsView(c *common, form *huh.Form, groups ...[]model.Finding) string {
	shown := map[string]bool{}
	if form != nil {
		for _, err := range form.Errors() {
			shown[err.Error()] = true
		}
	}
	st := c.styles
	var b strings.Builder
	for _, fs := range groups {
		for _, f := range fs {
			if shown[f.Error()] || shown[userNumbering(f.Error())] {
				continue
			}
			mark := st.Warn.Render("! ")
			if f.Severity == model.Fail {
				mark = st.Fail.Render("✗ ")
			}
			b.WriteString("\n" + mark + userNumbering(f.Message))
			if f.Fix != "" {
				b.WriteString("\n  " + st.Faint.Render("fix: "+f.Fix))
			}
		}
	}
	return b.String()
}

// redirectCheck decides whether v can join list as a redirect URI (self is its own index when
// editing, else -1): the same rules in the full-screen list and the accessible prompts.
func redirectCheck(v string, list []string, self int, env model.Environment) error {
	if err := model.FirstFail(model.ValidateURI("redirect_uris", v, model.RedirectURI, env)); err != nil {
		return errors.New(userNumbering(err.Error()))
	}
	if i := slices.Index(list, v); i >= 0 && i != self {
		return fmt.Errorf("already in the list as URI %d", i+1)
	}
	return nil
}

var fieldIndex = regexp.MustCompile(`redirect_uris\[(\d+)\]`)

// userNumbering rewrites the model's zero-based field names ("redirect_uris[2]") as the
// wizard numbers its list ("URI 3"), so a finding points at the row the user sees.
func userNumbering(s string) string {
	return fieldIndex.ReplaceAllStringFunc(s, func(m string) string {
		n, err := strconv.Atoi(fieldIndex.FindStringSubmatch(m)[1])
		if err != nil {
			return m
		}
		return fmt.Sprintf("URI %d", n+1)
	})
}
