package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/checks/checkstest"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
)

// passingRun is a whole live run of cfg in which every check passes at once.
func passingRun(cfg *model.Config) []checks.Check {
	var list []checks.Check
	for _, r := range checkstest.PassingLive(cfg) {
		list = append(list, checks.Check{ID: r.ID, Target: r.Target, Run: func(context.Context) checks.Result { return r }})
	}
	return list
}

// failingPlan is a live plan whose checks give the given statuses, then a whole passing run of
// the answers, for screens that only show results.
func failingPlan(statuses ...model.Severity) func(*model.Config, string) []checks.Check {
	return func(cfg *model.Config, _ string) []checks.Check {
		list := passingRun(cfg)
		for i, st := range statuses {
			r := checks.Result{ID: "live.check" + string(rune('a'+i)), Target: "jwks_uri", Status: st,
				Message: "message " + string(st), Fix: "fix " + string(st)}
			list = append(list, checks.Check{ID: r.ID, Target: r.Target, Run: func(context.Context) checks.Result { return r }})
		}
		return list
	}
}

// TestWriteAskedWhenChecksFailed: "Write files and finish" with failed checks asks first;
// the default (enter) and n write nothing, y writes and the submission says so.
func TestWriteAskedWhenChecksFailed(t *testing.T) {
	out := t.TempDir()
	h := newHarness(t, Options{Config: filled(), OutDir: out, Plan: failingPlan(model.Fail, model.Pass, model.Fail)})
	h.send(gotoMsg{to: stateChecks})
	h.r.hasReturn = false // go on to the checklist, not back
	h.wantView("2 failed")
	h.keys("enter")
	h.wantState(stateChecklist)
	for range 20 {
		h.keys("down")
	}
	h.keys("enter")
	h.wantView("2 checks failed: NHS would deploy a configuration that does not work. Write",
		"the files anyway?", "y write anyway · n (default) go back")
	fits(t, h.view(), 80, 24)
	for _, no := range []string{"enter", "n", "esc"} {
		h.keys(no)
		h.wantState(stateChecklist)
		h.wantView("files not written")
		if h.r.Finished() {
			t.Fatalf("%s wrote the files", no)
		}
		h.keys("enter")
		h.wantView("the files anyway?")
	}
	if _, err := os.Stat(filepath.Join(out, report.SubmissionJSONFile)); err == nil {
		t.Fatal("submission written before yes")
	}
	h.keys("y")
	if !h.r.Finished() {
		t.Fatalf("y did not write:\n%s", h.view())
	}
	if !reflect.DeepEqual(h.r.s.despite, []string{"2 checks failed"}) {
		t.Fatalf("despite %q", h.r.s.despite)
	}
	js, err := os.ReadFile(filepath.Join(out, report.SubmissionJSONFile))
	if err != nil || !strings.Contains(string(js), `"status": "not-ready"`) || !strings.Contains(string(js), `"id": "live.checka"`) {
		t.Fatalf("submission not marked: %v\n%s", err, js)
	}
	res := &Result{Written: h.r.s.written, Unresolved: h.r.s.despite}
	if res.Ready() {
		t.Fatal("a submission written over failures reads as ready")
	}
}

// TestWriteNotAskedWhenAllPassed: advisory warnings are not failures; nothing to ask, ready.
func TestWriteNotAskedWhenAllPassed(t *testing.T) {
	out := t.TempDir()
	skew := checks.Result{ID: checks.IDClock, Target: "this machine", Status: model.Warn, Message: "20s out", Fix: "use NTP"}
	plan := func(cfg *model.Config, k string) []checks.Check {
		return append(failingPlan(model.Pass)(cfg, k), checks.Check{ID: skew.ID, Target: skew.Target, Run: func(context.Context) checks.Result { return skew }})
	}
	h := newHarness(t, Options{Config: filled(), OutDir: out, Plan: plan})
	h.send(gotoMsg{to: stateChecks})
	h.r.hasReturn = false // go on to the checklist, not back
	h.keys("enter")
	for range 20 {
		h.keys("down")
	}
	h.keys("enter")
	if !h.r.Finished() {
		t.Fatalf("not written:\n%s", h.view())
	}
	if res := (&Result{Written: h.r.s.written, Unresolved: h.r.s.despite}); !res.Ready() {
		t.Fatalf("not ready: %+v", res)
	}
}

