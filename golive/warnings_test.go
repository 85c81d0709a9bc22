package golive

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/checks/checkstest"
	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// source is one package's Go source (tests left out), parsed, with its string constants.
type source struct {
	files  []*ast.File
	consts map[string]string // name → value
}

func parseSource(t *testing.T, dir string) source {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := source{consts: map[string]string{}}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		src.files = append(src.files, f)
	}
	for _, f := range src.files {
		ast.Inspect(f, func(n ast.Node) bool {
			if vs, ok := n.(*ast.ValueSpec); ok {
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if v, ok := src.str(vs.Values[i]); ok {
							src.consts[name.Name] = v
						}
					}
				}
			}
			return true
		})
	}
	return src
}

// str is the value of a string literal, a constant of the package, or a sum of those
// ("config." + RuleX).
func (s source) str(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			v, err := strconv.Unquote(e.Value)
			return v, err == nil
		}
	case *ast.Ident:
		v, ok := s.consts[e.Name]
		return v, ok
	case *ast.BinaryExpr:
		a, okA := s.str(e.X)
		b, okB := s.str(e.Y)
		return a + b, okA && okB && e.Op == token.ADD
	}
	return "", false
}

// exported are the values of the package's exported string constants named prefix….
func (s source) exported(prefix string) []string {
	var out []string
	for name, v := range s.consts {
		if strings.HasPrefix(name, prefix) && ast.IsExported(name) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// isFail reports whether e is the severity Fail (model.Fail, or Fail inside model).
func isFail(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "Fail"
	case *ast.SelectorExpr:
		return e.Sel.Name == "Fail"
	}
	return false
}

// isSeverity reports whether e names a severity: Warn or Fail, in model or from it.
func isSeverity(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "Warn" || e.Name == "Fail"
	case *ast.SelectorExpr:
		return e.Sel.Name == "Warn" || e.Sel.Name == "Fail"
	}
	return false
}

// findingRules is every rule a finding type (model.Finding, keys.Problem) is made with in the
// package, and whether it may warn: each composite literal of the type, and each call that
// passes a rule first and a severity after it (model's add("uri.case", Warn, …)). A rule is
// fail-only when every sighting names Fail; a severity held in a variable may be a warning.
func (s source) findingRules(typeName string) map[string]bool {
	fields := s.structFields(typeName)
	mayWarn := map[string]bool{}
	saw := func(rule string, sev ast.Expr) {
		w := sev == nil || !isFail(sev)
		mayWarn[rule] = mayWarn[rule] || w
	}
	for _, f := range s.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); !ok || id.Name != typeName {
					return true
				}
				var rule, sev ast.Expr
				for i, el := range n.Elts {
					name := ""
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						name, el = kv.Key.(*ast.Ident).Name, kv.Value
					} else if i < len(fields) {
						name = fields[i]
					}
					switch name {
					case "Rule":
						rule = el
					case "Severity":
						sev = el
					}
				}
				if r, ok := s.str(rule); ok {
					saw(r, sev)
				}
			case *ast.CallExpr:
				if len(n.Args) < 2 {
					return true
				}
				r, ok := s.str(n.Args[0])
				if !ok {
					return true
				}
				if i := slices.IndexFunc(n.Args[1:], isSeverity); i >= 0 {
					saw(r, n.Args[1+i])
				}
			}
			return true
		})
	}
	return mayWarn
}

// structFields are the field names of a struct type of the package, in order.
func (s source) structFields(typeName string) []string {
	var out []string
	for _, f := range s.files {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name != typeName {
				return true
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				for _, fl := range st.Fields.List {
					for _, name := range fl.Names {
						out = append(out, name.Name)
					}
				}
			}
			return false
		})
	}
	return out
}

// Key rules a live check never reports as a warning, each with why.
var keyRulesNeverLiveWarnings = map[string]string{
	keys.RulePrivateMember: "fails (jwks.public-only)",
	keys.RuleSymmetric:     "fails (jwks.public-only)",
	keys.RuleRSATooSmall:   "fails (jwks.public-only)",
	keys.RuleNoKeys:        "fails",
	keys.RuleInvalidKey:    "fails",
	keys.RuleAlgMismatch:   "fails",
	keys.RuleX5CMismatch:   "fails",
	keys.RuleNoUsableKey:   "fails, and only `keys inspect` reports it",
	keys.RuleNotSelected:   "fails, and only `keys inspect KEY --jwks` reports it",
	keys.RuleNotASet:       "warns only for a local file in `keys inspect`; at a jwks_uri it fails, and jwks.fetch fails first",
}

// Check ids that never warn as a whole: they fail, or warn only through rules (Result.Rules).
var checksNeverWarnAlone = map[string]string{
	checks.IDJWKSPublic:    "its key problems all fail",
	checks.IDJWKSAlgMatch:  "passes or fails",
	checks.IDLintDecoded:   "passes or fails",
	checks.IDLintKID:       "passes or fails",
	checks.IDLintSignature: "passes or fails",
	checks.IDLintJTI:       "passes or fails",
}

