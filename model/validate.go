package model

import (
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// Finding is one problem in a configuration: the rule that found it, the field and value it is
// about, what is wrong and how to fix it.
type Finding struct {
	Rule     string
	Field    string
	Value    string
	Severity Severity
	Message  string
	Fix      string
}

func (f Finding) Error() string {
	if f.Fix == "" {
		return f.Message
	}
	return f.Message + " (" + f.Fix + ")"
}

// URIRole is what a URI is for; rules differ because CIS2 calls some URIs from the internet
// while only the user's browser follows others.
type URIRole int

// The roles a configured URI can have.
const (
	RedirectURI URIRole = iota
	LogoutURI
	JWKSURI
)

// Validate runs every offline rule and returns all findings, in field order.
func Validate(c *Config) []Finding {
	env := c.EffectiveEnvironment()
	var fs []Finding
	add := func(f ...Finding) { fs = append(fs, f...) }

	switch c.Environment {
	case Integration, Production:
	case "":
		add(Finding{Rule: "environment", Field: "environment", Severity: Warn,
			Message: "environment is not set; validating as production",
			Fix:     "add `environment: production` (or integration)"})
	default:
		add(Finding{Rule: "environment", Field: "environment", Value: string(c.Environment), Severity: Fail,
			Message: "environment must be integration or production",
			Fix:     "set `environment: production` for the go-live submission"})
	}
	secret := map[string]bool{}
	for _, fv := range []FieldValue{{"organisation", c.Organisation}, {"product", c.Product}, {"contact_email", c.ContactEmail},
		{"description", c.Description}, {"client_id", c.ClientID}} {
		if f := secretFinding(fv.Field, fv.Value); f != nil {
			add(*f)
			secret[fv.Field] = true
		}
	}
	if c.ContactEmail != "" && !secret["contact_email"] {
		if a, err := mail.ParseAddress(c.ContactEmail); err != nil || a.Address != c.ContactEmail {
			add(Finding{Rule: "contact_email", Field: "contact_email", Value: c.ContactEmail, Severity: Warn,
				Message: "not a plain email address", Fix: "write one address, such as ops@your-company.co.uk, with no name or brackets"})
		}
	}
	if c.ClientID != "" && !secret["client_id"] && !clientIDPattern.MatchString(c.ClientID) {
		add(Finding{Rule: "client_id", Field: "client_id", Value: c.ClientID, Severity: Warn,
			Message: "client_id does not look like a CIS2 client id (<digits>.apps.national or .apps.supplier)",
			Fix:     "copy the client id exactly as CIS2 issued it"})
	}

	if len(c.RedirectURIs) == 0 {
		add(Finding{Rule: "redirect_uris.required", Field: "redirect_uris", Severity: Fail,
			Message: "at least one redirect URI is required", Fix: "add your production callback URL under redirect_uris"})
	}
	for i, u := range c.RedirectURIs {
		add(ValidateURI(fmt.Sprintf("redirect_uris[%d]", i), u, RedirectURI, env)...)
	}
	add(duplicates(c.RedirectURIs)...)

	if c.BackchannelLogoutURI == "" {
		sev := Fail
		if env != Production {
			sev = Warn
		}
		add(Finding{Rule: "backchannel_logout_uri.required", Field: "backchannel_logout_uri", Severity: sev,
			Message: "the back-channel logout URI is missing; NHS lists it as part of the production configuration",
			Fix:     "add the HTTPS endpoint that receives CIS2 logout tokens"})
	} else {
		add(ValidateURI("backchannel_logout_uri", c.BackchannelLogoutURI, LogoutURI, env)...)
	}

	add(validateAuth(c, env)...)

	// A warning, not a failure: the supported list comes from a copy of CIS2 INT's discovery
	// document, not from an NHS page (see CIS2.UserinfoSigningAlgs).
	switch alg := c.UserinfoSignedResponseAlg; {
	case strings.EqualFold(alg, "none"):
		// "none" asks for an unsigned JWT (OIDC Core 16.14 warns against it), never what an
		// RP that wants unsigned userinfo means: that is the field left out.
		add(Finding{Rule: "userinfo_signed_response_alg", Field: "userinfo_signed_response_alg", Value: alg, Severity: Fail,
			Message: `"none" would ask CIS2 for unsigned JWT userinfo`,
			Fix:     "leave userinfo_signed_response_alg out for plain (unsigned) userinfo, or use one of " + strings.Join(CIS2.UserinfoSigningAlgs, ", ")})
	case alg != "" && !slices.Contains(CIS2.UserinfoSigningAlgs, alg):
		msg := "CIS2 does not advertise " + alg + " for signed userinfo; it supports " + strings.Join(CIS2.UserinfoSigningAlgs, ", ")
		if slices.Contains(CIS2.UserinfoAdvertisedAlgs, alg) { // the HS* ones
			msg = "CIS2 advertises " + alg + " for signed userinfo, but it is keyed with the client secret (symmetric); the ones verified with CIS2's published keys are " + strings.Join(CIS2.UserinfoSigningAlgs, ", ")
		}
		add(Finding{Rule: "userinfo_signed_response_alg", Field: "userinfo_signed_response_alg", Value: alg, Severity: Warn,
			Message: msg,
			Fix:     "use one of " + strings.Join(CIS2.UserinfoSigningAlgs, ", ") + " (RS256 is CIS2's default), or leave it empty for unsigned userinfo"})
	}
	// The login page is only ever opened by a browser, like a redirect URI.
	if c.LoginURL != "" {
		add(ValidateURI("login_url", c.LoginURL, RedirectURI, env)...)
	}
	return fs
}

var clientIDPattern = regexp.MustCompile(CIS2.ClientIDPattern)

func validateAuth(c *Config, env Environment) []Finding {
	var fs []Finding
	m := c.TokenEndpointAuthMethod
	offered := make([]string, len(CIS2.AuthMethods))
	for i, a := range CIS2.AuthMethods {
		offered[i] = string(a)
	}
	switch {
	case m == "":
		fs = append(fs, Finding{Rule: "token_endpoint_auth_method", Field: "token_endpoint_auth_method", Severity: Fail,
			Message: "the security pattern is missing",
			Fix:     "set token_endpoint_auth_method to private_key_jwt (recommended) or client_secret_basic"})
	case m.Legacy():
		fs = append(fs, Finding{Rule: "token_endpoint_auth_method", Field: "token_endpoint_auth_method", Value: string(m), Severity: Warn,
			Message: "NHS's current go-live pages do not offer this security pattern",
			Fix:     "use private_key_jwt (recommended) or client_secret_basic, or confirm with NHS first"})
	case !m.Offered():
		fs = append(fs, Finding{Rule: "token_endpoint_auth_method", Field: "token_endpoint_auth_method", Value: string(m), Severity: Fail,
			Message: "unknown security pattern", Fix: "use one of " + strings.Join(offered, ", ")})
	}

	if c.UsesPrivateKeyJWT() {
		if c.JWKSURI == "" {
			fs = append(fs, Finding{Rule: "jwks_uri.required", Field: "jwks_uri", Severity: Fail,
				Message: "private_key_jwt needs a JWKS endpoint URI",
				Fix:     "add jwks_uri: the HTTPS URL where your public keys are published"})
		} else {
			fs = append(fs, ValidateURI("jwks_uri", c.JWKSURI, JWKSURI, env)...)
		}
		switch alg := c.TokenEndpointAuthSigningAlg; {
		case alg == "":
			fs = append(fs, Finding{Rule: "token_endpoint_auth_signing_alg.required", Field: "token_endpoint_auth_signing_alg", Severity: Fail,
				Message: "private_key_jwt needs the token endpoint signing algorithm",
				Fix:     "set token_endpoint_auth_signing_alg to one of " + strings.Join(CIS2.TokenEndpointSigningAlgs, ", ")})
		case !slices.Contains(CIS2.TokenEndpointSigningAlgs, alg):
			fs = append(fs, Finding{Rule: "token_endpoint_auth_signing_alg", Field: "token_endpoint_auth_signing_alg", Value: alg, Severity: Fail,
				Message: "CIS2 does not offer this token endpoint signing algorithm",
				Fix:     "use one of " + strings.Join(CIS2.TokenEndpointSigningAlgs, ", ")})
		}
		return fs
	}
	if m != "" {
		if c.JWKSURI != "" {
			fs = append(fs, Finding{Rule: "jwks_uri.unexpected", Field: "jwks_uri", Value: c.JWKSURI, Severity: Fail,
				Message: "jwks_uri is only used with private_key_jwt",
				Fix:     "remove jwks_uri, or switch token_endpoint_auth_method to private_key_jwt"})
		}
		if c.TokenEndpointAuthSigningAlg != "" {
			fs = append(fs, Finding{Rule: "token_endpoint_auth_signing_alg.unexpected", Field: "token_endpoint_auth_signing_alg", Value: c.TokenEndpointAuthSigningAlg, Severity: Fail,
				Message: "token_endpoint_auth_signing_alg is only used with private_key_jwt",
				Fix:     "remove it, or switch token_endpoint_auth_method to private_key_jwt"})
		}
	}
	return fs
}

// RuleSecret is the finding for a value that looks like a secret (SecretIn, the loader's
// rule). The loader refuses such a file outright; the wizard, where values are typed, shows
// it on the field instead, and the draft leaves the value out (SaveDraft).
const RuleSecret = "secret"

// secretFinding is the finding for a value that looks like a secret, or nil. It never holds
// the value: every other finding about the field is withheld too, since each would echo it.
func secretFinding(field, v string) *Finding {
	what := SecretIn(v)
	if what == "" {
		return nil
	}
	return &Finding{Rule: RuleSecret, Field: field, Severity: Fail,
		Message: "this looks like " + what + ": cis2-golive leaves it out of the draft and of every file",
		Fix:     "enter the value without it: NHS needs only public values, and a private key is given by its file path only"}
}

// ValidateURI checks one URI for its role in the given environment and returns every finding.
func ValidateURI(field, raw string, role URIRole, env Environment) []Finding {
	if f := secretFinding(field, raw); f != nil {
		return []Finding{*f}
	}
	var fs []Finding
	add := func(rule string, sev Severity, msg, fix string) {
		fs = append(fs, Finding{Rule: rule, Field: field, Value: raw, Severity: sev, Message: msg, Fix: fix})
	}
	s := raw
	if t := strings.TrimSpace(s); t != s {
		add("uri.whitespace", Fail, "the URI has surrounding whitespace; CIS2 compares URIs exactly",
			"remove the spaces before and after the URI")
		s = t
	}
	if s == "" {
		add("uri.empty", Fail, "the URI is empty", "enter the full https:// URL")
		return fs
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		add("uri.space", Fail, "the URI contains a space; CIS2 compares URIs exactly and a space is not allowed in one",
			"two URIs on one line? list each on its own line; otherwise percent-encode the space as %20")
		return fs
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		add("uri.parse", Fail, "the URI does not parse: a stray %, or a character URIs cannot hold",
			"write % as %25 and check the URI character by character")
		return fs
	case !u.IsAbs() || u.Host == "":
		add("uri.absolute", Fail, "not an absolute URI", "write the full URL, starting https://")
		return fs
	}
	// url.Parse lower-cases the scheme; the registered string is compared as written.
	if scheme, _, _ := strings.Cut(s, ":"); scheme != strings.ToLower(scheme) {
		add("uri.case", Warn, "the scheme has upper-case letters; registered URIs are compared exactly as written",
			"write it as "+strings.ToLower(scheme)+"://")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			add("uri.port", Fail, fmt.Sprintf("port %s is not a TCP port (1-65535)", p), "correct the port, or leave it out for 443")
		}
	}
	host := u.Hostname()
	loopback := isLoopbackHost(host)
	// A wildcard host gets the wildcard finding below, which says why, not the generic one.
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err != nil && !validDNSName(host) && !strings.Contains(host, "*") {
		add("uri.host.invalid", Fail, "the host is not a valid DNS name (empty label, a label starting or ending with -, or a character names cannot hold)",
			"check the host for a doubled dot or a typo")
	}

	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && env != Production && loopback:
		// Native apps may use a loopback callback outside production (RFC 8252).
	case u.Scheme == "http" && env != Production:
		add("uri.scheme", Warn, "http is not accepted in production", "use https://")
	default:
		add("uri.scheme", Fail, fmt.Sprintf("scheme %q is not allowed; CIS2 production needs https", u.Scheme),
			"change the URI to start with https://")
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		add("uri.fragment", Fail, "the URI has a fragment (#…); OAuth redirect URIs must not",
			"remove everything from # onwards")
	}
	if u.User != nil {
		add("uri.userinfo", Fail, "the URI carries credentials (user@host)", "remove the user:password@ part")
	}
	if strings.Contains(s, "*") {
		add("uri.wildcard", Fail, "wildcards are not allowed; CIS2 matches each URI exactly",
			"list every URI in full")
	}
	if at, ok := secondURI(s); ok {
		add("uri.glued", Fail, fmt.Sprintf("this looks like two URIs run together (…%s…)", s[max(0, at-12):min(len(s), at+8)]),
			"put each URI on its own line")
	}
	if strings.ToLower(u.Host) != u.Host {
		add("uri.case", Warn, "the host has upper-case letters; registered URIs are compared exactly as written",
			"write the host in lower case, as your application sends it")
	}
	if ascii, ok := punycode(host); ok {
		add("uri.idn", Warn, "the host is internationalised; CIS2 will see "+ascii,
			"register the punycode form: "+strings.Replace(s, host, ascii, 1))
	}

	addr, ipErr := netip.ParseAddr(strings.Trim(host, "[]"))
	if env == Production {
		switch {
		case loopback:
			add("uri.host.local", Fail, "localhost is not reachable in production", "use your production DNS name")
		case ipErr == nil && !IsPublicAddr(addr):
			add("uri.host.local", Fail, "a private, link-local or reserved address is not reachable from the internet",
				"use your production DNS name")
		case hasSuffix(host, CIS2.TestHostSuffixes) || strings.Contains(strings.ToLower(host), "ngrok"):
			add("uri.host.test", Fail, "this looks like a test or tunnel host, not production", "use your production DNS name")
		case hasPrefix(host, CIS2.ExampleHostPrefixes):
			add("uri.host.example", Warn, "this looks like a placeholder host from an example", "use your production DNS name")
		default:
			if f := nonProductionFinding(field, raw, nil); f != nil {
				fs = append(fs, *f)
			}
		}
	}
	if role != RedirectURI && ipErr == nil && !loopback {
		add("uri.host.ip", Fail, "CIS2 calls this URI from the internet and needs a public DNS name, not an IP address",
			"use a DNS name whose certificate chains to a public root CA")
	}
	return fs
}

