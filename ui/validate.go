package ui

import (
	"errors"
	"strings"

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

// fieldCheck validates one answer with the model's offline rules, on a copy of the answers
// with the new value set, and returns the first failure: warnings never block.
func fieldCheck(c *common, field string, set func(*model.Config, string)) func(string) error {
	return func(v string) error {
		cfg := cloneConfig(*c.cfg)
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
	st := c.styles
	var b strings.Builder
	for _, fs := range groups {
		for _, f := range fs {
			mark := st.Warn.Render("! ")
			if f.Severity == model.Fail {
				mark = st.Fail.Render("✗ ")
			}
			b.WriteString("\n" + mark + f.Message)
			if f.Fix != "" {
				b.WriteString("\n  " + st.Faint.Render("fix: "+f.Fix))
			}
		}
	}
	return b.String()
}
