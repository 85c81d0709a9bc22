package checks

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// errNoSlot means a wait for a limiter slot ran out: the tool's own limit was reached, which
// says nothing about the server.
var errNoSlot = errors.New("no free slot")

// limiter bounds how many of something (open connections, TLS handshakes) a run holds at
// once, per key (host:port) and in total. When slots are scarce, a freed one goes to the most
// important waiter first (see Priority), and an eighth of each limit is kept for critical
// checks, so however many ordinary checks ask, and however early, the endpoints CIS2 calls
// are never starved by a long list of redirect URIs.
type limiter struct {
	perKey, total int

	mu      sync.Mutex
	held    map[string]int
	nheld   int
	waiters []*waiter // in the order slots are granted
	seq     uint64
}

type waiter struct {
	key      string
	priority Priority
	seq      uint64
	granted  chan struct{} // closed when the slot is the waiter's
}

func newLimiter(perKey, total int) *limiter {
	return &limiter{perKey: perKey, total: total, held: map[string]int{}}
}

// acquire takes a slot for key, waiting at most wait. The HTTP transport dials with a context
// detached from the request's cancellation (so another request can use the connection), which
// is why the check's own context travels in its scope too: a wait made for a check ends as
// soon as the check has. Time spent waiting is added to the scope, for noteWait.
func (l *limiter) acquire(ctx context.Context, key string, wait time.Duration) error {
	sc := scopeOf(ctx)
	l.mu.Lock()
	if len(l.waiters) == 0 && l.fits(key, sc.priority) {
		l.take(key)
		l.mu.Unlock()
		return nil
	}
	l.seq++
	w := &waiter{key: key, priority: sc.priority, seq: l.seq, granted: make(chan struct{})}
	i, _ := slices.BinarySearchFunc(l.waiters, w, waiterOrder)
	l.waiters = slices.Insert(l.waiters, i, w)
	l.grant() // a less important waiter for a full key must not hold this one up
	l.mu.Unlock()

	start := time.Now()
	defer func() { sc.waited.Add(int64(time.Since(start))) }()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var cause error
	select {
	case <-w.granted:
		return nil
	case <-ctx.Done():
		cause = ctx.Err()
	case <-sc.done():
		cause = sc.err()
	case <-timer.C:
		cause = errNoSlot
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-w.granted: // granted while giving up: hand it on
		l.releaseLocked(key)
	default:
		l.waiters = slices.DeleteFunc(l.waiters, func(x *waiter) bool { return x == w })
	}
	return cause
}

// waiterOrder grants the most important first, then the earliest.
func waiterOrder(a, b *waiter) int {
	if a.priority != b.priority {
		return int(b.priority) - int(a.priority)
	}
	return int(a.seq) - int(b.seq)
}

// fits reports whether a slot for key at priority p is within the limits (see limiter).
func (l *limiter) fits(key string, p Priority) bool {
	perKey, total := l.perKey, l.total
	if p < Critical {
		perKey -= perKey / 8
		total -= total / 8
	}
	return l.nheld < total && l.held[key] < perKey
}

func (l *limiter) take(key string) {
	l.held[key]++
	l.nheld++
}

func (l *limiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releaseLocked(key)
}

func (l *limiter) releaseLocked(key string) {
	l.held[key]--
	if l.held[key] == 0 {
		delete(l.held, key)
	}
	l.nheld--
	l.grant()
}

// grant hands free slots to waiters in order, skipping (not stopping at) one whose key is
// full for it.
func (l *limiter) grant() {
	for i := 0; i < len(l.waiters) && l.nheld < l.total; {
		w := l.waiters[i]
		if !l.fits(w.key, w.priority) {
			i++
			continue
		}
		l.take(w.key)
		close(w.granted)
		l.waiters = slices.Delete(l.waiters, i, i+1)
	}
}