// secondURI finds a second "http://" or "https://" in the path of s, where a paste that lost
// its line break leaves it ("…/callbackhttps://…"). One in the query is a parameter's value.
func secondURI(s string) (int, bool) {
	head, _, _ := strings.Cut(s, "?")
	lower := strings.ToLower(head)
	start := strings.Index(lower, "://") + 3
	for _, scheme := range []string{"https://", "http://"} {
		if i := strings.Index(lower[start:], scheme); i >= 0 {
			return start + i, true
		}
	}
	return 0, false
}

// duplicates finds exact duplicates (fail) and near-duplicates that differ only in a trailing
// slash or letter case (warn), which usually mean a typo. Each URI is compared with the first
// one it matches, through maps, so a long list stays linear.
func duplicates(uris []string) []Finding {
	var fs []Finding
	exact := map[string]int{}
	near := map[string]int{}
	for i, u := range uris {
		if SecretIn(u) != "" {
			continue // ValidateURI reports it, without the value
		}
		s := strings.TrimSpace(u)
		field := fmt.Sprintf("redirect_uris[%d]", i)
		if j, ok := exact[s]; ok {
			fs = append(fs, Finding{Rule: "uri.duplicate", Field: field, Value: u, Severity: Fail,
				Message: fmt.Sprintf("duplicate of redirect_uris[%d]", j), Fix: "remove the duplicate"})
			continue
		}
		exact[s] = i
		n := normaliseNear(s)
		if j, ok := near[n]; ok {
			fs = append(fs, Finding{Rule: "uri.near-duplicate", Field: field, Value: u, Severity: Warn,
				Message: fmt.Sprintf("differs from redirect_uris[%d] only by a trailing slash or letter case", j),
				Fix:     "keep only the form your application sends; CIS2 compares exactly"})
			continue
		}
		near[n] = i
	}
	return fs
}

