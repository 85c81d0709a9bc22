package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sandbox"
	"github.com/cis2-golive/cis2-golive/sim"
)

// simView is a view over a provider that needs no network.
func simView(t *testing.T) (*SimView, *sim.Provider) {
	t.Helper()
	p, err := sim.New(sim.Options{Origin: "https://localhost:9443", ClientSecret: "x", Client: &model.Config{
		ClientID: "123456789012.apps.supplier", RedirectURIs: []string{"https://app.cis2-golive.test/cb"},
		TokenEndpointAuthMethod: model.ClientSecretBasic}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	v := NewSimView(p, []string{"Issuer: " + p.Issuer(), "CA certificate: /tmp/ca.pem"})
	t.Cleanup(v.cancel)
	v.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return v, p
}

// drain feeds the view every event the provider recorded since the view last looked.
func drainSim(v *SimView, p *sim.Provider) {
	last := 0
	if n := len(v.events); n > 0 {
		last = v.events[n-1].Seq
	}
	for _, e := range p.Events(last) {
		v.Update(simEventMsg{e})
	}
}

func simScreen(t *testing.T, v *SimView) string {
	t.Helper()
	out := ansi.Strip(v.render())
	lines := strings.Split(out, "\n")
	if len(lines) > 24 {
		t.Errorf("view is %d lines, more than 24:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("line wider than 80 (%d): %q", w, l)
		}
	}
	return out
}

func TestSimViewFaultKey(t *testing.T) {
	v, p := simView(t)
	if s := simScreen(t, v); !strings.Contains(s, "next sign-in fault: none") || !strings.Contains(s, "Waiting for the application") {
		t.Errorf("empty view:\n%s", s)
	}
	v.Update(keyMsg("f"))
	if s := simScreen(t, v); !strings.Contains(s, "nonce-mismatch") || !strings.Contains(s, "esc back") {
		t.Errorf("fault picker:\n%s", s)
	}
	v.Update(keyMsg("down"))
	v.Update(keyMsg("down"))
	v.Update(keyMsg("enter"))
	if q := p.QueuedFaults(); len(q) != 1 || q[0] != sim.AlgNone {
		t.Fatalf("queue after picking the third fault: %v", q)
	}
	v.Update(keyMsg("f"))
	v.Update(keyMsg("1"))
	drainSim(v, p)
	s := simScreen(t, v)
	if !strings.Contains(s, "next sign-in fault: alg-none (+1 queued)") || !strings.Contains(s, "fault wrong-iss armed") {
		t.Errorf("after queueing two faults:\n%s", s)
	}
	v.Update(keyMsg("c"))
	if len(p.QueuedFaults()) != 0 {
		t.Error("c did not clear the queue")
	}
}

func TestSimViewNeedsSessionsAndProtectedURL(t *testing.T) {
	v, _ := simView(t)
	v.Update(keyMsg("l"))
	if s := simScreen(t, v); !strings.Contains(s, "no session to log out") {
		t.Errorf("l without a session:\n%s", s)
	}
	v.Update(keyMsg("s"))
	if s := simScreen(t, v); !strings.Contains(s, "--protected-url") {
		t.Errorf("s without a protected URL:\n%s", s)
	}
	if _, cmd := v.Update(keyMsg("q")); cmd == nil {
		t.Error("q does not quit")
	}
}

// TestSimViewAgainstSandbox signs in through the sandbox relying party with the s key, logs
// the session out with l, and shows a fault it accepted as a finding.
func TestSimViewAgainstSandbox(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{Faults: sandbox.Faults{IDTokenUnchecked: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	p := sb.CIS2()
	v := NewSimView(p, []string{"Issuer: " + p.Issuer()})
	t.Cleanup(v.cancel)
	v.Update(tea.WindowSizeMsg{Width: 80, Height: 24})

	run := func(cmd tea.Cmd) {
		t.Helper()
		if cmd == nil {
			t.Fatal("no command")
		}
		_, _ = v.Update(cmd())
		drainSim(v, p)
	}
	_, cmd := v.Update(keyMsg("s"))
	if s := simScreen(t, v); !strings.Contains(s, "signing in through the application") {
		t.Errorf("while signing in:\n%s", s)
	}
	run(cmd)
	if s := simScreen(t, v); !strings.Contains(s, "✓ pass signed in through the application") || !strings.Contains(s, "1 session active") {
		t.Errorf("after the sign-in:\n%s", s)
	}
	v.Update(keyMsg("l"))
	if s := simScreen(t, v); !strings.Contains(s, "Log out which session?") || !strings.Contains(s, "end confirmable") {
		t.Fatalf("logout picker:\n%s", s)
	}
	_, cmd = v.Update(keyMsg("enter"))
	run(cmd)
	if s := simScreen(t, v); !strings.Contains(s, "session ended") || !strings.Contains(s, "0 findings") {
		t.Errorf("after the logout:\n%s", s)
	}
	p.QueueFault(sim.WrongAud) // accepting it is a failure, not a warning
	_, cmd = v.Update(keyMsg("s"))
	run(cmd)
	s := simScreen(t, v)
	if v.Findings() != 1 || !strings.Contains(s, "1 finding") || !strings.Contains(s, "accepted") {
		t.Errorf("after a fault the relying party accepted (findings %d):\n%s", v.Findings(), s)
	}
	// The selection can move off the newest event and back.
	v.Update(keyMsg("up"))
	if v.follow || v.cursor != len(v.events)-2 {
		t.Errorf("up: cursor %d of %d, follow %v", v.cursor, len(v.events), v.follow)
	}
	v.Update(keyMsg("G"))
	if !v.follow || v.cursor != len(v.events)-1 {
		t.Error("G does not return to the newest event")
	}
}

// TestSimViewFillsGaps: events dropped by the subscription while the view was busy are
// shown once the next one arrives, in order, each once.
func TestSimViewFillsGaps(t *testing.T) {
	v, p := simView(t)
	for range 300 { // more than the subscription buffers
		p.QueueFault(sim.Expired)
	}
	p.ClearFaults()
	// Only the newest event reaches the view: the ones before it were dropped.
	all := p.Events(0)
	v.Update(simEventMsg{all[len(all)-1]})
	if len(v.events) != len(all) {
		t.Fatalf("the view shows %d events, want all %d", len(v.events), len(all))
	}
	for i, e := range v.events {
		if e.Seq != i+1 {
			t.Fatalf("event %d has seq %d: out of order or twice", i, e.Seq)
		}
	}
	v.Update(simEventMsg{all[10]}) // a late duplicate from the subscription
	if len(v.events) != len(all) {
		t.Errorf("a duplicate was shown: %d events", len(v.events))
	}
}

// TestSimViewLogoutPickerTellsSessionsApart: two sessions of one user are two rows one can
// tell apart, and more sessions than rows can still be reached and picked.
func TestSimViewLogoutPickerTellsSessionsApart(t *testing.T) {
	p, err := sim.New(sim.Options{Origin: "https://localhost:9443", ClientSecret: "x", AutoLogin: "555000000001", Client: &model.Config{
		ClientID: "123456789012.apps.supplier", RedirectURIs: []string{"https://app.cis2-golive.test/cb"},
		TokenEndpointAuthMethod: model.ClientSecretBasic}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	const n = 12
	for range n { // each request without the provider's cookie is a new session
		q := url.Values{"response_type": {"code"}, "client_id": {"123456789012.apps.supplier"},
			"redirect_uri": {"https://app.cis2-golive.test/cb"}, "scope": {"openid"}}
		r := httptest.NewRequest(http.MethodGet, p.Issuer()+"/authorize?"+q.Encode(), nil)
		r.RemoteAddr = "127.0.0.1:1"
		p.ServeHTTP(httptest.NewRecorder(), r)
	}
	v := NewSimView(p, nil)
	t.Cleanup(v.cancel)
	v.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	v.Update(keyMsg("l"))
	s := simScreen(t, v)
	rows := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "Priya Patel") && !strings.Contains(l, "authorize") {
			_, rest, _ := strings.Cut(strings.TrimLeft(l, "> "), " ") // without the row's number
			rows[rest] = true
		}
	}
	if len(rows) < 8 || !strings.Contains(s, "end not confirmable") {
		t.Fatalf("logout picker rows cannot be told apart (%d distinct):\n%s", len(rows), s)
	}
	for range n - 1 {
		v.Update(keyMsg("down"))
	}
	if s := simScreen(t, v); !strings.Contains(s, "> 12 Priya Patel") {
		t.Fatalf("the 12th session is not shown when selected:\n%s", s)
	}
	sessions := p.Sessions()
	_, cmd := v.Update(keyMsg("enter"))
	if cmd == nil {
		t.Fatal("picking the 12th session does nothing")
	}
	cmd()
	for _, sess := range p.Sessions() {
		if sess.SID == sessions[n-1].SID && sess.Active() {
			t.Error("the 12th session was not the one logged out")
		}
	}
}
