package ui

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cis2-golive/cis2-golive/model"
)

// fieldLabel names a configuration field as the wizard's screens do.
func fieldLabel(field string) string {
	if l, ok := map[string]string{
		"organisation": "Organisation", "product": "Product", "contact_email": "Contact email", "client_id": "Client id",
		"description": "Description", "backchannel_logout_uri": "Back-channel logout URI", "jwks_uri": "JWKS URI",
		"token_endpoint_auth_method": "Security pattern", "token_endpoint_auth_signing_alg": "Signing algorithm",
		"userinfo_signed_response_alg": "Signed userinfo", "login_url": "Login page", "environment": "Environment",
	}[field]; ok {
		return l
	}
	if m := fieldIndex.FindStringSubmatch(field); m != nil {
		n, _ := strconv.Atoi(m[1])
		return fmt.Sprintf("Redirect URI %d", n+1) // redirect_uris[0] → Redirect URI 1
	}
	return field
}

// findingsView lists findings under an answer, live as it is typed.
func findingsView(c *common, fs []model.Finding) string {
	st := c.styles
	var b strings.Builder
	for _, f := range fs {
		mark := st.Warn.Render("! ")
		if f.Severity == model.Fail {
			mark = st.Fail.Render("✗ ")
		}
		b.WriteString("\n" + mark + userNumbering(f.Message))
		if f.Fix != "" {
			b.WriteString("\n  " + st.Faint.Render("fix: "+f.Fix))
		}
	}
	return b.String()
}

// redirectCheck decides whether v can join list as a redirect URI (self is its own index when
// editing, else -1): the same rules in the full-screen list and the accessible prompts, with
// the INT configuration (in, nil for none) as the review and the checks apply it.
func redirectCheck(v string, list []string, self int, env model.Environment, in *model.Config) error {
	if err := model.FirstFail(redirectFindings(v, list, self, env, in)); err != nil {
		return errors.New(userNumbering(err.Error()))
	}
	if i := slices.Index(list, v); i >= 0 && i != self {
		return fmt.Errorf("already in the list as URI %d", i+1)
	}
	return nil
}

// redirectFindings are the model's findings on v as the redirect URI it would be in list: at
// self when editing, else added at the end.
func redirectFindings(v string, list []string, self int, env model.Environment, in *model.Config) []model.Finding {
	at := self
	if at < 0 {
		at = len(list)
	}
	return model.ValidateURIAgainstINT(fmt.Sprintf("redirect_uris[%d]", at), v, model.RedirectURI, env, in)
}

var fieldIndex = regexp.MustCompile(`redirect_uris\[(\d+)\]`)

// userNumbering rewrites the model's zero-based field names ("redirect_uris[2]") as the
// wizard numbers its list ("redirect URI 3"), so a finding points at the row the user sees,
// and a message about INT's URIs says which of them ("your INT configuration's redirect URI 1").
func userNumbering(s string) string {
	s = intField.ReplaceAllStringFunc(s, func(m string) string {
		return intFieldWords[intField.FindStringSubmatch(m)[1]]
	})
	return fieldIndex.ReplaceAllStringFunc(s, func(m string) string {
		return strings.ToLower(fieldLabel(m)[:1]) + fieldLabel(m)[1:]
	})
}

// intField is the INT URI a non-production host finding names by its field
// (model.NonProductionHost): the wizard says it in words.
var intField = regexp.MustCompile(`INT configuration's (backchannel_logout_uri|jwks_uri)\b`)

var intFieldWords = map[string]string{
	"backchannel_logout_uri": "INT configuration's back-channel logout URI",
	"jwks_uri":               "INT configuration's JWKS URI",
}
