package sim

import (
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestFindingCountsAndBackfill: the counts the exit code comes from hold every finding, even
// those a slow subscriber missed or the bounded history dropped; Backfill gives a subscriber
// what it missed, in order, once.
func TestFindingCountsAndBackfill(t *testing.T) {
	p := newProvider(t, Options{Client: &model.Config{ClientID: testClient, RedirectURIs: []string{testRedirect},
		TokenEndpointAuthMethod: model.ClientSecretBasic}, ClientSecret: "x"})
	ch, cancel := p.Subscribe()
	defer cancel()
	for i := range maxEvents + 100 {
		f := model.Fail
		if i%2 == 1 {
			f = model.Warn
		}
		p.record(Event{Endpoint: AppLogout, Outcome: Failed, Finding: f, Plain: "x"})
	}
	if fails, warns := p.FindingCounts(); fails != (maxEvents+100)/2 || warns != (maxEvents+100)/2 {
		t.Errorf("counts %d fails, %d warns; want %d of each", fails, warns, (maxEvents+100)/2)
	}
	first := <-ch
	if got := p.Backfill(0, first); len(got) != 1 || got[0].Seq != 1 {
		t.Errorf("Backfill of the next event = %d events", len(got))
	}
	if got := p.Backfill(1, first); got != nil {
		t.Errorf("Backfill of an event already shown = %d events", len(got))
	}
	newest := p.record(Event{Endpoint: Admin, Outcome: Info, Plain: "newest"})
	got := p.Backfill(maxEvents, newest)
	kept := p.Events(maxEvents)
	if len(got) != len(kept) || got[len(got)-1].Seq != newest.Seq {
		t.Fatalf("Backfill after a gap: %d events ending %d; want the %d kept ending %d", len(got), got[len(got)-1].Seq, len(kept), newest.Seq)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq != got[i-1].Seq+1 {
			t.Fatalf("Backfill is not in order at %d: %d after %d", i, got[i].Seq, got[i-1].Seq)
		}
	}
}
