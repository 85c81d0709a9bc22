package ui

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/report"
	"github.com/cis2-golive/cis2-golive/sandbox"
)

// hostsResolver maps the sandbox's names to 127.0.0.1 as an /etc/hosts entry would: the
// wizard run with --allow-private on a real configuration, not the demo.
type hostsResolver struct{}

func (hostsResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if host == sandbox.RPHost || host == sandbox.CIS2Host {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// runChecksScreen runs the checks screen to the end with live and returns the harness.
func runChecksScreen(t *testing.T, opts Options) *harness {
	t.Helper()
	h := newHarness(t, opts)
	h.send(tea.WindowSizeMsg{Width: 100, Height: 60})
	_, cmd := h.r.Update(gotoMsg{to: stateChecks})
	for _, m := range h.run(cmd) {
		h.send(m)
	}
	h.wantView("0 warnings · 0 failed · 0 skipped")
	return h
}

// TestWizardAllowPrivateIsNotReady: the wizard's verdict on a run whose logout and JWKS URIs
// passed only because of --allow-private is golive's: not ready, naming the flag, and the
// checklist does not tick; the same run through the sandbox's resolver (the demo) is ready,
// as the sandbox.
func TestWizardAllowPrivateIsNotReady(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{})

	opts := sandboxOptions(t, sb)
	live := opts.CheckOptions
	live.Resolver = hostsResolver{}
	opts.CheckOptions = live
	opts.Plan = func(cfg *model.Config, keyPath string) []checks.Check {
		o := live
		o.KeyPath = keyPath
		return checks.Plan(cfg, o)
	}
	h := runChecksScreen(t, opts)
	h.wantView("Not ready to send to NHS: 4 checks passed only because of --allow-private")
	if got := checkedItem(t, h); got.Done || !strings.Contains(got.Evidence, "--allow-private") {
		t.Errorf("checklist item %+v: want not done, naming the flag", got)
	}

	demo := runChecksScreen(t, sandboxOptions(t, sb))
	demo.wantView("✓ Ready to send to NHS (sandbox): nothing blocks it")
	if got := checkedItem(t, demo); !got.Done {
		t.Errorf("demo checklist item %+v: want done", got)
	}
}

// checkedItem is the checklist's "passes cis2-golive checks" item, the one the tool ticks.
func checkedItem(t *testing.T, h *harness) report.ChecklistItem {
	t.Helper()
	for _, it := range (&checklist{c: h.r.c}).build().Items {
		if it.ID == report.ItemConfigChecked {
			return it
		}
	}
	t.Fatal("no checks-passed item")
	return report.ChecklistItem{}
}

// TestAccessibleAllowPrivateIsNotReady: the accessible wizard says the same.
func TestAccessibleAllowPrivateIsNotReady(t *testing.T) {
	sb := startSandbox(t, sandbox.Options{RedirectURIs: 2})
	opts := sandboxOptions(t, sb)
	live := opts.CheckOptions
	live.Resolver = hostsResolver{}
	opts.CheckOptions = live
	opts.Plan = func(cfg *model.Config, keyPath string) []checks.Check {
		o := live
		o.KeyPath = keyPath
		return checks.Plan(cfg, o)
	}
	answers := strings.Join([]string{
		"", "", "", "", // organisation, product, contact, client id: kept
		"", "", "", // both redirect URIs kept, no third
		"",     // logout kept
		"",     // security pattern kept
		"", "", // JWKS URI, algorithm kept
		"", "", // I have a key file; no path
		"",  // userinfo kept
		"",  // review: run the checks
		"",  // sign-in page kept
		"",  // not submitted
		"0", // no ticks
		"n", // do not write anyway
	}, "\n") + "\n"
	opts.OutDir, opts.Now = t.TempDir(), fixedNow
	var buf bytes.Buffer
	res, err := RunAccessible(context.Background(), opts, strings.NewReader(answers), &buf)
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if res.Ready() || len(res.Written) != 0 {
		t.Errorf("declined, yet %+v", res)
	}
	out := strings.Join(strings.Fields(buf.String()), " ") // as one line, wherever it wrapped
	if !strings.Contains(out, "Not ready to send to NHS: 4 checks passed only because of --allow-private (CIS2 cannot reach a private address") {
		t.Errorf("accessible verdict does not name the flag:\n%s", out)
	}
}
