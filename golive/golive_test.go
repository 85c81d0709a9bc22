package golive

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/checks/checkstest"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// prod is a production configuration every offline rule passes (examples/production.yaml).
func prod() *model.Config {
	return &model.Config{
		Environment: model.Production, Organisation: "Acme Health Ltd", Product: "Acme EPR",
		ContactEmail:                "cis2-golive@acme-health.co.uk",
		RedirectURIs:                []string{"https://epr.acme-health.co.uk/auth/cis2/callback", "https://admin.acme-health.co.uk/auth/cis2/callback"},
		BackchannelLogoutURI:        "https://epr.acme-health.co.uk/auth/cis2/backchannel-logout",
		TokenEndpointAuthMethod:     model.PrivateKeyJWT,
		JWKSURI:                     "https://epr.acme-health.co.uk/.well-known/jwks.json",
		TokenEndpointAuthSigningAlg: "RS512",
	}
}

// intOf is cfg as INT had it: every URI on the INT domain.
func intOf(cfg *model.Config, domain string) *model.Config {
	in := cfg.Clone()
	in.Environment = model.Integration
	swap := func(u string) string { return strings.Replace(u, "acme-health.co.uk", domain, 1) }
	for i := range in.RedirectURIs {
		in.RedirectURIs[i] = swap(in.RedirectURIs[i])
	}
	in.BackchannelLogoutURI, in.JWKSURI = swap(in.BackchannelLogoutURI), swap(in.JWKSURI)
	return &in
}

// liveOf is the live results of rs.
func liveOf(rs []checks.Result) []checks.Result {
	return slices.DeleteFunc(slices.Clone(rs), isOffline)
}

// withRedirect is cfg with one more redirect URI.
func withRedirect(cfg *model.Config, uri string) *model.Config {
	c := cfg.Clone()
	c.RedirectURIs = append(c.RedirectURIs, uri)
	return &c
}

// withResult is rs with r in place of its result of the same id and target.
func withResult(rs []checks.Result, r checks.Result) []checks.Result {
	out := slices.Clone(rs)
	for i := range out {
		if out[i].ID == r.ID && out[i].Target == r.Target {
			r.Evidence = out[i].Evidence
			out[i] = r
		}
	}
	return out
}

// livePass is a whole passing run of prod().
var livePass = checkstest.PassingRun(prod())

func kinds(bs []Blocker) []Kind {
	var out []Kind
	for _, b := range bs {
		out = append(out, b.Kind)
	}
	return out
}

