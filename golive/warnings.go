package golive

import (
	"strings"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

// Class is whether a warning stops a configuration being sent to NHS.
type Class int

// The classes of warning.
const (
	// Advisory: worth a look, and named in the verdict ("with 2 warnings to review"), but
	// CIS2 would accept the configuration and NHS would deploy one that works.
	Advisory Class = iota
	// Blocking: CIS2 or NHS would very likely refuse it, NHS would deploy a setting that does
	// not work, or the evidence "ready" stands on is missing. It blocks like a failure, and
	// --allow-warnings writes over it (a warning may be a false alarm; a failure is not).
	Blocking
)

func (c Class) String() string {
	if c == Blocking {
		return "blocking"
	}
	return "advisory"
}

// Policy is how one warning is classified: its class, why in one line, and the public source
// the reason rests on.
type Policy struct {
	Class  Class
	Reason string
	Source string
}

// Public sources the classification cites. NHS's CIS2 Authentication pages sit under cis2Pages.
const (
	cis2Pages   = "https://digital.nhs.uk/services/care-identity-service/applications-and-services/cis2-authentication"
	srcLive     = cis2Pages + "/integrate/put-your-software-live"
	srcKeys     = cis2Pages + "/integrate/design-and-build/key-management"
	srcSecurity = cis2Pages + "/guidance-for-developers/detailed-guidance/security-considerations"
	srcReg      = cis2Pages + "/integrate/design-and-build/register-to-access-an-environment"
	srcMissing  = "NHS developer community: developer.community.nhs.uk/t/token-request-with-private-key-jwt-fails/6283 (and t/545, t/7141): invalid_client \"JWT is not valid\" for a missing kid"
	srcINTDisc  = "a copy of CIS2 INT's discovery document: github.com/nervecentresoftware/CIS2-JWKS, int/config"
	srcBCL      = "OpenID Connect Back-Channel Logout 1.0 §2.8: https://openid.net/specs/openid-connect-backchannel-1_0.html#BCResponse"
	srcRFC9700  = "RFC 9700 §2.1.1 (OAuth 2.0 Security Best Current Practice)"
	srcRFC7517  = "RFC 7517 §4.5 (kid), §4.2 (use), §4.3 (key_ops)"
)

// warningPolicies classifies every warning the offline rules (model), key problems (keys) and
// live checks (checks) emit, by warning id (WarningIDs): the result's id, or for a check that
// reports several rules in one line, its id, "/" and the rule's ("jwks.lint/kid-missing"). The
// one exception to a rule is config.uri.non-production, which blocks as its own kind
// (NonProduction). A warning missing here blocks (see Classify), and TestEveryWarningClassified
// fails until it is added.
var warningPolicies = map[string]Policy{
	// The offline rules: "config." + model's Finding.Rule.
	"config." + model.RuleNonProduction: {Blocking,
		"NHS would deploy a URI on a host named like INT, UAT or staging: CIS2 production would send sign-ins, logouts or key fetches there", srcLive},
	"config.userinfo_signed_response_alg": {Blocking,
		"NHS would deploy a userinfo algorithm CIS2 does not advertise for an RP to verify (its list: RS256, ES256, ES384, ES512)", srcINTDisc},
	"config.token_endpoint_auth_method": {Blocking,
		"NHS's go-live pages offer only Client Secret or Private Key JWT: NHS may refuse another pattern, so confirm it first", srcLive},
	"config.uri.host.example": {Blocking,
		"a placeholder host (example.com and the like, RFC 2606 §3) is not yours: NHS would deploy a URI that does not reach your service", "RFC 2606 §3"},
	"config.uri.idn": {Advisory,
		"CIS2 compares the URI exactly; the punycode form is what a browser sends, so register the form your application sends", "RFC 3986 §6.2.1, RFC 5891"},
	"config.uri.case": {Advisory,
		"CIS2 compares the URI exactly: it works if your application sends it with the same letters", "RFC 3986 §6.2.1"},
	"config.uri.near-duplicate": {Advisory,
		"both forms are registered, so the one your application sends matches; the other is likely a typo", "RFC 6749 §3.1.2.3"},
	"config.uri.scheme": {Advisory,
		"http only warns outside production, where the environment itself blocks sending", srcLive},
	"config.backchannel_logout_uri.required": {Advisory,
		"a missing logout URI only warns outside production, where the environment itself blocks sending (in production it fails)", srcLive},
	"config.environment": {Advisory,
		"no environment is read as production: the rules ran as production and the submission says production", srcLive},
	"config.client_id": {Advisory,
		"CIS2 assigns the client id; the <digits>.apps.<kind> pattern is inferred from NHS examples, not published", srcReg},
	"config.contact_email": {Advisory,
		"the contact is for people at NHS, not deployed to CIS2", srcLive},
	"config.import.ignored-key": {Advisory,
		"a Connection Manager key cis2-golive does not use: not part of the production configuration NHS lists", srcLive},

	// Key problems, as jwks.lint reports them (jwks.public-only's are failures only).
	checks.IDJWKSLint + "/" + keys.RuleKIDMissing: {Blocking,
		"CIS2's key-management guidance has the client assertion's kid name a key in your JWKS, and a missing kid is a reported cause of invalid_client; RFC 7517 §4.5 alone would allow it",
		srcKeys + "; " + srcMissing},
	checks.IDJWKSLint + "/" + keys.RuleKIDDuplicate: {Advisory,
		"keys of different types may share a kid (RFC 7517 §4.5), and assertion.sign-verify selects by kid and key type as CIS2's verifier must", srcRFC7517},
	checks.IDJWKSLint + "/" + keys.RuleKIDUnprintable: {Advisory,
		"CIS2 matches the kid exactly, control characters too; only people reading it are hampered", srcRFC7517},
	checks.IDJWKSLint + "/" + keys.RuleRSALarge: {Advisory,
		"valid (RFC 7518 sets no maximum) and CIS2 runs on Java, which takes large RSA keys; some other verifiers ignore them", "RFC 7518 §3.3"},
	checks.IDJWKSLint + "/" + keys.RuleUnsupportedKty: {Advisory,
		"verifiers skip a key type they do not know; another key verifies (jwks.alg-match fails when none does)", "RFC 7517 §5"},
	checks.IDJWKSLint + "/" + keys.RuleUse: {Advisory,
		"a key not for signatures beside the signing key is normal (RFC 7517 A.1); it fails when it is the only key that could verify", srcRFC7517},
	checks.IDJWKSLint + "/" + keys.RuleKeyOps: {Advisory,
		"a key without \"verify\" beside the signing key is ignored; it fails when it is the only key that could verify", srcRFC7517},

	// The live checks.
	checks.IDResolve: {Advisory,
		"only a redirect URI warns: users' browsers follow it, and an internal application may resolve privately (a URI CIS2 calls fails)", srcSecurity},
	checks.IDTLS + "/" + checks.RuleTLSExpiring: {Advisory,
		"the certificate still verifies; renewing it needs no change NHS deploys, but do it before the go-live call", srcSecurity},
	checks.IDTLS + "/" + checks.RuleTLSPrivateCA: {Advisory,
		"only a redirect URI warns: users' browsers, not CIS2, follow it, and may trust your CA (a URI CIS2 calls fails)", srcSecurity},
	checks.IDTLS + "/" + checks.RuleTLSSuite: {Advisory,
		"TLS 1.2 with a suite outside NHS's recommended four still works; NHS recommends, it does not require, them", srcSecurity},
	checks.IDReachable: {Advisory,
		"a server error to a plain GET of an endpoint CIS2 calls; jwks.fetch and bcl.rejects-bogus-token judge what CIS2 really sends", srcLive},
	checks.IDBCL + "/" + checks.RuleBCLRefused: {Advisory,
		"401 or 403 before the token is read is what an IP allowlist for CIS2 answers (NHS's own logout endpoint does): inconclusive, not wrong",
		"NHSDigital/identity-service-api, proxies/live/apiproxy (the logout endpoint's allowlist)"},
	checks.IDBCL + "/" + checks.RuleBCLStatus: {Blocking,
		"OpenID Connect Back-Channel Logout requires 400 for a token that does not validate: an endpoint answering otherwise is not one CIS2 can rely on", srcBCL},
	checks.IDJWKSFetch: {Advisory,
		"served with another content type than application/json or application/jwk-set+json: verifiers read the body as JSON all the same", "RFC 7517 §8.5; " + srcINTDisc},
	checks.IDAssertion + "/" + keys.RuleKIDMissing: {Blocking,
		"the assertion could not carry a kid: CIS2's key-management guidance has it name a key in your JWKS, and a missing kid is a reported cause of invalid_client",
		srcKeys + "; " + srcMissing},
	checks.IDCIS2Algs + "/" + checks.RuleAlgNotAdvertised: {Blocking,
		"not in CIS2's discovery document as last copied: NHS would deploy a setting CIS2 does not advertise (a live --discovery document settles it)", srcINTDisc},
	checks.IDCIS2Algs + "/" + checks.RuleAlgNoList: {Advisory,
		"the live document publishes no such list to compare with; the offline rules still hold the value to CIS2's known lists", "OpenID Connect Discovery 1.0 §3"},
	checks.IDTokenProbe: {Advisory,
		"the opt-in probe got an answer that proves neither acceptance nor refusal (a refusal fails; a disagreement with assertion.sign-verify fails that check)", srcMissing},
	checks.IDClock: {Advisory,
		"the clock is off by less than CIS2's tolerance for client assertions (beyond it, clock.skew fails)", "RFC 7519 §4.1.4, §4.1.6"},
	checks.IDLogin: {Advisory,
		"the login probe warns only on hardening CIS2 does not enforce (PKCE, short state or nonce, a client_id with nothing to compare); what CIS2 refuses fails", srcRFC9700},

	// `assertion lint` judges one captured assertion; its results are never a configuration's
	// evidence (the wizard keeps them out of the verdict), but each warning is classified too.
	checks.IDLintAlg: {Advisory,
		"no declared algorithm to compare with: the offline rules fail that configuration", srcKeys},
	checks.IDLintIssSub: {Advisory,
		"no client_id in the configuration to compare iss and sub with", "RFC 7523 §3"},
	checks.IDLintAud: {Advisory,
		"an aud array that holds the token endpoint: RFC 7523 §3 allows it and ForgeRock AM, which CIS2 runs, accepts it", "RFC 7523 §3"},
	checks.IDLintLifetime: {Advisory,
		"a lifetime over 5 minutes, or an assertion linted after it expired: CIS2's own limit is not published", "RFC 7523 §3"},
	checks.IDLintIssuedAt: {Advisory,
		"no iat: NHS teams send one, but CIS2's need of it is not published", "RFC 7523 §3"},
	checks.IDLintTyp: {Advisory,
		"an unusual typ header: verifiers of client assertions do not require one", "RFC 7519 §5.1"},
}

// unclassified is the policy of a warning the table does not hold (a results file from
// another version of cis2-golive, say): it blocks, since nobody has said it is harmless.
var unclassified = Policy{Blocking, "cis2-golive does not know this warning, so it blocks until reviewed", ""}

// fixUnclassified is the fix of a blocker for an unclassified warning that says none itself.
const fixUnclassified = "re-run `cis2-golive check` with this version; if it still warns, review the warning and pass --allow-warnings"

// Classify is the policy of one warning id (see WarningIDs), and whether the table holds it.
// An unknown id is Blocking.
func Classify(id string) (Policy, bool) {
	p, ok := warningPolicies[id]
	if !ok {
		return unclassified, false
	}
	return p, true
}

// WarningIDs are the warnings a warned result stands for: for a result that names the rules
// that warned (checks.Result.Rules), its id, "/" and each rule's; otherwise its id alone. Nil
// for a result that did not warn.
func WarningIDs(r checks.Result) []string {
	if r.Status != model.Warn {
		return nil
	}
	rules := r.Warned()
	if len(rules) == 0 {
		return []string{r.ID}
	}
	out := make([]string, len(rules))
	for i, rule := range rules {
		out[i] = r.ID + "/" + rule
	}
	return out
}

// blockingWarnings are the warnings of r that block sending, with their policies.
func blockingWarnings(r checks.Result) (ids []string, ps []Policy) {
	for _, id := range WarningIDs(r) {
		if p, _ := Classify(id); p.Class == Blocking {
			ids, ps = append(ids, id), append(ps, p)
		}
	}
	return ids, ps
}

// ruleOf is the rule part of a warning id, "" for a whole result's.
func ruleOf(id string) string {
	_, rule, _ := strings.Cut(id, "/")
	return rule
}

// advisory reports whether r warned, and none of its warnings blocks: a warning to review.
func advisory(r checks.Result) bool { return r.Status == model.Warn && !blocks(r) }
