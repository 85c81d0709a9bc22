package golive

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/checks/checkstest"
)

// allowedOn is a passing run of prod() whose id on target passed only because of by.
func allowedOn(id, target, by string) []checks.Result {
	rs := checkstest.PassingRun(prod())
	i := slices.IndexFunc(rs, func(r checks.Result) bool { return r.ID == id && r.Target == target })
	rs[i].Evidence = maps.Clone(rs[i].Evidence)
	rs[i].Evidence[checks.EvidenceAllowedBy] = by
	rs[i].Message = "epr.acme-health.co.uk resolves to 127.0.0.1 (private or loopback, allowed by --allow-private)"
	return rs
}

// TestTestingAllowanceBlocks: a check that passed only because of --allow-private, on a URI
// CIS2 calls, blocks sending, naming the flag and the fix; on a redirect URI (only browsers
// follow it, and without the flag it would only warn) it does not.
func TestTestingAllowanceBlocks(t *testing.T) {
	if bs := Blockers(prod(), nil, livePass, Done); len(bs) != 0 {
		t.Fatalf("a passing run blocks: %v", bs)
	}
	for _, id := range []string{checks.IDResolve, checks.IDTLS} {
		for _, target := range []string{"backchannel_logout_uri", "jwks_uri"} {
			rs := allowedOn(id, target, checks.AllowedByFlag)
			bs := Blockers(prod(), nil, rs, Done)
			if len(bs) != 1 {
				t.Fatalf("%s %s: %d blockers, want 1: %v", id, target, len(bs), bs)
			}
			b := bs[0]
			if b.Kind != Failed || b.ID != id || b.Target != target || b.AllowedBy != checks.AllowedByFlag {
				t.Errorf("%s %s: blocker %+v", id, target, b)
			}
			if !strings.Contains(b.Message, "passed only because of --allow-private") || !strings.Contains(b.Message, "CIS2") {
				t.Errorf("%s %s: message %q does not name the flag and why", id, target, b.Message)
			}
			if !strings.Contains(b.Fix, "run the checks without --allow-private from a host that sees your public DNS") {
				t.Errorf("%s %s: fix %q", id, target, b.Fix)
			}
			if got := Shorts(Reasons(bs)); len(got) != 1 || !strings.HasPrefix(got[0], "1 check passed only because of --allow-private (CIS2 cannot reach a private address") ||
				!strings.Contains(got[0], "run the checks without --allow-private from a host that sees your public DNS") {
				t.Errorf("%s %s: reasons %q", id, target, got)
			}
			if ev := ChecklistEvidence(prod(), nil, rs, Done); ev.Done || !strings.Contains(ev.Text, "--allow-private") {
				t.Errorf("%s %s: checklist %+v, want not done, naming the flag", id, target, ev)
			}
			if Sandboxed(rs) {
				t.Errorf("%s %s: --allow-private results count as the sandbox's", id, target)
			}
		}
	}
	if bs := Blockers(prod(), nil, allowedOn(checks.IDResolve, "redirect_uris[0]", checks.AllowedByFlag), Done); len(bs) != 0 {
		t.Errorf("a redirect URI on a private address blocks: %v", bs)
	}
}

// TestSandboxClaimInAFileBlocks: results that say they are the sandbox's but come from
// anywhere but the sandbox run of this process (a results file, an edit) are not exempt.
func TestSandboxClaimInAFileBlocks(t *testing.T) {
	rs := allowedOn(checks.IDResolve, "jwks_uri", checks.AllowedBySandbox)
	bs := Blockers(prod(), nil, rs, Done)
	if len(bs) != 1 || bs[0].Kind != Failed || !strings.Contains(bs[0].Message, "only because of the sandbox") {
		t.Fatalf("blockers %v, want one naming the sandbox", bs)
	}
	if got := Shorts(Reasons(bs)); len(got) != 1 || !strings.HasPrefix(got[0], "1 check passed only because of the sandbox (a results file cannot vouch for it") {
		t.Errorf("reasons %q", got)
	}
	if Sandboxed(rs) {
		t.Error("a claim in the evidence made the results the sandbox's")
	}
	files, bs, err := Build(Submission{Config: prod(), Results: rs, Live: Done})
	if err != nil || len(bs) != 1 {
		t.Fatalf("build: %v, blockers %v", err, bs)
	}
	if data := string(files[0].Data); !strings.Contains(data, `"status": "not-ready"`) || strings.Contains(data, `"sandbox"`) {
		t.Errorf("submission JSON, want not-ready and no sandbox mark:\n%s", data)
	}
}
