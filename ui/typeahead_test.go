package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/cis2-golive/cis2-golive/model"
)

// raw delivers a message the way the program does when input is already queued: Update only,
// its commands not yet run. It returns their messages for the test to deliver later.
func (h *harness) raw(msg string) []tea.Msg {
	_, cmd := h.r.Update(keyMsg(msg))
	return h.run(cmd)
}

// TestKeysTypedAheadOfAFocusMoveLandInTheNextField: huh moves focus with a command, so keys
// typed quickly after Enter reach the program before the move does. They must still land in
// the next field, in order (seen in tmux: "Acme<enter>EPR" became "AcmeE" and "PR").
func TestKeysTypedAheadOfAFocusMoveLandInTheNextField(t *testing.T) {
	h := newHarness(t, Options{})
	h.keys("enter")
	h.wantState(stateOrg)
	h.typ("Acme")
	pending := h.raw("enter")
	for _, r := range "EPR" { // typed before the focus move is processed
		pending = append(pending, h.raw(string(r))...)
	}
	if len(pending) == 0 {
		t.Fatal("enter moved focus without a command: the race this test is about cannot happen")
	}
	for _, m := range pending {
		h.send(m)
	}
	cfg := h.r.Config()
	if cfg.Organisation != "Acme" || cfg.Product != "EPR" {
		t.Fatalf("organisation %q, product %q: want \"Acme\" and \"EPR\"", cfg.Organisation, cfg.Product)
	}
}

// TestTypedAheadKeysFollowTheScreenChange: the same across screens, where the move to the
// next screen is one more command away: the keys belong to the next screen's first field.
func TestTypedAheadKeysFollowTheScreenChange(t *testing.T) {
	h := newHarness(t, Options{})
	walkToRedirects(h)
	h.wantState(stateRedirects)
	h.typ("https://epr.acme-health.co.uk/cb")
	h.keys("enter") // adds the URI
	pending := h.raw("pgdown")
	for _, r := range "https://epr.acme-health.co.uk/logout" {
		pending = append(pending, h.raw(string(r))...)
	}
	for _, m := range pending {
		h.send(m)
	}
	h.wantState(stateLogout)
	if got := h.r.Config().BackchannelLogoutURI; got != "https://epr.acme-health.co.uk/logout" {
		t.Fatalf("logout URI %q", got)
	}
	if got := h.r.Config().RedirectURIs; len(got) != 1 {
		t.Fatalf("redirect URIs %q: typed-ahead keys went to the previous screen", got)
	}
}

// TestDraftSavedOncePerBurstAndOnQuit: typing saves the draft at most once per saveDelay, not
// once per key, and quitting saves what was typed since.
func TestDraftSavedOncePerBurstAndOnQuit(t *testing.T) {
	draft := filepath.Join(t.TempDir(), "draft.yaml")
	h := newHarness(t, Options{DraftPath: draft})
	h.keys("enter")
	for _, r := range "Acme Health" {
		h.raw(string(r))
	}
	if !h.r.savePending {
		t.Fatal("typing scheduled no save")
	}
	if _, err := os.Stat(draft); err == nil {
		d, _ := model.LoadDraft(draft)
		if d != nil && d.Config.Organisation != "" {
			t.Fatalf("the draft was written while typing: %q", d.Config.Organisation)
		}
	}
	h.send(saveDueMsg{})
	d, err := model.LoadDraft(draft)
	if err != nil || d == nil || d.Config.Organisation != "Acme Health" {
		t.Fatalf("after the pause: %+v %v", d, err)
	}

	h.typ(" Ltd") // the harness lets the save fire; now type without a pause and quit
	for _, r := range "!!" {
		h.raw(string(r))
	}
	h.keys("ctrl+c", "y")
	d, err = model.LoadDraft(draft)
	if err != nil || d == nil || !strings.HasSuffix(d.Config.Organisation, "Ltd!!") {
		t.Fatalf("quitting lost the last keys: %+v %v", d, err)
	}
}

// TestTypedAheadKeysWaitForTheMoveNotTheClock: on a busy machine other messages (a cursor
// blink, a resize) arrive before the focus move does; the held keys wait for the move itself.
// (With a fixed 40 ms hold, 3 runs in 10 under load put keys in the wrong field.)
func TestTypedAheadKeysWaitForTheMoveNotTheClock(t *testing.T) {
	h := newHarness(t, Options{})
	h.keys("enter")
	h.typ("Acme")
	pending := h.raw("enter")
	for _, r := range "EPR" {
		pending = append(pending, h.raw(string(r))...)
	}
	if _, cmd := h.r.Update(tea.WindowSizeMsg{Width: 80, Height: 24}); cmd != nil {
		h.run(cmd) // its messages are not the move
	}
	if !h.r.ahead.holding || len(h.r.ahead.held) != 3 {
		t.Fatalf("an unrelated message released the keys before the move: holding %v, held %d", h.r.ahead.holding, len(h.r.ahead.held))
	}
	for _, m := range pending {
		h.send(m)
	}
	if cfg := h.r.Config(); cfg.Organisation != "Acme" || cfg.Product != "EPR" {
		t.Fatalf("organisation %q, product %q", cfg.Organisation, cfg.Product)
	}
}
