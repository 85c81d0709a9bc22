package model

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SecretIn is the one rule for "this value holds a secret": the loader refuses such a
// configuration, the wizard refuses such an answer, drafts drop it, every output withholds it
// and no file for NHS is written with it. It says what kind of secret s looks like to hold,
// or "" when none, never quoting the value.
//
// It decodes before it matches: percent-encoding (repeatedly, so client%255Fsecret counts),
// JSON and HTML escapes, look-alike characters (fullwidth forms, Cyrillic letters, invisible
// ones), then any case or separator (client_secret, clientSecret, Client-Secret, client.secret,
// client+secret). It finds, anywhere in s: a PEM block, a JWT (a client assertion is one), a
// private JWK, a password in a URI's userinfo, and any parameter, assignment or JSON member
// whose name is a credential's (see IsCredentialName) in a query, a fragment, a path segment,
// plain text, or base64url-encoded JSON (a state parameter often is).
func SecretIn(s string) string {
	for _, d := range decodings(s) {
		if what := secretInDecoded(d); what != "" {
			return what
		}
		// JSON encoded as base64url, as a state parameter may be: "eyJ" is `{"`.
		for _, b := range base64JSON.FindAllString(d, 8) {
			if j, ok := decodeBase64(b); ok {
				if what := secretInDecoded(j); what != "" {
					return what
				}
			}
		}
	}
	return ""
}

var (
	pemPrivate = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----`)
	pemAny     = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]+-----`)
	// A compact JWS or JWE: a base64url JSON header ("eyJ" is `{"`), then at least one more
	// part and a second dot.
	jwtToken   = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	privateJWK = regexp.MustCompile(`"(d|k)"\s*:\s*"`)
	userinfo   = regexp.MustCompile(`://[^/?#@\s]*:[^/?#@\s]*@`)
	// assignment is name= after the start, a query or fragment delimiter, a matrix
	// parameter's ;, a path's /, white space or punctuation that opens a list. A name's words
	// may be joined by +, a form-encoded space; name[]= and user[name]= are how many web
	// frameworks spell a list or a member in a query.
	assignment = regexp.MustCompile(`(?:^|([?&;#/])|[\s"'{,(\[])([A-Za-z][A-Za-z0-9_.\-+]*)(?:\[\]|\])?\s*=`)
	// jsonMember is "name": followed by a string or a number; single quotes too, as a
	// language's literal would have them.
	jsonMember = regexp.MustCompile(`["']([A-Za-z][A-Za-z0-9_.\-+]*)["']\s*:\s*(?:["']|-?[0-9])`)
	base64JSON = regexp.MustCompile(`eyJ[A-Za-z0-9_\-+/]{6,}`)
)

func secretInDecoded(s string) string {
	// Every pattern below needs one of these; most values have none, and the rule runs on
	// every result of a run of hundreds.
	if !strings.ContainsAny(s, "=-@:") && !strings.Contains(s, "eyJ") {
		return ""
	}
	switch {
	case pemPrivate.MatchString(s):
		return "a PEM private key"
	case pemAny.MatchString(s):
		return "a PEM block (keys and certificates belong in files, not in the configuration)"
	case jwtToken.MatchString(s):
		return "a JWT (a signed token such as a client assertion)"
	case privateJWK.MatchString(s):
		return `a private JWK (it has a "d" or "k" member)`
	case userinfo.MatchString(s):
		return "a password in a URI (user:password@)"
	}
	for _, m := range assignment.FindAllStringSubmatch(s, -1) {
		name, inURI := m[2], m[1] != ""
		if !IsCredentialName(name) && !(inURI && slices.Contains(queryCredentials, normalName(name))) {
			continue
		}
		switch m[1] {
		case "?", "&", ";":
			return "a secret in a URI query"
		case "#":
			return "a secret in a URI fragment"
		case "/":
			return "a secret in a URI path"
		}
		return "a credential (name=value)"
	}
	for _, m := range jsonMember.FindAllStringSubmatch(s, -1) {
		if IsCredentialName(m[1]) {
			return `a credential ("name": value)`
		}
	}
	return ""
}

