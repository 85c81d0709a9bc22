package report

import (
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sim"
)

func TestSimMark(t *testing.T) {
	cases := []struct {
		e    sim.Event
		want string
	}{
		{sim.Event{Outcome: sim.OK}, "· ok"},
		{sim.Event{Outcome: sim.Refused}, "× refused"},
		{sim.Event{Outcome: sim.Sent}, "→ sent"},
		{sim.Event{Outcome: sim.Info}, "· note"},
		{sim.Event{Outcome: sim.Failed}, "× failed"}, // a call that failed is never "ok"
		{sim.Event{Outcome: sim.Failed, Finding: model.Fail}, Mark(model.Fail)},
		{sim.Event{Outcome: sim.Passed, Finding: model.Pass}, Mark(model.Pass)},
	}
	for _, c := range cases {
		if got := SimMark(c.e); got != c.want {
			t.Errorf("SimMark(%s, finding %q) = %q, want %q", c.e.Outcome, c.e.Finding, got, c.want)
		}
	}
}

func TestSimSummary(t *testing.T) {
	if got := SimSummary(nil, 0, 0, nil, nil); len(got) != 0 {
		t.Errorf("nothing to say, said %q", got)
	}
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	events := []sim.Event{
		{Time: at, Endpoint: sim.Token, Outcome: sim.OK, Plain: "issued"},
		{Time: at, Endpoint: sim.AppLogout, Status: 200, Outcome: sim.Failed, Finding: model.Fail, Plain: "other-aud accepted\x1b[2J"},
		{Time: at, Endpoint: sim.Token, Outcome: sim.Failed, Finding: model.Warn, Plain: "alg-none accepted"},
	}
	got := strings.Join(SimSummary(events, 1, 1, []sim.Session{{Fault: "expired", Name: "Sam Jones", Sub: "555000000002"}}, []sim.Fault{sim.WrongIss}), "\n")
	for _, want := range []string{"1 finding to fix before go-live; 1 warning worth fixing, not blocking:",
		"  09:30:00 ✗ FAIL", "other-aud accepted", "alg-none accepted",
		"1 faulty sign-in has no verdict: expired (Sam Jones, 555000000002)", "Faults still queued, never sent: wrong-iss."} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "issued") || strings.Contains(got, "\x1b") {
		t.Errorf("summary holds an event with no finding, or a raw escape:\n%q", got)
	}
}
