package model

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// CompareStatus says how a production value relates to its INT counterpart.
type CompareStatus string

// Only Diverges is a problem: the others are what a faithful copy of INT looks like.
const (
	Same       CompareStatus = "same"
	Expected   CompareStatus = "expected"   // differs the way INT and production must (host, client id)
	Info       CompareStatus = "info"       // differs in a field NHS does not deploy
	Unverified CompareStatus = "unverified" // cannot be compared from these files
	Diverges   CompareStatus = "diverges"
)

// Comparison is one field compared between the INT and the production configuration.
type Comparison struct {
	Field   string        `json:"field"`
	INT     string        `json:"int"`
	Prod    string        `json:"prod"`
	Status  CompareStatus `json:"status"`
	Rule    string        `json:"rule,omitempty"`
	Message string        `json:"message"`
	Fix     string        `json:"fix,omitempty"`
}

// CompareOptions describe where the INT configuration came from.
type CompareOptions struct {
	// INTFromConnectionManager: a Connection Manager export carries no userinfo signing field,
	// so an empty INT value there means "unknown", not "unsigned".
	INTFromConnectionManager bool
}

// CompareINTProd compares a production configuration with the INT one it should replicate
// (NHS: "should replicate your INT configuration"), field by field in file order. A URI that
// keeps its path and moves to another host is expected; every other difference in what NHS
// deploys diverges, as does a production URI still on an INT or test host.
func CompareINTProd(in, prod *Config, opts CompareOptions) []Comparison {
	var cs []Comparison
	add := func(c Comparison) { cs = append(cs, c) }

	if prod.EffectiveEnvironment() != Production {
		add(Comparison{Field: "environment", INT: string(in.Environment), Prod: string(prod.Environment), Status: Diverges,
			Rule: "environment", Message: "the production file is not for environment production",
			Fix: "pass the production configuration as --prod (environment: production)"})
	} else if in.Environment == Production {
		add(Comparison{Field: "environment", INT: string(in.Environment), Prod: string(prod.Environment), Status: Diverges,
			Rule: "environment", Message: "the INT file says environment production",
			Fix: "pass your INT configuration (or its Connection Manager export) as --int"})
	}
	for _, f := range []struct{ field, a, b string }{
		{"organisation", in.Organisation, prod.Organisation}, {"product", in.Product, prod.Product},
		{"contact_email", in.ContactEmail, prod.ContactEmail}, {"description", in.Description, prod.Description},
	} {
		if f.a != f.b && f.a != "" && f.b != "" {
			add(Comparison{Field: f.field, INT: f.a, Prod: f.b, Status: Info, Message: "differs; not part of the configuration NHS deploys"})
		}
	}
	if in.ClientID != "" && prod.ClientID != "" {
		if in.ClientID == prod.ClientID {
			add(Comparison{Field: "client_id", INT: in.ClientID, Prod: prod.ClientID, Status: Diverges, Rule: "client-id",
				Message: "production has the INT client id; CIS2 issues a separate one per environment",
				Fix:     "leave client_id out of the production file until CIS2 assigns it"})
		} else {
			add(Comparison{Field: "client_id", INT: in.ClientID, Prod: prod.ClientID, Status: Expected, Message: "each environment has its own client id"})
		}
	}

	cs = append(cs, compareRedirects(in.RedirectURIs, prod.RedirectURIs)...)
	add(compareURI("backchannel_logout_uri", "logout-path", in.BackchannelLogoutURI, prod.BackchannelLogoutURI))
	add(compareValue("token_endpoint_auth_method", "auth-method", string(in.TokenEndpointAuthMethod), string(prod.TokenEndpointAuthMethod),
		"the security pattern differs from INT, so production would not behave as assured",
		"use the security pattern you tested and assured in INT, or test the new one in INT first"))
	// With one side not on private key JWT, its JWKS and algorithm differences follow from the
	// security pattern divergence above and are not reported twice.
	pkjwtBoth := in.UsesPrivateKeyJWT() == prod.UsesPrivateKeyJWT()
	if in.JWKSURI != "" || prod.JWKSURI != "" {
		add(consequence(pkjwtBoth, compareURI("jwks_uri", "jwks-path", in.JWKSURI, prod.JWKSURI)))
	}
	if in.TokenEndpointAuthSigningAlg != "" || prod.TokenEndpointAuthSigningAlg != "" {
		add(consequence(pkjwtBoth, compareValue("token_endpoint_auth_signing_alg", "signing-alg", in.TokenEndpointAuthSigningAlg, prod.TokenEndpointAuthSigningAlg,
			"the token endpoint signing algorithm differs from INT",
			"sign client assertions in production with the algorithm tested in INT")))
	}
	ui := compareValue("userinfo_signed_response_alg", "userinfo-alg", in.UserinfoSignedResponseAlg, prod.UserinfoSignedResponseAlg,
		"userinfo signing differs from INT", "sign (or not) userinfo in production as you do in INT")
	if opts.INTFromConnectionManager && in.UserinfoSignedResponseAlg == "" && prod.UserinfoSignedResponseAlg != "" {
		ui.Status, ui.Rule = Unverified, ""
		ui.Message = "a Connection Manager export does not record userinfo signing; confirm INT signs with " + prod.UserinfoSignedResponseAlg
		ui.Fix = ""
	}
	if ui.INT != "" || ui.Prod != "" {
		add(ui)
	}

	for i := range cs {
		if cs[i].Status != Diverges && strings.Contains(cs[i].Field, "uri") {
			if why := notProductionHost(cs[i].Field, cs[i].Prod, in); why != "" {
				cs[i].Status, cs[i].Rule, cs[i].Message = Diverges, "non-production-host", why
				cs[i].Fix = "replace the host with your production DNS name"
			}
		}
	}
	return cs
}

