package ui

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestPatternSwitchKeepsJWKSAndAlg: private key JWT answers survive a switch to client secret
// and back (they are answers until written; the unchosen pattern's are simply not used).
// Driven through the real program at 80x24; the private key JWT screen it comes back to is a
// golden.
func TestPatternSwitchKeepsJWKSAndAlg(t *testing.T) {
	tm := startProbedSized(t, Options{Config: filled()}, 80, 24)
	tm.Send(jumpTo(stateSecurity))
	waitView(t, tm, func(v string) bool { return strings.Contains(v, "How does your service authenticate") })
	press(tm, "down", "enter") // client secret
	waitView(t, tm, func(v string) bool { return strings.Contains(v, "Step 5 of 8 · Signed userinfo") })
	press(tm, "esc")
	waitView(t, tm, func(v string) bool { return strings.Contains(v, "How does your service authenticate") })
	press(tm, "up", "enter") // private key JWT again
	var view string
	waitView(t, tm, func(v string) bool { view = v; return strings.Contains(v, "Step 5 of 9 · Private key JWT") })
	for _, want := range []string{"> https://epr.acme-health.co.uk/jwks.json", "RS512"} {
		if !strings.Contains(view, want) {
			t.Errorf("the private key JWT screen lost %q:\n%s", want, view)
		}
	}
	got := probeView(t, tm)
	golden.RequireEqual(t, []byte(got))
	press(tm, "ctrl+c", "y")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(probed)
	if cfg := final.Config(); cfg.JWKSURI != filled().JWKSURI || cfg.TokenEndpointAuthSigningAlg != "RS512" {
		t.Fatalf("after the switch back: jwks %q alg %q", cfg.JWKSURI, cfg.TokenEndpointAuthSigningAlg)
	}
}

// TestPatternSwitchIsNotWritten: with client secret chosen, the kept JWKS URI and algorithm
// are neither checked nor written, but stay in the draft.
func TestPatternSwitchIsNotWritten(t *testing.T) {
	draft := filepath.Join(t.TempDir(), "d.yaml")
	h := newHarness(t, Options{Config: filled(), DraftPath: draft})
	h.jump(stateSecurity)
	h.keys("down", "enter")
	h.wantState(stateUserinfo)
	if cfg := h.r.Config(); cfg.JWKSURI != "" || cfg.TokenEndpointAuthSigningAlg != "" {
		t.Fatalf("a client secret configuration carries %q %q", cfg.JWKSURI, cfg.TokenEndpointAuthSigningAlg)
	}
	h.send(gotoMsg{to: stateReview})
	h.wantView("✓ no problems found offline")
	d, err := model.LoadDraft(draft)
	if err != nil || d == nil || d.Config.JWKSURI != filled().JWKSURI || d.Config.TokenEndpointAuthSigningAlg != "RS512" {
		t.Fatalf("the draft lost the private key JWT answers: %+v %v", d, err)
	}
}

// TestAccessiblePatternSwitchKeepsJWKSAndAlg: the same in accessible mode, where changing the
// security pattern from the review re-asks the private key JWT questions with the old answers.
func TestAccessiblePatternSwitchKeepsJWKSAndAlg(t *testing.T) {
	answers := strings.Join([]string{
		"", "", "", "", // organisation, product, contact, client id
		"", "", "", "", // two redirect URIs kept, no third, logout kept
		"2",      // security: client secret
		"",       // userinfo kept
		"5", "1", // review: change the security pattern, private key JWT
		"", "", "", // JWKS URI, algorithm and key choice: kept
		"",           // no key file
		"",           // review: run the checks
		"", "0", "y", // not submitted, no ticks, write anyway
	}, "\n") + "\n"
	var out bytes.Buffer
	res, err := RunAccessible(context.Background(), Options{Config: filled(), OutDir: t.TempDir(), Now: fixedNow},
		strings.NewReader(answers), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.Config.JWKSURI != filled().JWKSURI || res.Config.TokenEndpointAuthSigningAlg != "RS512" {
		t.Fatalf("after the switch back: %+v\n%s", res.Config, out.String())
	}
	if !strings.Contains(out.String(), "JWKS URI (enter keeps https://epr.acme-health.co.uk/jwks.json)") {
		t.Errorf("the JWKS question did not offer the kept answer:\n%s", out.String())
	}
}

// jump moves the wizard to a screen as if the user had walked there (gotoMsg is the review's
// "edit this row", which comes back to where it started).
func (h *harness) jump(s state) {
	h.t.Helper()
	h.send(gotoMsg{to: s})
	h.r.hasReturn = false
}