// credentialWords end the names that carry a credential, compared as normalName has them:
// "clientsecret" ends in "secret"; api_key, apiKey and x-api-key end in "apikey".
var credentialWords = []string{
	"secret", "password", "passwd", "pwd", "passphrase", "token", "apikey", "accesskey",
	"privatekey", "signingkey", "assertion", "credential", "credentials",
}

// queryCredentials are URI parameters that carry a credential only when they stand alone
// there: ?key= and ?sig= are how API keys and signatures travel in URLs, but monkey= is not,
// and a "key" member elsewhere (a JWK's, an evidence map's) need not be one.
var queryCredentials = []string{"key", "sig", "signature", "authorization", "code"}

// normalName is name lower-cased without separators: clientSecret, client-secret and
// CLIENT_SECRET are all "clientsecret".
func normalName(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', ' ', '+':
			return -1
		}
		return unicode.ToLower(r)
	}, name)
}

// IsCredentialName reports whether a parameter or key called name carries a credential
// (client_secret, clientSecret, api-key, access_token, password, secret…).
func IsCredentialName(name string) bool {
	n := normalName(name)
	for _, w := range credentialWords {
		if strings.HasSuffix(n, w) {
			return true
		}
	}
	return false
}

// decodings are s and what it reads as once decoded, step by step: its escapes undone and
// look-alike characters folded (see unescape), then each successive percent-decoding, at most
// three deep: enough for a doubly encoded name, and bounded so a crafted value cannot make the
// rule slow.
func decodings(s string) []string {
	out := []string{s}
	if !strings.ContainsAny(s, `%\&`) && isASCII(s) {
		return out
	}
	for range 4 {
		d := unescape(s)
		if d == s {
			d = percentDecode(s)
		}
		if d == s {
			break
		}
		out = append(out, d)
		s = d
	}
	return out
}

// unescape undoes the escapes a value picks up on its way into a document (JSON's \u0026 and
// \", HTML's &amp; and &#95;) and folds what only looks like ASCII into it: fullwidth forms
// (ｓｅｃｒｅｔ), Cyrillic and Greek letters that share a Latin letter's shape, and invisible
// characters (a zero-width space, a soft hyphen), which are dropped.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\\' && strings.HasPrefix(s[i:], `\u`) && len(s) >= i+6 && isHex(s[i+2:i+6]):
			n, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			b.WriteRune(rune(n))
			i += 6
			continue
		case r == '\\' && i+1 < len(s) && strings.IndexByte(`"'/\\`, s[i+1]) >= 0:
			b.WriteByte(s[i+1])
			i += 2
			continue
		case r == '&':
			if c, n, ok := htmlEntity(s[i:]); ok {
				b.WriteRune(c)
				i += n
				continue
			}
		case r >= 0xFF01 && r <= 0xFF5E: // fullwidth ASCII
			r -= 0xFF01 - '!'
		case unicode.Is(unicode.Cf, r): // format characters: invisible
			i += size
			continue
		default:
			if l, ok := lookalikes[r]; ok {
				r = l
			}
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// lookalikes are the Cyrillic and Greek letters drawn like a Latin one.
var lookalikes = map[rune]rune{
	'а': 'a', 'с': 'c', 'е': 'e', 'һ': 'h', 'і': 'i', 'ј': 'j', 'к': 'k', 'о': 'o', 'р': 'p',
	'ѕ': 's', 'т': 't', 'у': 'y', 'х': 'x', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w',
	'А': 'A', 'В': 'B', 'С': 'C', 'Е': 'E', 'Н': 'H', 'І': 'I', 'Ј': 'J', 'К': 'K', 'М': 'M',
	'О': 'O', 'Р': 'P', 'Ѕ': 'S', 'Т': 'T', 'Х': 'X', 'У': 'Y',
	'α': 'a', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'ν': 'v',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P',
	'Τ': 'T', 'Χ': 'X', 'Υ': 'Y', 'Ζ': 'Z',
}