// notProductionHost says why a production URI is not on a production host: the rule Validate
// uses (NonProductionHost, here with the INT configuration), or a local or test host; "" when
// it is on one.
func notProductionHost(field, raw string, in *Config) string {
	_, host := uriKey(raw)
	if host == "" {
		return ""
	}
	if isLoopbackHost(host) || hasSuffix(host, CIS2.TestHostSuffixes) {
		return "production still points at a local or test host (" + host + ")"
	}
	_, why := NonProductionHost(field, raw, in)
	return why
}

// Diverged reports whether any comparison is an unexplained divergence.
func Diverged(cs []Comparison) bool {
	return slices.ContainsFunc(cs, func(c Comparison) bool { return c.Status == Diverges })
}

func consequence(independent bool, c Comparison) Comparison {
	if !independent && c.Status == Diverges {
		c.Status, c.Rule, c.Fix = Info, "", ""
		c.Message = "follows from the security pattern difference"
	}
	return c
}

func compareValue(field, rule, a, b, msg, fix string) Comparison {
	c := Comparison{Field: field, INT: a, Prod: b, Status: Same, Message: "same as INT"}
	if a != b {
		c.Status, c.Rule, c.Message, c.Fix = Diverges, rule, msg, fix
	}
	return c
}

// uriParts splits a URI into what may change between INT and production (the host) and what
// must not: the scheme, the port (a default port counts as written) and the path with query.
// ok is false for a value that is not an absolute URI; such values compare as raw strings.
type uriParts struct {
	scheme, host, port, key string
	explicitPort            string // as written, "" when left to the scheme's default
	ok                      bool
}

func splitURI(raw string) uriParts {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return uriParts{key: raw}
	}
	p := uriParts{scheme: strings.ToLower(u.Scheme), host: hostKey(u.Hostname()), port: u.Port(), explicitPort: u.Port(), ok: true}
	if p.port == "" {
		p.port = map[string]string{"https": "443", "http": "80"}[p.scheme]
	}
	p.key = u.EscapedPath()
	if u.RawQuery != "" {
		p.key += "?" + u.RawQuery
	}
	return p
}

// uriKey is the path and query of a URI, which pairs an INT URI with its production form.
func uriKey(raw string) (key, host string) {
	p := splitURI(raw)
	return p.key, p.host
}

// movedOnly says how b differs from a beyond its host: "" when only the host changed (the move
// to production NHS expects), else the differences, named so the message says what to fix.
func movedOnly(a, b uriParts) (rule, msg string) {
	var diffs []string
	if a.scheme != b.scheme {
		rule = "uri-scheme"
		diffs = append(diffs, fmt.Sprintf("the scheme differs from INT (%s in INT, %s in production)", a.scheme, b.scheme))
	}
	// With the scheme changed, its default port changes with it: only a written port counts.
	portsDiffer := a.port != b.port
	if a.scheme != b.scheme {
		portsDiffer = a.explicitPort != b.explicitPort
	}
	if portsDiffer {
		if rule == "" {
			rule = "uri-port"
		}
		diffs = append(diffs, fmt.Sprintf("the port differs from INT (%s in INT, %s in production)", orDefault(a.port), orDefault(b.port)))
	}
	if a.key != b.key {
		if rule == "" {
			rule = "path"
		}
		diffs = append(diffs, fmt.Sprintf("the path differs from INT (%s in INT, %s in production)", a.key, b.key))
	}
	if len(diffs) == 0 {
		return "", ""
	}
	return rule, strings.Join(diffs, "; ") + ": only the host may change between INT and production"
}

func orDefault(port string) string {
	if port == "" {
		return "none"
	}
	return port
}