// TestAccessibleRedirectURIs: one URI per prompt until an empty answer; a value with a space
// inside, an invalid one and a duplicate are each refused with a reason, and asked again.
func TestAccessibleRedirectURIs(t *testing.T) {
	answers := strings.Join([]string{
		"Acme Health Ltd", "Acme EPR", "ops@acme-health.co.uk", "",
		"https://epr.acme-health.co.uk/cb https://admin.acme-health.co.uk/cb", // two on one line
		"https://epr.acme-health.co.uk/cb",
		"http://admin.acme-health.co.uk/cb", // http in production
		"https://epr.acme-health.co.uk/cb",  // duplicate
		"https://admin.acme-health.co.uk/cb",
		"", // done
		"https://epr.acme-health.co.uk/logout", "2", "1",
		"", "", "0", "y", // review: run the checks; not submitted; no ticks; write anyway
	}, "\n") + "\n"
	var out bytes.Buffer
	dir := t.TempDir()
	res, err := RunAccessible(context.Background(), Options{OutDir: dir, Now: fixedNow}, strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := []string{"https://epr.acme-health.co.uk/cb", "https://admin.acme-health.co.uk/cb"}
	if !reflect.DeepEqual(res.Config.RedirectURIs, want) {
		t.Fatalf("redirect URIs %q\n%s", res.Config.RedirectURIs, out.String())
	}
	for _, s := range []string{"Redirect URI 1", "the URI contains a space; CIS2 compares URIs exactly",
		"Redirect URI 2 (empty to finish)", "not allowed", "already in the list as URI 1", "Redirect URI 3 (empty to finish)"} {
		if !strings.Contains(said(out.String()), s) {
			t.Errorf("output lacks %q", s)
		}
	}
	if t.Failed() {
		t.Log(out.String())
	}
}

// TestAccessibleKeepsAndRemovesPrefilled: enter keeps a prefilled answer (and says what it
// is), "-" removes a prefilled redirect URI.
func TestAccessibleKeepsAndRemovesPrefilled(t *testing.T) {
	answers := strings.Join([]string{
		"", "", "", "", // organisation…client id kept
		"-", "", "", // first URI removed, second kept, done
		"", "", "", "", "", "", "", // logout, security, JWKS, alg, signing key, key path, userinfo kept
		"", "", "0", "y", // review: run the checks; not submitted; no ticks; write anyway
	}, "\n") + "\n"
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), Options{Config: filled(), OutDir: t.TempDir(), Now: fixedNow},
		strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := *filled()
	want.RedirectURIs = want.RedirectURIs[1:]
	want.TokenEndpointAuthSigningAlg = "RS512"
	if !reflect.DeepEqual(res.Config, want) {
		t.Fatalf("config\n got %+v\nwant %+v\n%s", res.Config, want, out.String())
	}
	for _, s := range []string{"Organisation (enter keeps Acme Health Ltd)",
		"Redirect URI 1 is https://epr.acme-health.co.uk/cb (enter keeps it, - removes it)",
		"Redirect URI 1 is https://admin.acme-health.co.uk/cb (enter keeps it, - removes it)"} {
		if !strings.Contains(said(out.String()), s) {
			t.Errorf("output lacks %q\n%s", s, out.String())
		}
	}
}

