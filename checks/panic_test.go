package checks

import (
	"context"
	"testing"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestABugInACheckFailsOnlyThatCheck: a panic in a check, in what it waits for first
// (Check.After), or in a fetch several checks share, ends each check that needed it as a
// failure ("internal error"), never as a crash of the whole run, and never as a result with
// no status (which no verdict would count as a failure).
func TestABugInACheckFailsOnlyThatCheck(t *testing.T) {
	var fetch shared[Result]
	load := func() Result { panic("a bug in the shared fetch") }
	list := []Check{
		{ID: "bug.run", Target: "a", Run: func(context.Context) Result { panic("a bug") }},
		{ID: "bug.after", Target: "b", After: func(context.Context) { panic("a bug before it starts") },
			Run: func(context.Context) Result { return Result{Status: model.Pass} }},
		{ID: "shared.first", Target: "c", Run: func(context.Context) Result { return fetch.get(load) }},
		{ID: "shared.second", Target: "d", After: func(context.Context) { fetch.get(load) },
			Run: func(context.Context) Result { return fetch.get(load) }},
		{ID: "fine", Target: "e", Run: func(context.Context) Result { return Result{Status: model.Pass, Message: "ok"} }},
	}
	rs := Run(context.Background(), list, Options{}, nil)
	for i, r := range rs {
		want := model.Fail
		if list[i].ID == "fine" {
			want = model.Pass
		}
		if r.Status != want || r.ID != list[i].ID || r.Target != list[i].Target {
			t.Errorf("%s %s: %q %q, want %s", list[i].ID, list[i].Target, r.Status, r.Message, want)
		}
	}
}
