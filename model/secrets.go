package model

import (
	"fmt"
	"regexp"
	"unicode"
)

// secretPatterns recognise secret material inside an ordinary value: a private key or a client
// secret pasted into a description or a URI would otherwise be echoed by every command and
// copied into the submission sent to NHS. Keys named like secrets are refused separately.
var secretPatterns = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`), "a PEM private key"},
	{regexp.MustCompile(`"(d|k)"\s*:\s*"`), `a private JWK (it has a "d" or "k" member)`},
	{regexp.MustCompile(`(?i)[?&;](client_secret|client_assertion|password|secret|token|access_token|refresh_token)=`), "a secret in a URI query"},
	{regexp.MustCompile(`://[^/?#@\s]*:[^/?#@\s]*@`), "a password in a URI (user:password@)"},
}

// SecretIn says what kind of secret s looks like to hold, or "" when none.
func SecretIn(s string) string {
	for _, p := range secretPatterns {
		if p.re.MatchString(s) {
			return p.what
		}
	}
	return ""
}

// FieldValue is one string of a configuration with the name of its field.
type FieldValue struct{ Field, Value string }

// Values lists every string in the configuration with its field name, in file order.
func (c *Config) Values() []FieldValue {
	out := []FieldValue{
		{"environment", string(c.Environment)}, {"organisation", c.Organisation}, {"product", c.Product},
		{"contact_email", c.ContactEmail}, {"description", c.Description}, {"client_id", c.ClientID},
	}
	for i, u := range c.RedirectURIs {
		out = append(out, FieldValue{fmt.Sprintf("redirect_uris[%d]", i), u})
	}
	return append(out,
		FieldValue{"backchannel_logout_uri", c.BackchannelLogoutURI},
		FieldValue{"token_endpoint_auth_method", string(c.TokenEndpointAuthMethod)},
		FieldValue{"jwks_uri", c.JWKSURI},
		FieldValue{"token_endpoint_auth_signing_alg", c.TokenEndpointAuthSigningAlg},
		FieldValue{"userinfo_signed_response_alg", c.UserinfoSignedResponseAlg},
		FieldValue{"login_url", c.LoginURL},
	)
}

// FindSecret reports the first value that looks like a secret, naming the field and never the
// value.
func FindSecret(c *Config) error {
	for _, fv := range c.Values() {
		if what := SecretIn(fv.Value); what != "" {
			return fmt.Errorf("%s holds what looks like %s; remove it: cis2-golive never writes secrets, and NHS needs only public values", fv.Field, what)
		}
	}
	return nil
}

// findUnsafeText reports the first value holding a control character or a bidirectional
// override: none belongs in a URI or a name, and either could rewrite the terminal of whoever
// reads the report, or make a URI read differently from what it is.
func findUnsafeText(c *Config) (field string, ok bool) {
	for _, fv := range c.Values() {
		for _, r := range fv.Value {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				return fv.Field, false
			}
		}
	}
	return "", true
}

// ScrubSecrets empties every value that looks like a secret, returning the fields emptied.
// Drafts are saved as the user types, before validation: this keeps a pasted secret off disk.
func (c *Config) ScrubSecrets() []string {
	var scrubbed []string
	clear := func(field string, v *string) {
		if SecretIn(*v) != "" {
			*v, scrubbed = "", append(scrubbed, field)
		}
	}
	clear("organisation", &c.Organisation)
	clear("product", &c.Product)
	clear("contact_email", &c.ContactEmail)
	clear("description", &c.Description)
	clear("client_id", &c.ClientID)
	for i := range c.RedirectURIs {
		clear(fmt.Sprintf("redirect_uris[%d]", i), &c.RedirectURIs[i])
	}
	clear("backchannel_logout_uri", &c.BackchannelLogoutURI)
	clear("jwks_uri", &c.JWKSURI)
	clear("login_url", &c.LoginURL)
	return scrubbed
}
