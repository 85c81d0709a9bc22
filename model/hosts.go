package model

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// RuleNonProduction is the rule (and, as config.uri.non-production, the result id) for a
// production URI on a host that is not production. Its id is stable: golive and CI scripts
// match on it.
const RuleNonProduction = "uri.non-production"

// hostKey is the form in which two host names are the same DNS name: lower case, without the
// root's trailing dot (RFC 1034 §3.1), internationalised labels in their punycode form (RFC
// 5891), as a resolver looks them up. A name IDNA refuses is kept, lower-cased.
func hostKey(host string) string {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if ascii, err := idna.Lookup.ToASCII(h); err == nil {
		return ascii
	}
	return h
}

// nonProductionName says why host looks like a non-production one (CIS2's INT, DEP or dev
// domains, or named like a supplier's INT, UAT or staging host), or "" when it does not.
// Punycode labels are read as they display ("xn--bcher-int-q9a" is "bücher-int").
func nonProductionName(host string) string {
	h := hostKey(host)
	if u, err := idna.Lookup.ToUnicode(h); err == nil {
		h = u
	}
	for _, frag := range CIS2.NonProductionHosts {
		if strings.Contains(h, frag) {
			return "a CIS2 non-production domain (" + frag + ")"
		}
	}
	labels := strings.Split(h, ".")
	if len(labels) > 1 {
		labels = labels[:len(labels)-1] // a TLD (.dev) says nothing about the environment
	}
	for _, l := range labels {
		for _, part := range strings.Split(l, "-") { // epr-int, int-epr, epr-uat2, staging3
			if slices.Contains(CIS2.NonProductionLabels, strings.TrimRight(part, "0123456789")) {
				return "named like a non-production host (" + l + ")"
			}
		}
	}
	return ""
}

// intHostField names a URI field of the INT configuration on host, the same field as the
// production value's when it is there, or "" when INT uses no URI on host.
func intHostField(host, field string, in *Config) string {
	if in == nil || host == "" {
		return ""
	}
	var found []string
	for _, fv := range in.uriValues() {
		if _, h := uriKey(fv.Value); h != "" && h == hostKey(host) {
			found = append(found, fv.Field)
		}
	}
	switch {
	case len(found) == 0:
		return ""
	case slices.Contains(found, field):
		return field
	}
	return found[0]
}

// uriValues lists the configuration's URIs with their field names, in file order.
func (c *Config) uriValues() []FieldValue {
	var out []FieldValue
	for i, u := range c.RedirectURIs {
		out = append(out, FieldValue{fmt.Sprintf("redirect_uris[%d]", i), u})
	}
	if c.BackchannelLogoutURI != "" {
		out = append(out, FieldValue{"backchannel_logout_uri", c.BackchannelLogoutURI})
	}
	if c.JWKSURI != "" {
		out = append(out, FieldValue{"jwks_uri", c.JWKSURI})
	}
	return out
}

// deployed reports whether field is a URI NHS deploys, one uriValues lists: only those fail on
// a host INT uses, whether a form asks for one answer or the whole configuration is judged.
func deployed(field string) bool {
	return field == "backchannel_logout_uri" || field == "jwks_uri" || strings.HasPrefix(field, "redirect_uris[")
}

// NonProductionHost judges the host of one URI (field's value) of a production configuration: the one rule
// for "is this a production host", which Validate, compare and the wizard's review share.
// With in (the INT configuration) set, a host INT uses fails: production CIS2 would send
// your users' codes, logouts or key fetches to your INT service. A host named like INT,
// UAT, staging or a CIS2 non-production domain warns (a supplier's production host may be
// named so by chance). It returns Pass and "" for a production-looking host. Local and test
// hosts are ValidateURI's (uri.host.local, uri.host.test).
func NonProductionHost(field, raw string, in *Config) (Severity, string) {
	_, host := uriKey(raw)
	if host == "" {
		return Pass, ""
	}
	if f := intHostField(host, field, in); f != "" {
		return Fail, fmt.Sprintf("production still points at %s, the host of your INT configuration's %s", host, f)
	}
	if why := nonProductionName(host); why != "" {
		return Warn, fmt.Sprintf("production still points at a non-production host (%s): %s", host, why)
	}
	return Pass, ""
}

// nonProductionFinding is NonProductionHost as a finding on field, or nil.
func nonProductionFinding(field, raw string, in *Config) *Finding {
	sev, why := NonProductionHost(field, raw, in)
	if why == "" {
		return nil
	}
	return &Finding{Rule: RuleNonProduction, Field: field, Value: raw, Severity: sev, Message: why,
		Fix: "replace the host with your production DNS name; only the host changes between INT and production"}
}

// ValidateAgainstINT is Validate with the INT configuration the production one replicates:
// a production URI on a host INT uses fails (rule uri.non-production) instead of, at most,
// warning. With in nil it is Validate.
func ValidateAgainstINT(c, in *Config) []Finding {
	fs := Validate(c)
	if in == nil || c.EffectiveEnvironment() != Production {
		return fs
	}
	for _, fv := range c.uriValues() {
		fs = onINTHost(fs, fv.Field, fv.Value, in)
	}
	return fs
}

// ValidateURIAgainstINT is ValidateURI with the INT configuration production replicates, the
// verdict ValidateAgainstINT gives the URI as part of a configuration: a form checking one
// answer as it is typed says what the review and the checks will say. With in nil it is
// ValidateURI.
func ValidateURIAgainstINT(field, raw string, role URIRole, env Environment, in *Config) []Finding {
	fs := ValidateURI(field, raw, role, env)
	if in == nil || env != Production {
		return fs
	}
	return onINTHost(fs, field, raw, in)
}

// onINTHost adds to fs (the findings of field, whose value is raw) the failure of a host INT
// uses, in place of the naming warning: one finding per field and rule.
func onINTHost(fs []Finding, field, raw string, in *Config) []Finding {
	if SecretIn(raw) != "" {
		return fs // ValidateURI reports it, without the value
	}
	if !deployed(field) {
		return fs // login_url: the tester's own page, not sent to NHS; its naming warning stands
	}
	f := nonProductionFinding(field, raw, in)
	if f == nil || f.Severity != Fail {
		return fs
	}
	i := slices.IndexFunc(fs, func(g Finding) bool { return g.Rule == RuleNonProduction && g.Field == field })
	if i >= 0 {
		fs[i] = *f
	} else {
		fs = append(fs, *f)
	}
	return fs
}
