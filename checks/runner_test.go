package checks

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestRunBoundsParallelism: a huge list never runs more than MaxParallel checks at once (each
// may hold a connection), and every check still finishes.
func TestRunBoundsParallelism(t *testing.T) {
	var running, peak atomic.Int32
	list := make([]Check, 5*MaxParallel)
	for i := range list {
		list[i] = Check{ID: "x", Run: func(ctx context.Context) Result {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			return Result{Status: model.Pass}
		}}
	}
	rs := Run(context.Background(), list, Options{Timeout: 5 * time.Second}, nil)
	if s := Summarise(rs); s.Pass != len(list) {
		t.Fatalf("summary %+v, want %d passes", s, len(list))
	}
	if p := peak.Load(); p > MaxParallel || p < 2 {
		t.Fatalf("peak parallelism %d, want 2..%d", p, MaxParallel)
	}
}

// TestCancelledResultsAreUnfinished: what Run leaves of a cancelled run reads as unfinished,
// so no verdict counts an endpoint nobody tested as checked.
func TestCancelledResultsAreUnfinished(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	block := make(chan struct{}) // the check never answers: only the cancellation can end it
	t.Cleanup(func() { close(block) })
	list := []Check{{ID: "x", Run: func(context.Context) Result { <-block; return Result{Status: model.Pass} }}}
	rs := Run(ctx, list, Options{Timeout: 5 * time.Second}, nil)
	if len(rs) != 1 || !rs[0].Unfinished() {
		t.Fatalf("got %+v, want an unfinished skip", rs)
	}
	if (Result{Status: model.Skip, Message: "no --key: not signed"}).Unfinished() {
		t.Error("a skip with a reason is not unfinished")
	}
}