// normaliseNear is the form two near-duplicate URIs share.
func normaliseNear(s string) string { return strings.ToLower(strings.TrimRight(s, "/")) }

// validDNSName checks a host name's syntax (RFC 1123 labels), after converting an
// internationalised name to its ASCII form.
func validDNSName(host string) bool {
	h, err := idna.Lookup.ToASCII(strings.TrimSuffix(host, "."))
	if err != nil || h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range strings.ToLower(label) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// hostName is a host as the rules compare it: lower case, without a fully qualified name's
// final dot (RFC 1034 §3.1: "localhost." and "rp.test." are localhost and rp.test).
func hostName(host string) string { return strings.TrimSuffix(strings.ToLower(host), ".") }

func isLoopbackHost(host string) bool {
	h := hostName(strings.Trim(host, "[]"))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback()
	}
	return false
}

func punycode(host string) (string, bool) {
	for _, r := range host {
		if r > 127 {
			ascii, err := idna.Lookup.ToASCII(host)
			return ascii, err == nil
		}
	}
	return "", false
}

func hasSuffix(host string, suffixes []string) bool {
	h := hostName(host)
	for _, s := range suffixes {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

func hasPrefix(host string, prefixes []string) bool {
	h := hostName(host)
	for _, p := range prefixes {
		if strings.HasPrefix(h, p) || strings.Contains(h, "."+p) {
			return true
		}
	}
	return false
}