func TestBlockers(t *testing.T) {
	onINTHost := func() *model.Config {
		c := prod()
		c.JWKSURI = "https://epr.acme-int.co.uk/.well-known/jwks.json"
		return c
	}
	integration := prod()
	integration.Environment = model.Integration
	tests := []struct {
		name    string
		cfg     *model.Config
		in      *model.Config
		results []checks.Result
		live    Live
		want    []Kind
		id      string // the id of the first blocker, when there is one
	}{
		{"ready", prod(), nil, livePass, Done, nil, ""},
		{"a warning that does not block", prod(), nil,
			append(slices.Clone(livePass), checks.Result{ID: checks.IDBCL, Target: "backchannel_logout_uri", Status: model.Warn, Message: "inconclusive",
				Rules: []checks.Rule{{ID: checks.RuleBCLRefused, Status: model.Warn}}}), Done, nil, ""},
		{"offline rules only", prod(), nil, nil, NotRun, []Kind{Unverified}, IDLiveChecks},
		// The JWKS alone does not show the application's key is the one published.
		{"no key to sign an assertion with", prod(), nil, withResult(livePass, checks.Result{ID: checks.IDAssertion, Target: "jwks_uri",
			Status: model.Skip, Message: "no private key given; run …"}), Done, []Kind{Unverified}, checks.IDAssertion},
		// A sign-verify skipped because the JWKS failed: that failure is the one blocker.
		{"the JWKS refused, sign-verify skipped for it", prod(), nil, withResult(withResult(livePass,
			checks.Result{ID: checks.IDJWKSPublic, Target: "jwks_uri", Status: model.Fail, Message: "private key", Fix: "remove it"}),
			checks.Result{ID: checks.IDAssertion, Target: "jwks_uri", Status: model.Skip, Message: "the JWKS would be refused: see jwks.public-only"}),
			Done, []Kind{Failed}, checks.IDJWKSPublic},
		{"live checks still running", prod(), nil, nil, Running, []Kind{Unverified}, IDLiveChecks},
		{"a live check failed", prod(), nil,
			append(slices.Clone(livePass), checks.Result{ID: checks.IDJWKSPublic, Target: "jwks_uri", Status: model.Fail, Message: "private key", Fix: "remove it"}), Done, []Kind{Failed}, checks.IDJWKSPublic},
		{"interrupted", prod(), nil,
			append(slices.Clone(livePass), checks.Result{ID: checks.IDTLS, Target: "jwks_uri", Status: model.Skip, Message: "cancelled"}), Done, []Kind{Unverified}, IDLiveChecks},
		{"JWKS on an INT-named host", onINTHost(), nil, checkstest.PassingRun(onINTHost()), Done, []Kind{NonProduction}, "config.uri.non-production"},
		{"JWKS on INT's own host", onINTHost(), intOf(prod(), "acme-int.co.uk"), checkstest.PassingRun(onINTHost()), Done, []Kind{Failed}, "config.uri.non-production"},
		{"not for production", integration, nil, checkstest.PassingRun(integration), Done, []Kind{Failed}, IDEnvironment},
		// A results file's offline results are replaced: a file made without --int, or
		// edited to say pass, cannot hide the INT host.
		{"results file says the offline rules passed", onINTHost(), intOf(prod(), "acme-int.co.uk"),
			append(checkstest.PassingRun(onINTHost()), checks.Result{ID: "config.uri.non-production", Target: "jwks_uri", Status: model.Pass}), Done, []Kind{Failed}, "config.uri.non-production"},
		// A failure a results file records stays, even when this run's rules do not repeat
		// it: the file was made with --int, the submission without.
		{"results file made with --int, read without", onINTHost(), nil,
			append(checks.OfflineAgainstINT(onINTHost(), intOf(prod(), "acme-int.co.uk"), nil), liveOf(checkstest.PassingRun(onINTHost()))...), Done,
			[]Kind{Failed}, "config.uri.non-production"},
		// Results of another version of the configuration vouch for nothing they did not test.
		{"a redirect URI added since the run", withRedirect(prod(), "https://new.acme-health.co.uk/cb"), nil, livePass, Done,
			[]Kind{Unverified}, IDLiveChecks},
		{"the JWKS URI moved since the run", func() *model.Config {
			c := prod()
			c.JWKSURI = "https://keys.acme-health.co.uk/jwks.json"
			return c
		}(), nil, livePass, Done, []Kind{Unverified}, IDLiveChecks},
		{"the algorithm changed since the run", func() *model.Config {
			c := prod()
			c.TokenEndpointAuthSigningAlg = "RS256"
			return c
		}(), nil, livePass, Done, []Kind{Unverified}, IDLiveChecks},
		// The live checks judged the client id (the login probe, the signed assertion, the
		// token probe) and the environment (CIS2's endpoints, issuer and lists) they ran with.
		{"the client id changed since the run", func() *model.Config {
			c := prod()
			c.ClientID = "999999999999.apps.supplier"
			return c
		}(), nil, func() []checks.Result {
			c := prod()
			c.ClientID = "123456789012.apps.supplier"
			return checkstest.PassingRun(c)
		}(), Done, []Kind{Unverified}, IDLiveChecks},
		{"a client id added since the run", func() *model.Config {
			c := prod()
			c.ClientID = "123456789012.apps.supplier"
			return c
		}(), nil, livePass, Done, []Kind{Unverified}, IDLiveChecks},
		{"the environment changed since the run", prod(), nil, checkstest.PassingRun(integration), Done, []Kind{Unverified}, IDLiveChecks},
		{"live results of other endpoints, offline results edited out", prod(), nil,
			liveOf(checkstest.PassingRun(withRedirect(&model.Config{Environment: model.Production, RedirectURIs: []string{"https://rp.example.org/cb"},
				BackchannelLogoutURI: "https://rp.example.org/bcl", TokenEndpointAuthMethod: model.PrivateKeyJWT,
				JWKSURI: "https://rp.example.org/jwks", TokenEndpointAuthSigningAlg: "RS512"}, "https://rp.example.org/cb2"))), Done,
			[]Kind{Unverified}, IDLiveChecks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := Blockers(tt.cfg, tt.in, tt.results, tt.live)
			if !slices.Equal(kinds(bs), tt.want) {
				t.Fatalf("blockers %+v, want kinds %v", bs, tt.want)
			}
			if len(bs) > 0 && (bs[0].ID != tt.id || bs[0].Message == "" || bs[0].Fix == "") {
				t.Errorf("first blocker %+v, want id %s with a message and a fix", bs[0], tt.id)
			}
		})
	}
}