// Check rules that only ever fail.
var checkRulesFailOnly = []string{checks.RuleTLSExpired, checks.RuleTLSChain}

// TestEveryWarningClassified: every warning the offline rules, the key problems and the live
// checks can emit is in the classification, read from their source: each rule a model.Finding
// or keys.Problem is made with that is not Fail at every sighting, every key rule constant,
// and every check id and rule constant. A new warning fails here until it is classified, and
// an entry nothing emits any more fails too.
func TestEveryWarningClassified(t *testing.T) {
	mod, ks, cs := parseSource(t, "../model"), parseSource(t, "../keys"), parseSource(t, "../checks")
	table := classified()
	has := func(id string) bool { return slices.Contains(table, id) }
	hasRule := func(rule string) bool {
		return slices.ContainsFunc(table, func(id string) bool { return ruleOf(id) == rule })
	}
	known := map[string]bool{} // every id part and rule part an entry may use

	modelRules := mod.findingRules("Finding")
	if len(modelRules) < 20 || !modelRules[model.RuleNonProduction] || modelRules[model.RuleSecret] {
		t.Fatalf("the model scan found %d rules (%v): it no longer reads validate.go as it is written", len(modelRules), modelRules)
	}
	for rule, mayWarn := range modelRules {
		known["config."+rule] = true
		if mayWarn && !has("config."+rule) {
			t.Errorf("model rule %q can warn but is not classified: add config.%s to warningPolicies", rule, rule)
		}
	}

	keyRules := ks.exported("Rule")
	problemRules := ks.findingRules("Problem")
	if !problemRules[keys.RuleKIDMissing] || problemRules[keys.RulePrivateMember] {
		t.Fatalf("the keys scan misreads analyse.go: %v", problemRules)
	}
	for _, rule := range keyRules {
		known[rule] = true
		why, exempt := keyRulesNeverLiveWarnings[rule]
		switch {
		case exempt && hasRule(rule) && rule != keys.RuleKIDMissing:
			t.Errorf("key rule %q is classified and also listed as never a live warning (%s)", rule, why)
		case !exempt && !hasRule(rule):
			t.Errorf("key rule %q is not classified: add %s/%s to warningPolicies (or say why no live check warns with it)", rule, checks.IDJWKSLint, rule)
		case exempt && problemRules[rule] && !strings.Contains(why, "warns"):
			t.Errorf("key rule %q is listed as failing only (%s), but analyse.go can warn with it", rule, why)
		}
	}

	checkRules := cs.exported("Rule")
	for _, rule := range checkRules {
		known[rule] = true
		if !hasRule(rule) && !slices.Contains(checkRulesFailOnly, rule) {
			t.Errorf("check rule %q is not classified: add <check id>/%s to warningPolicies", rule, rule)
		}
	}
	checkIDs := cs.exported("ID")
	if !slices.Contains(checkIDs, checks.IDJWKSLint) || !slices.Contains(checkIDs, checks.IDLogin) {
		t.Fatalf("the checks scan found ids %v", checkIDs)
	}
	for _, id := range checkIDs {
		known[id] = true
		byRule := slices.ContainsFunc(table, func(e string) bool { return strings.HasPrefix(e, id+"/") })
		if _, never := checksNeverWarnAlone[id]; !never && !has(id) && !byRule {
			t.Errorf("check %q is not classified: add it (or %s/<rule> for each rule it warns with) to warningPolicies", id, id)
		}
	}

	for _, id := range table {
		whole, rule, _ := strings.Cut(id, "/")
		if !known[whole] || (rule != "" && !known[rule]) {
			t.Errorf("warningPolicies has %q, which nothing emits", id)
		}
		p, _ := Classify(id)
		if p.Reason == "" || p.Source == "" {
			t.Errorf("%s has no reason or no source: %+v", id, p)
		}
	}
}

// TestClassification is the classification's own promises: what QA found CIS2 refuses
// blocks, what is worth a look does not, and what nobody classified blocks.
func TestClassification(t *testing.T) {
	for id, want := range map[string]Class{
		"config." + model.RuleNonProduction:                   Blocking,
		"config.userinfo_signed_response_alg":                 Blocking,
		checks.IDJWKSLint + "/" + keys.RuleKIDMissing:         Blocking,
		checks.IDAssertion + "/" + keys.RuleKIDMissing:        Blocking,
		checks.IDCIS2Algs + "/" + checks.RuleAlgNotAdvertised: Blocking,
		checks.IDTLS + "/" + checks.RuleTLSExpiring:           Advisory,
		checks.IDTLS + "/" + checks.RuleTLSSuite:              Advisory,
		checks.IDLogin:                                        Advisory,
		checks.IDJWKSLint + "/" + keys.RuleUse:                Advisory,
		"no.such-warning":                                     Blocking,
		checks.IDJWKSLint:                                     Blocking, // a jwks.lint warning that names no rule
	} {
		if p, _ := Classify(id); p.Class != want {
			t.Errorf("%s is %s, want %s", id, p.Class, want)
		}
	}
}