// TestRedirectListNumbersFromOne: findings in the list name URIs as the list numbers them; a
// paste splits at white space (a URI holds none) and says which URIs it did not add twice; a
// typed line holding two URIs is marked (model rule uri.space) and blocks adding.
func TestRedirectListNumbersFromOne(t *testing.T) {
	h := newHarness(t, Options{})
	walkToRedirects(h)
	h.paste("https://epr.acme-health.co.uk/cb\nhttps://a.acme-health.co.uk/cb\nhttps://epr.acme-health.co.uk/cb\nhttps://b.acme-health.co.uk/x https://c.acme-health.co.uk/y")
	h.wantView("pasted 4 URIs; 1 was already in the list (URI 1), not added again", "4 ✓ https://c.acme-health.co.uk/y")
	h.r.c.cfg.RedirectURIs = append(h.r.c.cfg.RedirectURIs, "https://epr.acme-health.co.uk/cb") // a draft may hold one
	h.send(gotoMsg{to: stateRedirects})
	h.wantView("duplicate of redirect URI 1")
	if strings.Contains(h.view(), "redirect_uris[") {
		t.Fatalf("zero-based field names on screen:\n%s", h.view())
	}
	h.keys("pgdown")
	h.wantState(stateRedirects)
	h.wantView("Redirect URI 5: duplicate of redirect URI 1")
	h.typ("https://d.acme-health.co.uk/cb https://e.acme-health.co.uk/cb")
	h.keys("enter")
	h.wantView("✗ the URI contains a space")
}

// longPlan is 16 passes with a failure and a warning at the end, whose message and fix are
// too long for one row, as with `demo --fault bcl-accepts-all`.
func longPlan(*model.Config, string) []checks.Check {
	var rs []checks.Result
	for i := range 16 {
		rs = append(rs, checks.Result{ID: "live.pass", Target: "redirect_uris[" + string(rune('0'+i%10)) + "]", Status: model.Pass, Message: "fine"})
	}
	rs = append(rs,
		checks.Result{ID: "bcl.rejects-bogus-token", Target: "backchannel_logout_uri", Status: model.Fail,
			Message: "answered 200 to a logout token signed by a key it cannot know: it accepts any token, so anyone can log your users out; the end of this message must still be visible",
			Fix:     "verify the logout token's signature against CIS2's JWKS and answer 400 to a token that fails; the end of this fix must still be visible too"},
		checks.Result{ID: "uri.tls", Target: "jwks_uri", Status: model.Warn,
			Message: "cipher suite outside NHS's list", Fix: "offer the NHS cipher suites; WARNFIX-END"})
	list := make([]checks.Check, len(rs))
	for i, r := range rs {
		list[i] = checks.Check{ID: r.ID, Target: r.Target, Run: func(context.Context) checks.Result { return r }}
	}
	return list
}

// TestChecksScreenFailuresFirst: at 80x24 the failure and the warning head the list, the
// selection starts on the failure, and the detail shows its whole message and fix with one
// indent; moving never leaves half an item at the top of the list.
func TestChecksScreenFailuresFirst(t *testing.T) {
	cfg := filled()
	h := newHarness(t, Options{Config: cfg, Plan: longPlan})
	h.send(gotoMsg{to: stateChecks})
	v := h.view()
	fits(t, v, 80, 24)
	rows := strings.Split(v, "\n")
	first := -1
	for n, l := range rows {
		if strings.Contains(l, " pass ") || strings.Contains(l, "FAIL") || strings.Contains(l, " warn ") {
			first = n
			break
		}
	}
	if first < 0 || !strings.Contains(rows[first], "▸ ✗ FAIL bcl.rejects-bogus-token") ||
		!strings.Contains(rows[first+2], "! warn uri.tls") {
		t.Fatalf("failure then warning should head the list, selected:\n%s", v)
	}
	h.wantView("message must still be visible", "    fix: verify the logout", "         400 to a token that fails; the end of this fix must still be", "         visible too")
	for _, l := range rows {
		if strings.HasPrefix(strings.TrimSpace(l), "fix:") && !strings.HasPrefix(l, "             fix:") && !strings.HasPrefix(l, "    fix:") {
			t.Errorf("fix line with another indent: %q", l)
		}
	}
	// Down to the warning, then far down and back: every visible fix line has its row above.
	h.keys("down")
	h.wantView("WARNFIX-END")
	for range 10 {
		h.keys("down")
	}
	for range 9 {
		h.keys("up")
		rows := strings.Split(h.view(), "\n")
		for n, l := range rows {
			if strings.HasPrefix(l, "             fix:") && !strings.Contains(rows[n-1], "FAIL") && !strings.Contains(rows[n-1], "warn") {
				t.Fatalf("a fix without its row:\n%s", h.view())
			}
		}
		fits(t, h.view(), 80, 24)
	}
}