func TestReasons(t *testing.T) {
	integration := prod()
	integration.Environment = model.Integration
	integration.RedirectURIs[0] = "http://epr.acme-health.co.uk/cb" // fine in integration
	integration.JWKSURI = "https://keys.uat.acme-health.co.uk/jwks.json"
	fails := []checks.Result{
		{ID: checks.IDJWKSPublic, Target: "jwks_uri", Status: model.Fail},
		{ID: checks.IDBCL, Target: "backchannel_logout_uri", Status: model.Fail},
	}
	rs := Reasons(Blockers(integration, nil, fails, NotRun))
	got := Shorts(rs)
	want := []string{"the configuration is for integration, not production", "2 checks failed", "the live checks did not run"}
	if !slices.Equal(got, want) {
		t.Fatalf("Reasons = %q, want %q", got, want)
	}
	for _, r := range rs {
		if r.Why == "" {
			t.Errorf("%q has no why", r.Short)
		}
	}
	// One value on a non-production host is named; several are counted.
	c := prod()
	c.JWKSURI = "https://epr.acme-int.co.uk/jwks.json"
	if got := Shorts(Reasons(Blockers(c, nil, checkstest.PassingRun(c), Done))); len(got) != 1 || !strings.HasPrefix(got[0], "jwks_uri: production still points at a non-production host (epr.acme-int.co.uk)") {
		t.Errorf("one host: %q", got)
	}
	c.BackchannelLogoutURI = "https://epr.acme-int.co.uk/bcl"
	if got := Shorts(Reasons(Blockers(c, nil, checkstest.PassingRun(c), Done))); !slices.Equal(got, []string{"2 values are still on non-production hosts"}) {
		t.Errorf("two hosts: %q", got)
	}
}

func TestLiveIn(t *testing.T) {
	if LiveIn(checks.Offline(prod(), nil)) != NotRun || LiveIn(nil) != NotRun || LiveIn(livePass) != Done {
		t.Error("LiveIn misreads which results are live")
	}
}

// TestChecklistEvidence: the checklist's own item is ticked by the same rule as the
// submission, never by the offline rules alone or a person.
func TestChecklistEvidence(t *testing.T) {
	offlineOnly := checks.Offline(prod(), nil)
	withLive := livePass
	liveFail := append(slices.Clone(offlineOnly), checks.Result{ID: checks.IDBCL, Status: model.Fail})
	integration := &model.Config{Environment: model.Integration}
	tests := []struct {
		name    string
		cfg     *model.Config
		results []checks.Result
		want    bool
		evid    string
	}{
		{"no evidence", nil, nil, false, "no check results"},
		{"a results file alone, passing", nil, withLive, true, "29 passed · 0 warnings · 0 failed"},
		{"a results file of offline rules only", nil, offlineOnly, false, "7 passed · 0 warnings · 0 failed · 0 skipped; not ready: the live checks did not run"},
		{"the config alone", prod(), nil, false, "7 passed · 0 warnings · 0 failed · 0 skipped; not ready: the live checks did not run"},
		{"the config with live results", prod(), withLive, true, "29 passed"},
		{"the config with the live results of an earlier version", withRedirect(prod(), "https://new.acme-health.co.uk/cb"), withLive, false,
			"not ready: the check results are not of this configuration"},
		{"a live check failed", nil, liveFail, false, "1 failed"},
		{"the offline rules run on the config", &model.Config{Environment: model.Production, RedirectURIs: []string{"http://localhost/cb"}}, livePass, false, "checks failed"},
		{"an integration config never counts", integration, withLive, false, "not production"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := ChecklistEvidence(tt.cfg, nil, tt.results, LiveIn(tt.results))
			if ev.Done != tt.want || !strings.Contains(ev.Text, tt.evid) {
				t.Errorf("got %+v, want done=%v evidence containing %q", ev, tt.want, tt.evid)
			}
			it := report.NewChecklist(tt.cfg, ev, map[string]bool{report.ItemConfigChecked: true}, time.Time{})
			for _, item := range it.Items {
				if item.ID == report.ItemConfigChecked && item.Done != tt.want {
					t.Errorf("a tick by hand changed the verdict: %+v", item)
				}
			}
		})
	}
}

func TestSecretInResults(t *testing.T) {
	bad := []checks.Result{{ID: "jwks.fetch", Target: "jwks_uri", Evidence: map[string]string{"body": `{"keys":[{"d":"c2VjcmV0"}]}`}}}
	err := SecretInResults(bad)
	if err == nil || !strings.Contains(err.Error(), "jwks.fetch") || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("got %v, want a refusal naming the result, not the value", err)
	}
	if err := SecretInResults(livePass); err != nil {
		t.Errorf("clean results refused: %v", err)
	}
}

