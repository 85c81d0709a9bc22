package cli

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/sandbox"
)

// hostsResolver maps the sandbox's names to 127.0.0.1 as an /etc/hosts entry on a test
// machine would: loopback, but not the sandbox's own resolver. A run through it is what a
// real configuration checked with --allow-private looks like.
type hostsResolver struct{}

func (hostsResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if host == sandbox.RPHost || host == sandbox.CIS2Host {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// privateRig is the demo's sandbox (a production configuration whose every check passes,
// served on loopback) with the live options of `check --allow-private --ca-cert CA --key KEY
// --discovery URL --probe-token-endpoint` and a resolver that is not the sandbox's:
// everything passes, but only because of the flag.
type privateRig struct {
	files sandbox.Files
	// flagged is --allow-private from the flags; sandboxed is what `demo` runs with.
	flagged, sandboxed checks.Options
}

func newPrivateRig(t *testing.T) privateRig {
	t.Helper()
	sb, files, err := sandbox.StartDemo(t.TempDir(), sandbox.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	ca := filepath.Join(files.Dir, "ca.pem")
	if err := os.WriteFile(ca, sb.CAPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	flags := LiveFlags{Timeout: 5 * time.Second, AllowPrivate: true, CACertPath: ca, KeyPath: files.Key,
		Discovery: sb.DiscoveryURL(), ProbeToken: true}
	flagged, err := flags.options()
	if err != nil {
		t.Fatal(err)
	}
	flagged.Resolver = hostsResolver{}
	return privateRig{files: files, flagged: flagged, sandboxed: DemoCheckOptions(sb, files, 5*time.Second)}
}

// check runs `check` on the sandbox's configuration with live and returns the report.
func (rig privateRig) check(t *testing.T, live checks.Options, format string) (string, error) {
	t.Helper()
	stdout, _, err := runCheckOpts(t, context.Background(), &CheckOptions{ConfigPath: rig.files.Config, Live: &live, Format: format})
	return stdout, err
}

func decodeReport(t *testing.T, stdout string) report.CheckReport {
	t.Helper()
	var rep report.CheckReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, stdout)
	}
	return rep
}

// TestCheckAllowPrivateIsNotReady: with --allow-private, the back-channel logout and JWKS
// URIs on loopback pass their checks (exit 0, as the flag asks), but the configuration is not
// ready to send: each blocker names the flag and the fix, and the results record it.
func TestCheckAllowPrivateIsNotReady(t *testing.T) {
	rig := newPrivateRig(t)
	stdout, err := rig.check(t, rig.flagged, "json")
	if err != nil {
		t.Fatalf("every check passed with --allow-private: want exit 0, got %v\n%s", err, stdout)
	}
	rep := decodeReport(t, stdout)
	if rep.Summary.Fail != 0 || rep.Summary.Warn != 0 {
		t.Fatalf("the sandbox should pass every check with the flag: %+v", rep.Summary)
	}
	if rep.Ready || rep.Sandbox {
		t.Fatalf("ready %v, sandbox %v: a run with --allow-private is never ready", rep.Ready, rep.Sandbox)
	}
	want := map[string]bool{}
	for _, id := range []string{checks.IDResolve, checks.IDTLS} {
		for _, target := range []string{"backchannel_logout_uri", "jwks_uri"} {
			want[id+" "+target] = true
		}
	}
	for _, b := range rep.Blockers {
		if !want[b.ID+" "+b.Target] {
			t.Errorf("unexpected blocker %+v", b)
			continue
		}
		delete(want, b.ID+" "+b.Target)
		if b.Kind != "failed" || !strings.Contains(b.Message, "passed only because of --allow-private") ||
			!strings.Contains(b.Fix, "without --allow-private from a host that sees your public DNS") {
			t.Errorf("blocker %+v does not name the flag and the fix", b)
		}
	}
	for k := range want {
		t.Errorf("no blocker for %s", k)
	}
	for _, r := range rep.Results {
		if (r.ID == checks.IDResolve || r.ID == checks.IDTLS) && r.Evidence["allowed_by"] != "--allow-private" {
			t.Errorf("%s %s: evidence %v, want allowed_by --allow-private", r.ID, r.Target, r.Evidence)
		}
	}

	text, _ := rig.check(t, rig.flagged, "text")
	if !strings.Contains(flat(text), "Not ready to send to NHS: 4 checks passed only because of --allow-private (CIS2 cannot reach a private address or trust a private CA: run the checks without --allow-private from a host that sees your public DNS).") {
		t.Errorf("text verdict does not name the flag:\n%s", text)
	}
}

// TestDemoRunIsReadyAsSandbox: the same configuration through the sandbox's own resolver is
// the demo: ready, marked as the sandbox's in the JSON and on the verdict line.
func TestDemoRunIsReadyAsSandbox(t *testing.T) {
	rig := newPrivateRig(t)
	stdout, err := rig.check(t, rig.sandboxed, "json")
	if err != nil {
		t.Fatal(err)
	}
	rep := decodeReport(t, stdout)
	if !rep.Ready || !rep.Sandbox || len(rep.Blockers) != 0 {
		t.Fatalf("ready %v, sandbox %v, blockers %v: want ready (sandbox)", rep.Ready, rep.Sandbox, rep.Blockers)
	}
	for _, r := range rep.Results {
		if r.ID == checks.IDResolve && r.Evidence["allowed_by"] != "sandbox" {
			t.Errorf("%s %s: evidence %v, want allowed_by sandbox", r.ID, r.Target, r.Evidence)
		}
	}
	text, _ := rig.check(t, rig.sandboxed, "text")
	if !strings.Contains(flat(text), "Ready to send to NHS (sandbox): nothing blocks it.") {
		t.Errorf("text verdict does not say sandbox:\n%s", text)
	}
}

// TestSubmissionAndChecklistRefuseAllowPrivate: the results of a run with --allow-private
// make no submission and tick no checklist item; nor do the demo's own results once in a
// file, since only the sandbox run of this process is exempt.
func TestSubmissionAndChecklistRefuseAllowPrivate(t *testing.T) {
	rig := newPrivateRig(t)
	for name, live := range map[string]checks.Options{"--allow-private": rig.flagged, "the sandbox": rig.sandboxed} {
		t.Run(name, func(t *testing.T) {
			stdout, err := rig.check(t, live, "json")
			if err != nil {
				t.Fatal(err)
			}
			results := filepath.Join(t.TempDir(), "results.json")
			if err := os.WriteFile(results, []byte(stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			code, _, stderr := runCLI(t, "submission", "--config", rig.files.Config, "--checks", results, "-o", out)
			if code != ExitFailed || !strings.Contains(stderr, "passed only because of "+name) ||
				!strings.Contains(stderr, "Not writing the submission") {
				t.Errorf("submission: exit %d, stderr:\n%s", code, stderr)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("submission wrote %d files over an --allow-private run", len(entries))
			}

			md := filepath.Join(t.TempDir(), "go-live.md")
			if code, _, stderr := runCLI(t, "checklist", "--config", rig.files.Config, "--checks", results, "-o", md); code != ExitOK {
				t.Fatalf("checklist: exit %d: %s", code, stderr)
			}
			data, _ := os.ReadFile(md)
			if !strings.Contains(string(data), "- [ ] Production configuration passes cis2-golive checks") ||
				!strings.Contains(flat(string(data)), "passed only because of "+name) {
				t.Errorf("checklist ticks, or does not say why not:\n%s", data)
			}
		})
	}
}

// TestWatchAllowPrivateIsNotReady: watch's verdict is golive's too.
func TestWatchAllowPrivateIsNotReady(t *testing.T) {
	rig := newPrivateRig(t)
	ios, _, out, errOut := Test()
	err := runWatch(context.Background(), &WatchOptions{IO: ios, ConfigPath: rig.files.Config,
		StatePath: filepath.Join(t.TempDir(), "state.json"), Format: "json", Live: &rig.flagged, Version: "test"})
	if err != nil {
		t.Fatalf("watch: %v\n%s", err, errOut)
	}
	rep := decodeReport(t, out.String())
	if rep.Ready || len(rep.Blockers) == 0 || !strings.Contains(rep.Blockers[0].Message, "--allow-private") {
		t.Errorf("watch with --allow-private: ready %v, blockers %v", rep.Ready, rep.Blockers)
	}
}

// TestCACertOnlyIsNotReady: without --allow-private, a chain that verifies only with
// --ca-cert fails uri.tls on the URIs CIS2 calls, in check and in watch alike.
func TestCACertOnlyIsNotReady(t *testing.T) {
	rig := newPrivateRig(t)
	live := rig.flagged
	live.AllowPrivate = false
	stdout, _ := rig.check(t, live, "json")
	ios, _, out, _ := Test()
	_ = runWatch(context.Background(), &WatchOptions{IO: ios, ConfigPath: rig.files.Config,
		StatePath: filepath.Join(t.TempDir(), "state.json"), Format: "json", Live: &live, Version: "test"})
	for name, got := range map[string]string{"check": stdout, "watch": out.String()} {
		rep := decodeReport(t, got)
		if rep.Ready {
			t.Errorf("%s: a --ca-cert run without a public chain is ready", name)
		}
		for _, target := range []string{"backchannel_logout_uri", "jwks_uri"} {
			found := false
			for _, r := range rep.Results {
				if r.ID == checks.IDTLS && r.Target == target {
					found = true
					if r.Status != "fail" || !strings.Contains(r.Message, "needs a chain to a public root CA") {
						t.Errorf("%s: uri.tls %s: %s %q, want a failure naming the public root", name, target, r.Status, r.Message)
					}
				}
			}
			if !found {
				t.Errorf("%s: no uri.tls result for %s", name, target)
			}
		}
	}
}

// TestDemoCommandEndsReadyAsSandbox: `demo` itself (not only its options) ends ready, exit
// 0, as the sandbox's run.
func TestDemoCommandEndsReadyAsSandbox(t *testing.T) {
	code, rep, stderr := runDemoJSON(t)
	if code != ExitOK || !rep.Ready || !rep.Sandbox || len(rep.Blockers) != 0 {
		t.Fatalf("demo: exit %d, ready %v, sandbox %v, blockers %v; stderr: %s", code, rep.Ready, rep.Sandbox, rep.Blockers, stderr)
	}
}