// TestReviewShowsSelectedInFullAndINTHosts: at 80x24 with INT beside production, the
// selected row's whole values show below the table, production URIs still on an INT host are
// marked, and the headline does not claim there is nothing to look at.
func TestReviewShowsSelectedInFullAndINTHosts(t *testing.T) {
	long := "/auth/cis2/callback/with/a/rather/long/path/that/is/cut/in/the/table"
	in := &model.Config{
		Environment: model.Integration, Organisation: "Acme Health Ltd", Product: "Acme EPR",
		ContactEmail:         "ops@acme-health.co.uk",
		RedirectURIs:         []string{"https://epr.acme-int.co.uk" + long},
		BackchannelLogoutURI: "https://epr.acme-int.co.uk/logout", TokenEndpointAuthMethod: model.ClientSecretBasic,
	}
	h := newHarness(t, Options{INT: in}) // production prefilled from INT: still on INT hosts
	h.send(gotoMsg{to: stateReview})
	v := h.view()
	fits(t, v, 80, 24)
	if strings.Contains(v, "no problems") {
		t.Fatalf("claims no problems with INT hosts in production:\n%s", v)
	}
	// On the hosts the INT file uses: failures, marked without colour too.
	h.wantView("2 values still on INT/test hosts", "Redirect URI 1      ✗ https://epr.acme-int.", "✗ to fix")

	for !strings.Contains(h.view(), "▸ Redirect URI 1") {
		h.keys("up")
	}
	v = h.view()
	fits(t, v, 80, 24)
	// Both columns hold the whole URI, wrapped: nothing is cut.
	if strings.Contains(v, "…") || strings.Count(v, "table") != 2 {
		t.Fatalf("a value is cut:\n%s", v)
	}
}

// TestResultsOfEarlierAnswersDoNotCount: a redirect URI added after a run that passed is
// untested: the checklist does not tick, and writing asks first, until the checks run again.
func TestResultsOfEarlierAnswersDoNotCount(t *testing.T) {
	out := t.TempDir()
	h := newHarness(t, Options{Config: filled(), OutDir: out, Plan: func(cfg *model.Config, _ string) []checks.Check { return passingRun(cfg) }})
	h.send(gotoMsg{to: stateChecks})
	h.wantView("Ready to send to NHS: nothing blocks it")
	h.send(gotoMsg{to: stateRedirects})
	h.paste("https://never-checked.acme-health.co.uk/cb")
	h.keys("enter")
	h.wantView("3 ✓ https://never-checked.acme-health.co.uk/cb")
	h.send(gotoMsg{to: stateChecklist}) // before the checks have run again
	h.wantWrapped("[ ] Production configuration passes cis2-golive checks", "the check results are not of this configuration")
	for range 20 {
		h.keys("down")
	}
	h.keys("enter")
	h.wantWrapped("The check results are not of this configuration", "Write the files anyway?")
	if h.r.Finished() {
		t.Fatal("written without asking")
	}
	// Run again, the new URI is tested: ready.
	h.keys("n")
	h.send(gotoMsg{to: stateChecks})
	h.wantView("Ready to send to NHS: nothing blocks it")
}
