package model

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDraftSaysWhatItLeftOut: an answer scrubbed because it looked like a secret is named in
// the draft (field and what it looked like, never the value), so a resumed wizard can ask for
// it again; once the answer is clean, the note goes.
func TestDraftSaysWhatItLeftOut(t *testing.T) {
	p := filepath.Join(t.TempDir(), "draft.yaml")
	d := &Draft{Config: Config{BackchannelLogoutURI: "https://epr.acme-health.co.uk/bcl?client_secret=abc",
		RedirectURIs: []string{"https://epr.acme-health.co.uk/cb"}}}
	if err := SaveDraft(p, d); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if strings.Contains(string(b), "abc") {
		t.Fatalf("secret on disk:\n%s", b)
	}
	back, err := LoadDraft(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []LeftOut{{Field: "backchannel_logout_uri", LookedLike: "a secret in a URI query"}}
	if back.Config.BackchannelLogoutURI != "" || !slices.Equal(back.LeftOut, want) {
		t.Fatalf("resumed draft: %q, left out %+v; want blank and %+v", back.Config.BackchannelLogoutURI, back.LeftOut, want)
	}
	if d.LeftOut != nil {
		t.Error("saving must not change the caller's draft")
	}
	// Saved again still blank (the resumed wizard quit before an answer): still left out.
	if err := SaveDraft(p, back); err != nil {
		t.Fatal(err)
	}
	if again, _ := LoadDraft(p); !slices.Equal(again.LeftOut, want) {
		t.Fatalf("a second save forgot it: %+v", again.LeftOut)
	}
	d.Config.BackchannelLogoutURI = "https://epr.acme-health.co.uk/bcl"
	d.LeftOut = want // carried over from the resumed draft: the clean answer clears it
	if err := SaveDraft(p, d); err != nil {
		t.Fatal(err)
	}
	if back, _ := LoadDraft(p); len(back.LeftOut) != 0 || back.Config.BackchannelLogoutURI == "" {
		t.Errorf("after the fix: %+v", back)
	}
}