func TestStaleEvidence(t *testing.T) {
	cfg := prod()
	rs := checks.Offline(cfg, nil)
	if s := StaleEvidence(cfg, rs); len(s) != 0 {
		t.Errorf("fresh results reported stale: %v", s)
	}
	changed := cfg.Clone()
	changed.JWKSURI = "https://keys.acme-health.co.uk/jwks.json"
	changed.RedirectURIs = changed.RedirectURIs[:1]
	s := StaleEvidence(&changed, rs)
	if len(s) != 2 || !strings.Contains(strings.Join(s, "\n"), "jwks_uri") || !strings.Contains(strings.Join(s, "\n"), "redirect_uris[1]") {
		t.Errorf("StaleEvidence = %v, want jwks_uri and redirect_uris[1]", s)
	}
}

var generated = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// TestBuildCarriesTheVerdict: the files say what Blockers says, and the evidence is the
// offline rules run afresh against INT plus the live results.
func TestBuildCarriesTheVerdict(t *testing.T) {
	c := prod()
	c.JWKSURI = "https://epr.acme-int.co.uk/.well-known/jwks.json"
	files, bs, err := Build(Submission{Config: c, INT: intOf(prod(), "acme-int.co.uk"), Results: checkstest.PassingRun(c), Live: Done,
		Source: "cis2-golive check results: r.json", Generated: generated, Version: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Name != JSONFile || files[1].Name != MarkdownFile {
		t.Fatalf("files %v", files)
	}
	if len(bs) != 1 || bs[0].Kind != Failed || bs[0].Target != "jwks_uri" {
		t.Fatalf("blockers %+v", bs)
	}
	var sub struct {
		Status   string           `json:"status"`
		Blockers []report.Blocker `json:"blockers"`
		Checks   struct {
			Live     bool            `json:"live"`
			Findings []checks.Result `json:"findings"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(files[0].Data, &sub); err != nil {
		t.Fatal(err)
	}
	if sub.Status != report.StatusNotReady || len(sub.Blockers) != 1 || sub.Blockers[0].ID != "config.uri.non-production" ||
		!sub.Checks.Live || len(sub.Checks.Findings) != 1 || sub.Checks.Findings[0].Status != model.Fail {
		t.Errorf("submission JSON: %s", files[0].Data)
	}
	if !strings.Contains(string(files[1].Data), "**Status: NOT READY.**") {
		t.Errorf("Markdown does not say it is not ready:\n%s", files[1].Data)
	}

	// The wizard's set: the checklist and the answers too.
	cl := report.NewChecklist(prod(), ChecklistEvidence(prod(), nil, livePass, Done), nil, time.Time{})
	files, bs, err = Build(Submission{Config: prod(), Results: livePass, Live: Done, Generated: generated, Version: "dev", Checklist: &cl})
	if err != nil || len(bs) != 0 {
		t.Fatalf("ready build: %v %+v", err, bs)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{JSONFile, MarkdownFile, ChecklistFile, ConfigFile}) {
		t.Errorf("wizard files %v", names)
	}
	if !strings.Contains(string(files[0].Data), `"status": "ready"`) {
		t.Errorf("ready JSON: %s", files[0].Data)
	}
}

// TestBuildRefusesSecrets: no override, and no path through Build, writes a secret.
func TestBuildRefusesSecrets(t *testing.T) {
	c := prod()
	c.BackchannelLogoutURI = "https://epr.acme-health.co.uk/bcl?client_secret=abc"
	if _, _, err := Build(Submission{Config: c, Live: Done}); err == nil || strings.Contains(err.Error(), "abc") ||
		!strings.Contains(err.Error(), "backchannel_logout_uri") {
		t.Errorf("secret in the config: %v", err)
	}
	bad := []checks.Result{{ID: "jwks.fetch", Evidence: map[string]string{"body": "-----BEGIN PRIVATE KEY-----"}}}
	if _, _, err := Build(Submission{Config: prod(), Results: bad, Live: Done}); err == nil {
		t.Error("secret in the results: written")
	}
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	files := []report.File{{Name: "a.json", Data: []byte("new")}, {Name: "b.md", Data: []byte("new")}}
	paths, err := Write(dir, files, false)
	if err != nil || len(paths) != 2 {
		t.Fatalf("first write: %v %v", paths, err)
	}
	if err := os.WriteFile(paths[1], []byte("my notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	files[0].Data = []byte("newer")
	_, err = Write(dir, files, false)
	var exists *ExistsError
	if !errors.As(err, &exists) || exists.Path != paths[0] {
		t.Fatalf("second write: %v, want ExistsError for %s", err, paths[0])
	}
	if data, _ := os.ReadFile(paths[0]); string(data) != "new" {
		t.Errorf("a refused write changed %s: %q", paths[0], data)
	}
	if _, err := Write(dir, files, true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(paths[0]); string(data) != "newer" {
		t.Errorf("replace: %q", data)
	}
}