// htmlEntity reads the HTML character reference s starts with (&amp; &quot; &#95; &#x5F;).
func htmlEntity(s string) (r rune, n int, ok bool) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 10 {
		return 0, 0, false
	}
	switch name := s[1:end]; {
	case name == "amp":
		return '&', end + 1, true
	case name == "quot":
		return '"', end + 1, true
	case name == "apos":
		return '\'', end + 1, true
	case name[0] == '#':
		num, base := name[1:], 10
		if num != "" && (num[0] == 'x' || num[0] == 'X') {
			num, base = num[1:], 16
		}
		c, err := strconv.ParseUint(num, base, 32)
		if err != nil || c == 0 || c > unicode.MaxRune {
			return 0, 0, false
		}
		return rune(c), end + 1, true
	}
	return 0, 0, false
}

// decodeBase64 decodes base64url or base64, padded or not, when what it holds is text.
func decodeBase64(s string) (string, bool) {
	s = strings.NewReplacer("+", "-", "/", "_").Replace(strings.TrimRight(s, "="))
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		// A trailing partial quantum: decode what comes before it.
		b, err = base64.RawURLEncoding.DecodeString(s[:len(s)/4*4])
	}
	return string(b), err == nil && utf8.Valid(b)
}

func isHex(s string) bool {
	for i := range len(s) {
		if unhex(s[i]) < 0 {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// percentDecode decodes every valid %XX and leaves anything else as it is: a value need not
// be a well-formed URI to hide a secret.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if hi, lo := unhex(s[i+1]), unhex(s[i+2]); hi >= 0 && lo >= 0 {
				b.WriteByte(byte(hi<<4 | lo))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

// isSecretKey reports whether a configuration key would hold a secret: one of secretKeys
// (which include the private members of a JWK), or any credential's name.
func isSecretKey(key string) bool {
	return slices.Contains(secretKeys, strings.ToLower(key)) || IsCredentialName(key)
}

// FieldValue is one string of a configuration with the name of its field.
type FieldValue struct{ Field, Value string }

// Values lists every string in the configuration with its field name, in file order.
func (c *Config) Values() []FieldValue {
	var out []FieldValue
	for _, f := range c.stringFields() {
		out = append(out, FieldValue{f.field, *f.p})
	}
	return out
}

type stringField struct {
	field string
	p     *string
}

// stringFields is every string of the configuration, with its field name, in file order: the one
// list Values, the secret scrub and the unsafe-text check go through, so a new field cannot
// be missed by one of them.
func (c *Config) stringFields() []stringField {
	out := []stringField{
		{"environment", (*string)(&c.Environment)}, {"organisation", &c.Organisation}, {"product", &c.Product},
		{"contact_email", &c.ContactEmail}, {"description", &c.Description}, {"client_id", &c.ClientID},
	}
	for i := range c.RedirectURIs {
		out = append(out, stringField{fmt.Sprintf("redirect_uris[%d]", i), &c.RedirectURIs[i]})
	}
	return append(out,
		stringField{"backchannel_logout_uri", &c.BackchannelLogoutURI},
		stringField{"token_endpoint_auth_method", (*string)(&c.TokenEndpointAuthMethod)},
		stringField{"jwks_uri", &c.JWKSURI},
		stringField{"token_endpoint_auth_signing_alg", &c.TokenEndpointAuthSigningAlg},
		stringField{"userinfo_signed_response_alg", &c.UserinfoSignedResponseAlg},
		stringField{"login_url", &c.LoginURL},
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
	for _, f := range c.stringFields() {
		if SecretIn(*f.p) != "" {
			*f.p, scrubbed = "", append(scrubbed, f.field)
		}
	}
	return scrubbed
}
