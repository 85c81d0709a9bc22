package watch

import (
	"context"
	"math/rand/v2"
	"time"
)

// Schedule runs rounds one after another: the first at once, each next one Every after the
// previous one started, plus a random jitter, so many watches started together (one per
// product, from one timer) do not all hit the same endpoints in the same second. Rounds never
// overlap: one that outlasts Every is followed at once by the next.
type Schedule struct {
	Every time.Duration
	// Jitter returns the extra wait before a round (nil: DefaultJitter).
	Jitter func(every time.Duration) time.Duration
}

// DefaultJitter is a random wait of up to a tenth of the interval, capped at five minutes.
func DefaultJitter(every time.Duration) time.Duration {
	limit := min(every/10, 5*time.Minute)
	if limit <= 0 {
		return 0
	}
	return rand.N(limit)
}

// Run calls round until ctx is done, and returns ctx's error. round gets ctx, so a stop
// signal also cuts the round in progress short.
func (s Schedule) Run(ctx context.Context, round func(context.Context)) error {
	jitter := s.Jitter
	if jitter == nil {
		jitter = DefaultJitter
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		start := time.Now()
		round(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		timer.Reset(max(0, s.Every+jitter(s.Every)-time.Since(start)))
	}
}
