package report

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// secretPatterns recognise secret material inside a value. The loader already refuses keys
// named like secrets; these catch a secret pasted into an ordinary field (a description, a
// URI), which would otherwise be copied into the submission sent to NHS.
var secretPatterns = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`), "a PEM private key"},
	{regexp.MustCompile(`"(d|k)"\s*:\s*"`), `a private JWK (it has a "d" or "k" member)`},
	{regexp.MustCompile(`(?i)[?&;](client_secret|client_assertion|password|secret)=`), "a secret in a URI query"},
}

// FindSecret reports the first configuration value that looks like a secret, naming the
// field and never the value.
func FindSecret(cfg *model.Config) error {
	for _, fv := range configStrings(cfg) {
		if what := secretIn(fv[1]); what != "" {
			return fmt.Errorf("%s holds what looks like %s; remove it: cis2-golive never writes secrets, and NHS needs only public values", fv[0], what)
		}
	}
	return nil
}

// FindSecretInResults is FindSecret for a results file, which is copied into the submission.
func FindSecretInResults(rs []checks.Result) error {
	for _, r := range rs {
		vals := []string{r.ID, r.Target, r.Message, r.Fix}
		for _, v := range r.Evidence {
			vals = append(vals, v)
		}
		for _, v := range vals {
			if what := secretIn(v); what != "" {
				return fmt.Errorf("check result %s (%s) holds what looks like %s; re-run `check` rather than editing its output", Clean(r.ID), Clean(r.Target), what)
			}
		}
	}
	return nil
}

func secretIn(s string) string {
	for _, p := range secretPatterns {
		if p.re.MatchString(s) {
			return p.what
		}
	}
	return ""
}

// configStrings lists every string in the configuration as field name and value.
func configStrings(c *model.Config) [][2]string {
	out := [][2]string{
		{"environment", string(c.Environment)}, {"organisation", c.Organisation}, {"product", c.Product},
		{"contact_email", c.ContactEmail}, {"description", c.Description}, {"client_id", c.ClientID},
		{"backchannel_logout_uri", c.BackchannelLogoutURI}, {"token_endpoint_auth_method", string(c.TokenEndpointAuthMethod)},
		{"jwks_uri", c.JWKSURI}, {"token_endpoint_auth_signing_alg", c.TokenEndpointAuthSigningAlg},
		{"userinfo_signed_response_alg", c.UserinfoSignedResponseAlg},
	}
	for i, u := range c.RedirectURIs {
		out = append(out, [2]string{fmt.Sprintf("redirect_uris[%d]", i), u})
	}
	return out
}

// StaleEvidence lists offline results in a results file whose recorded value no longer matches
// the configuration: the file was produced from another version of it.
func StaleEvidence(cfg *model.Config, rs []checks.Result) []string {
	current := map[string]string{}
	for _, fv := range configStrings(cfg) {
		current[fv[0]] = fv[1]
	}
	var stale []string
	for _, r := range rs {
		v, ok := r.Evidence["value"]
		want, known := current[r.Target]
		if !ok || !strings.HasPrefix(r.ID, "config.") {
			continue
		}
		if !known && strings.HasPrefix(r.Target, "redirect_uris[") {
			stale = append(stale, fmt.Sprintf("%s: results have %q, the configuration has no such redirect URI", Clean(r.Target), Clean(v)))
			continue
		}
		if !known {
			continue
		}
		if v != want {
			stale = append(stale, fmt.Sprintf("%s: results have %q, the configuration has %q", Clean(r.Target), Clean(v), Clean(want)))
		}
	}
	return stale
}