// jwksProblem is jwks.lint warning with one rule, as the live check reports it.
func jwksProblem(rule string) checks.Result {
	return checks.Result{ID: checks.IDJWKSLint, Target: "jwks_uri", Status: model.Warn, Message: "a key problem", Fix: "fix the key",
		Evidence: map[string]string{"problems": rule}, Rules: []checks.Rule{{ID: rule, Status: model.Warn, Subject: "key[0]"}}}
}

// replaced is rs with each result of the same id and target as one of with replaced by it.
func replaced(rs []checks.Result, with ...checks.Result) []checks.Result {
	out := slices.Clone(rs)
	for _, w := range with {
		i := slices.IndexFunc(out, func(r checks.Result) bool { return r.ID == w.ID && r.Target == w.Target })
		if i < 0 {
			out = append(out, w)
		} else {
			out[i] = w
		}
	}
	return out
}

// TestBlockingWarnings: a whole passing run of a production configuration is not ready with
// one warning of each blocking class, and each blocker says which warning and why; with an
// advisory warning instead it is ready, and the verdict names the warning to review.
func TestBlockingWarnings(t *testing.T) {
	rs512 := prod()
	rs512.UserinfoSignedResponseAlg = "RS512"
	legacy := prod()
	legacy.TokenEndpointAuthMethod, legacy.JWKSURI, legacy.TokenEndpointAuthSigningAlg = model.ClientSecretPost, "", ""
	example := prod()
	example.RedirectURIs = append(example.RedirectURIs, "https://example.com/cb")
	kidless := checks.Result{ID: checks.IDAssertion, Target: "jwks_uri", Status: model.Warn, Message: "no kid", Fix: "give the key a kid",
		Rules: []checks.Rule{{ID: keys.RuleKIDMissing, Status: model.Warn, Subject: "key[0]"}}}
	tests := []struct {
		name    string
		cfg     *model.Config
		results []checks.Result
		want    []string // the blocking warnings' ids
	}{
		{"a JWKS whose only key has no kid", prod(), replaced(livePass, jwksProblem(keys.RuleKIDMissing), kidless),
			[]string{"jwks.lint/kid-missing", "assertion.sign-verify/kid-missing"}},
		{"userinfo signed with an algorithm CIS2 does not offer", rs512, checkstest.PassingRun(rs512),
			[]string{"config.userinfo_signed_response_alg"}},
		{"the same, as cis2.algs sees it in the discovery snapshot", prod(), replaced(livePass, checks.Result{ID: checks.IDCIS2Algs, Target: "discovery",
			Status: model.Warn, Rules: []checks.Rule{{ID: checks.RuleAlgNotAdvertised, Status: model.Warn, Subject: "userinfo_signed_response_alg"}}}),
			[]string{"cis2.algs/not-advertised"}},
		{"a security pattern NHS's go-live pages do not offer", legacy, checkstest.PassingRun(legacy),
			[]string{"config.token_endpoint_auth_method"}},
		{"a placeholder host", example, checkstest.PassingRun(example), []string{"config.uri.host.example"}},
		{"a logout endpoint answering neither 400 nor a refusal", prod(), replaced(livePass, checks.Result{ID: checks.IDBCL, Target: "backchannel_logout_uri",
			Status: model.Warn, Rules: []checks.Rule{{ID: checks.RuleBCLStatus, Status: model.Warn}, {ID: checks.RuleBCLRefused, Status: model.Warn}}}),
			[]string{"bcl.rejects-bogus-token/not-400"}},
		{"a warning nobody classified (another version's results file)", prod(), replaced(livePass, checks.Result{ID: "jwks.future-rule", Target: "jwks_uri",
			Status: model.Warn, Message: "new"}), []string{"jwks.future-rule"}},
		{"a jwks.lint warning that names no rule (an older results file)", prod(), replaced(livePass, checks.Result{ID: checks.IDJWKSLint, Target: "jwks_uri",
			Status: model.Warn, Message: "key key[0] has no kid"}), []string{"jwks.lint"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := Blockers(tt.cfg, nil, tt.results, Done)
			var got []string
			for _, b := range bs {
				if b.Kind != Warning {
					t.Errorf("a blocker of another kind: %+v", b)
					continue
				}
				id := b.ID
				if b.Rule != "" {
					id += "/" + b.Rule
				}
				got = append(got, id)
				if !strings.HasPrefix(b.Message, id+" blocks sending: ") || b.Fix == "" {
					t.Errorf("blocker %+v: want the warning's id, why it blocks, and a fix", b)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("blocking warnings %q, want %q", got, tt.want)
			}
			v, reasons := Verdict(tt.cfg, nil, tt.results, Done)
			line := report.VerdictLine(v, reasons)
			if !strings.HasPrefix(line, "Not ready to send to NHS: ") || !strings.Contains(line, tt.want[0]) ||
				!strings.Contains(line, "block") {
				t.Errorf("verdict line %q", line)
			}
			if ChecklistEvidence(tt.cfg, nil, tt.results, Done).Done {
				t.Error("the checklist ticks a configuration a warning blocks")
			}
		})
	}
}

// TestAdvisoryWarnings: warnings that are worth a look leave the configuration ready, and
// the verdict says how many remain and which.
func TestAdvisoryWarnings(t *testing.T) {
	expiring := checks.Result{ID: checks.IDTLS, Target: "jwks_uri", Status: model.Warn, Message: "the certificate expires in 25 days",
		Rules: []checks.Rule{{ID: checks.RuleTLSExpiring, Status: model.Warn}}}
	noPKCE := checks.Result{ID: checks.IDLogin, Target: "authorize?code_challenge", Status: model.Warn, Message: "no PKCE code_challenge"}
	rs := replaced(livePass, expiring, noPKCE, jwksProblem(keys.RuleUse))
	if bs := Blockers(prod(), nil, rs, Done); len(bs) != 0 {
		t.Fatalf("advisory warnings block: %+v", bs)
	}
	v, reasons := Verdict(prod(), nil, rs, Done)
	want := "Ready to send to NHS, with 3 warnings to review: uri.tls/cert-expiring on jwks_uri, jwks.lint/use-not-sig on jwks_uri, login.authorize-request on authorize?code_challenge"
	if got := report.VerdictLine(v, reasons); got != want {
		t.Errorf("verdict line\n got %q\nwant %q", got, want)
	}
	if got := report.VerdictLine(Verdict(prod(), nil, livePass, Done)); got != report.ReadyLine(false) {
		t.Errorf("no warnings: %q", got)
	}
	// A results file's warnings on values the configuration no longer has are not this
	// configuration's: the offline rules run afresh.
	if ws := ToReview(prod(), nil, append(slices.Clone(livePass), checks.Result{ID: "config.contact_email", Target: "contact_email",
		Status: model.Warn, Evidence: map[string]string{"value": "old"}})); len(ws) != 0 {
		t.Errorf("stale offline warning to review: %+v", ws)
	}
}

// TestCutByTheTimeLimit: a check the run's time limit cut is unverified, not failed: the
// override that applies is --allow-unverified's, never --allow-failures'.
func TestCutByTheTimeLimit(t *testing.T) {
	cut := checks.Result{ID: checks.IDTLS, Target: "jwks_uri", Status: model.Skip,
		Message:  "not finished: the run's time limit of 20s was reached",
		Evidence: map[string]string{checks.EvidenceUnfinished: checks.UnfinishedTimeLimit}}
	bs := Blockers(prod(), nil, replaced(livePass, cut), Done)
	if !slices.Equal(kinds(bs), []Kind{Unverified}) {
		t.Fatalf("blockers %+v, want one unverified", bs)
	}
	if got := Shorts(Reasons(bs)); !slices.Equal(got, []string{"1 live check did not finish (interrupted, or out of time)"}) {
		t.Errorf("reasons %q", got)
	}
}

// TestREADMEListsTheBlockingWarnings: the README's table of the warnings that block is the
// classification's, neither more nor fewer.
func TestREADMEListsTheBlockingWarnings(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "**Which warnings block.**")
	if !ok {
		t.Fatal("README has no \"Which warnings block\" section")
	}
	var listed []string
	inTable := false
	for line := range strings.SplitSeq(section, "\n") {
		switch {
		case strings.HasPrefix(line, "| warning |"):
			inTable = true
		case inTable && strings.HasPrefix(line, "|---"):
		case inTable && strings.HasPrefix(line, "| "):
			first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " |")
			for _, part := range strings.Split(first, ", ") {
				listed = append(listed, strings.Trim(part, "`"))
			}
		case inTable:
			inTable = false
		}
		if !inTable && len(listed) > 0 {
			break
		}
	}
	var blocking []string
	for _, id := range classified() {
		if p, _ := Classify(id); p.Class == Blocking {
			blocking = append(blocking, id)
		}
	}
	slices.Sort(listed)
	if !slices.Equal(listed, blocking) {
		t.Errorf("README lists %q as blocking, the classification %q", listed, blocking)
	}
}

// classified lists every warning id the table holds, sorted.
func classified() []string {
	return slices.Sorted(maps.Keys(warningPolicies))
}