func compareURI(field, rule, a, b string) Comparison {
	c := Comparison{Field: field, INT: a, Prod: b}
	pa, pb := splitURI(a), splitURI(b)
	switch {
	case a == b:
		c.Status, c.Message = Same, "same as INT"
	case a == "":
		c.Status, c.Rule, c.Message, c.Fix = Diverges, rule, "set in production but not in INT", "configure and test it in INT first"
	case b == "":
		c.Status, c.Rule, c.Message, c.Fix = Diverges, rule, "set in INT but missing in production", "add the production URI"
	case !pa.ok || !pb.ok:
		c.Status, c.Rule = Diverges, rule
		c.Message = "not an absolute URI on one side, so it cannot be the INT URI on a production host"
		c.Fix = "use the URI tested in INT with the production host"
	default:
		why, msg := movedOnly(pa, pb)
		switch why {
		case "":
			c.Status, c.Message = Expected, "same scheme, port and path, production host"
		case "path":
			c.Status, c.Rule, c.Message = Diverges, rule, msg
			c.Fix = "use the path your application serves in both environments"
		default:
			c.Status, c.Rule, c.Message = Diverges, why, msg
			c.Fix = "keep the scheme and port tested in INT (" + pa.scheme + "://HOST" + portSuffix(pa) + "); change only the host"
		}
	}
	return c
}

// portSuffix is ":port" unless the port is the scheme's default.
func portSuffix(p uriParts) string {
	if p.port == "" || (p.scheme == "https" && p.port == "443") || (p.scheme == "http" && p.port == "80") {
		return ""
	}
	return ":" + p.port
}

// compareRedirects pairs redirect URIs exactly, then by path (preferring the same first host
// label, so epr.int… pairs with epr.…), and reports the rest as present in one only.
func compareRedirects(in, prod []string) []Comparison {
	var cs []Comparison
	usedProd := make([]bool, len(prod))
	paired := make([]int, len(in))
	for i := range paired {
		paired[i] = -1
	}
	match := func(ok func(i, j int) bool) {
		for i := range in {
			if paired[i] >= 0 {
				continue
			}
			for j := range prod {
				if !usedProd[j] && ok(i, j) {
					paired[i], usedProd[j] = j, true
					break
				}
			}
		}
	}
	label := func(host string) string { l, _, _ := strings.Cut(host, "."); return l }
	match(func(i, j int) bool { return in[i] == prod[j] })
	match(func(i, j int) bool {
		ki, hi := uriKey(in[i])
		kj, hj := uriKey(prod[j])
		return ki == kj && label(hi) == label(hj)
	})
	match(func(i, j int) bool { ki, _ := uriKey(in[i]); kj, _ := uriKey(prod[j]); return ki == kj })

	for i, u := range in {
		field := fmt.Sprintf("redirect_uris[%d]", i)
		if j := paired[i]; j >= 0 {
			c := compareURI(field, "redirect-path", u, prod[j])
			if j != i {
				c.Field = fmt.Sprintf("redirect_uris[%d→%d]", i, j)
			}
			cs = append(cs, c)
			continue
		}
		key, _ := uriKey(u)
		cs = append(cs, Comparison{Field: field, INT: u, Status: Diverges, Rule: "redirect-int-only",
			Message: "no production redirect URI has the path " + key,
			Fix:     "add the production form of this URI, or remove it from INT if it is no longer used"})
	}
	// hosts counts, per path, the production URIs judged so far: the paired ones first, so an
	// extra one is the second (third…) production host for its path.
	hosts := map[string]int{}
	for j, u := range prod {
		if usedProd[j] {
			k, _ := uriKey(u)
			hosts[k]++
		}
	}
	for j, u := range prod {
		if !usedProd[j] {
			k, _ := uriKey(u)
			hosts[k]++
			cs = append(cs, extraProdRedirect(j, u, in, hosts[k]))
		}
	}
	return cs
}

// extraProdRedirect judges a production redirect URI left over after pairing. When INT has
// its path (on fewer hosts), it is expected: NHS asks production to replicate what was tested,
// and what CIS2 and the application do with a redirect URI depends on its path, not on which
// of the supplier's hosts serves it, so the path was tested. The scheme and port must still
// match the INT URI, as for a paired one.
func extraProdRedirect(j int, u string, in []string, nth int) Comparison {
	field := fmt.Sprintf("redirect_uris[%d]", j)
	key, _ := uriKey(u)
	tested := slices.IndexFunc(in, func(v string) bool { k, _ := uriKey(v); return k == key })
	if tested < 0 {
		return Comparison{Field: field, Prod: u, Status: Diverges, Rule: "redirect-prod-only",
			Message: "no INT redirect URI has the path " + key + ", so it was never tested",
			Fix:     "add it to your INT configuration and test it before go-live"}
	}
	c := compareURI(field, "redirect-path", in[tested], u)
	if c.Status != Expected {
		return c
	}
	nINT := 0
	for _, v := range in {
		if k, _ := uriKey(v); k == key {
			nINT++
		}
	}
	hosts := "one host"
	if nINT > 1 {
		hosts = fmt.Sprintf("%d hosts", nINT)
	}
	which := map[int]string{2: "a second", 3: "a third"}[nth]
	if which == "" {
		which = "another"
	}
	c.Message = fmt.Sprintf("%s production host for a path INT tested on %s (%s)", which, hosts, key)
	return c
}
