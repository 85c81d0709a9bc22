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
