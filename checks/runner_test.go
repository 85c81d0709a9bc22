package checks

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestRunStartsEveryCheckAtOnce: the runner bounds connections, not checks, so a list far
// longer than any connection limit runs as one wave.
func TestRunStartsEveryCheckAtOnce(t *testing.T) {
	const n = 600
	var started sync.WaitGroup
	started.Add(n)
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	list := make([]Check, n)
	for i := range list {
		list[i] = Check{ID: "x", Run: func(ctx context.Context) Result {
			started.Done()
			select {
			case <-all: // every check is running at the same time
				return Result{Status: model.Pass}
			case <-ctx.Done():
				return Result{Status: model.Fail, Message: "not every check was started"}
			}
		}}
	}
	rs := Run(context.Background(), list, Options{Timeout: 20 * time.Second}, nil)
	if s := Summarise(rs); s.Pass != n {
		t.Fatalf("summary %+v, want %d passes", s, n)
	}
}

// TestRunSaysWhenTheRunsLimitCutACheck: a check stopped by the whole run's deadline says so,
// and is not reported as the endpoint's "no answer"; one that timed out on its own is.
func TestRunSaysWhenTheRunsLimitCutACheck(t *testing.T) {
	block := func(ctx context.Context) Result {
		<-ctx.Done()
		return Result{Status: model.Fail, Message: "no HTTP answer: no answer before the timeout"}
	}
	var jwks shared[int]
	list := []Check{
		{ID: "own", Run: block},
		// Waits out two thirds of the run first, so its own timeout outlasts the run's.
		{ID: "cut", Run: block, After: func(ctx context.Context) {
			jwks.get(func() int { time.Sleep(2 * time.Second); return 0 })
		}},
		{ID: "quick", Run: func(context.Context) Result { return Result{Status: model.Pass, Message: "fine"} }},
	}
	// Each moment is a second from the next ("own" times out at 2 s, "cut" starts at 2 s, the
	// run ends at 3 s, "cut"'s own timeout would at 4 s), so a loaded machine that runs a
	// goroutine late cannot swap them.
	opts := Options{Timeout: 2 * time.Second, SuiteTimeout: 3 * time.Second}
	start := time.Now()
	rs := Run(context.Background(), list, opts, nil)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("run took %s, its limit is %s", d, opts.SuiteTimeout)
	}
	if rs[0].Status != model.Fail || !strings.Contains(rs[0].Message, "no answer") {
		t.Errorf("own timeout: %+v", rs[0])
	}
	// Nothing was verified either way: a skip that says why, never a failure to write over.
	if rs[1].Status != model.Skip || rs[1].Message != "not finished: the run's time limit of 3s was reached" ||
		!rs[1].Unfinished() || !rs[1].OutOfTime() {
		t.Errorf("cut by the run: %+v", rs[1])
	}
	if rs[0].Unfinished() || rs[0].OutOfTime() {
		t.Errorf("a check that timed out on its own is a failure, not unfinished: %+v", rs[0])
	}
	if strings.Contains(rs[1].Message, "no answer") {
		t.Errorf("a check cut by the run blames the endpoint: %q", rs[1].Message)
	}
	if rs[2].Status != model.Pass {
		t.Errorf("quick: %+v", rs[2])
	}
}

// TestRunCancelledIsSkip: Ctrl+C ends running checks as skips, not failures.
func TestRunCancelledIsSkip(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	list := []Check{{ID: "a", Run: func(ctx context.Context) Result {
		cancel()
		<-ctx.Done()
		return Result{Status: model.Fail, Message: "no HTTP answer: cancelled"}
	}}}
	r := Run(ctx, list, Options{Timeout: 5 * time.Second}, nil)[0]
	if r.Status != model.Skip || r.Message != "cancelled" || !r.Unfinished() || r.OutOfTime() {
		t.Fatalf("got %+v, want a skip saying cancelled", r)
	}
}

// TestLimiterBounds: at most perHost connections to one host and total in all, however
// many are asked for at once.
func TestLimiterBounds(t *testing.T) {
	lim := newLimiter(3, 5)
	var mu sync.Mutex
	open, peak := map[string]int{}, map[string]int{}
	total, peakTotal := 0, 0
	var wg sync.WaitGroup
	for i := range 60 {
		host := []string{"a:443", "b:443", "c:443"}[i%3]
		wg.Go(func() {
			if err := lim.acquire(context.Background(), host, 10*time.Second); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			open[host]++
			total++
			peak[host] = max(peak[host], open[host])
			peakTotal = max(peakTotal, total)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			open[host]--
			total--
			mu.Unlock()
			lim.release(host)
		})
	}
	wg.Wait()
	for h, p := range peak {
		if p > 3 {
			t.Errorf("%s: %d open at once, limit 3", h, p)
		}
	}
	if peakTotal > 5 || peakTotal < 2 {
		t.Errorf("%d open at once in all, want 2..5", peakTotal)
	}
	if lim.nheld != 0 || len(lim.held) != 0 || len(lim.waiters) != 0 {
		t.Errorf("limiter not back to empty: %d open, %v, %d waiters", lim.nheld, lim.held, len(lim.waiters))
	}
}

// TestLimiterServesCriticalFirst: when slots are scarce, a freed one goes to the
// critical check waiting, not to the ordinary ones that asked before it.
func TestLimiterServesCriticalFirst(t *testing.T) {
	lim := newLimiter(1, 1)
	if err := lim.acquire(context.Background(), "rp:443", time.Second); err != nil {
		t.Fatal(err)
	}
	var order []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	wait := func(name string, p Priority) {
		wg.Go(func() {
			ctx := withScope(context.Background(), p)
			if err := lim.acquire(ctx, "rp:443", 10*time.Second); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			lim.release("rp:443")
		})
	}
	waiting := func(n int) func() bool {
		return func() bool { lim.mu.Lock(); defer lim.mu.Unlock(); return len(lim.waiters) == n }
	}
	for i, name := range []string{"redirect 1", "redirect 2", "redirect 3"} {
		wait(name, Ordinary)
		waitFor(t, waiting(i+1))
	}
	wait("jwks", Critical)
	waitFor(t, waiting(4))
	lim.release("rp:443")
	wg.Wait()
	if strings.Join(order, ", ") != "jwks, redirect 1, redirect 2, redirect 3" {
		t.Fatalf("slots went to %v, want jwks first, then the redirects in order", order)
	}
}

// TestLimiterKeepsRoomForCritical: ordinary checks that ask first cannot take every slot;
// a critical check still gets one at once.
func TestLimiterKeepsRoomForCritical(t *testing.T) {
	lim := newLimiter(16, 32)
	taken := 0
	for lim.acquire(context.Background(), "rp:443", 10*time.Millisecond) == nil {
		taken++
	}
	if taken != 14 {
		t.Errorf("ordinary checks took %d of 16 slots to one host, want 14 (an eighth kept)", taken)
	}
	if err := lim.acquire(withScope(context.Background(), Critical), "rp:443", 10*time.Millisecond); err != nil {
		t.Fatalf("critical check found no slot: %v", err)
	}
}

// TestLimiterFullHostDoesNotBlockOthers: a queue for one full host never holds up a
// connection to another.
func TestLimiterFullHostDoesNotBlockOthers(t *testing.T) {
	lim := newLimiter(1, 10)
	if err := lim.acquire(context.Background(), "slow:443", time.Second); err != nil {
		t.Fatal(err)
	}
	go lim.acquire(withScope(context.Background(), Critical), "slow:443", 10*time.Second) //nolint:errcheck // waits
	waitFor(t, func() bool { lim.mu.Lock(); defer lim.mu.Unlock(); return len(lim.waiters) == 1 })
	if err := lim.acquire(context.Background(), "other:443", 50*time.Millisecond); err != nil {
		t.Fatalf("a connection to another host waited behind the full one: %v", err)
	}
}

// TestLimiterGivesUp: a wait ends at its bound with an error that names the tool's limit
// (not the server), and as soon as the check it was for ends.
func TestLimiterGivesUp(t *testing.T) {
	lim := newLimiter(1, 1)
	if err := lim.acquire(context.Background(), "rp:443", time.Second); err != nil {
		t.Fatal(err)
	}
	if err := lim.acquire(context.Background(), "rp:443", 20*time.Millisecond); !errors.Is(err, errNoSlot) {
		t.Errorf("bounded wait: %v", err)
	}
	// The transport dials with a context detached from the request: the check's own context
	// in the scope still ends the wait.
	check, cancel := context.WithCancel(context.Background())
	detached := context.WithoutCancel(withScope(check, Ordinary))
	done := make(chan error, 1)
	go func() { done <- lim.acquire(detached, "rp:443", time.Minute) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("ended check: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a wait outlived the check it was for")
	}
	if len(lim.waiters) != 0 {
		t.Errorf("%d waiters left", len(lim.waiters))
	}
}

// TestDialerReleasesOnce: closing a connection frees its slot exactly once, and a wait that
// runs out names the tool's own limit, not the server.
func TestDialerReleasesOnce(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	d := newDialer(Options{Timeout: 50 * time.Millisecond, Resolver: mapResolver{}}.withDefaults())
	d.conns = newLimiter(2, 2)
	for range 5 {
		c, err := d.dial(context.Background(), "tcp4", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		c.Close()
	}
	if d.conns.nheld != 0 {
		t.Fatalf("%d slots held after every connection closed", d.conns.nheld)
	}
	for range 2 {
		if _, err := d.dial(context.Background(), "tcp4", ln.Addr().String()); err != nil {
			t.Fatal(err)
		}
	}
	_, err = d.dial(context.Background(), "tcp4", ln.Addr().String())
	if !errors.Is(err, errNoConnection) || !strings.Contains(err.Error(), "this tool opens at most") {
		t.Errorf("wait for a full limit: %v", err)
	}
	if got := describeErr(err); !strings.HasPrefix(got, "waited the whole timeout for a free connection to 127.0.0.1:") {
		t.Errorf("described as %q", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(time.Millisecond)
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

// TestRunWithholdsSecrets: whatever a check (or the server it quotes) put in a result, no
// output gets what looks like a secret, nor a value under a credential's name.
func TestRunWithholdsSecrets(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
	list := []Check{{ID: "x", Run: func(context.Context) Result {
		return Result{Status: model.Fail, Message: "the server answered: logout_token=" + jwt,
			Evidence: map[string]string{"param.client_secret": "hunter2", "body": `{"echo":"` + jwt + `"}`, "status": "400"}}
	}}}
	r := Run(context.Background(), list, Options{Timeout: 5 * time.Second}, nil)[0]
	for _, s := range append([]string{r.Message}, r.Evidence["param.client_secret"], r.Evidence["body"]) {
		if strings.Contains(s, "hunter2") || strings.Contains(s, "eyJ") || !strings.HasPrefix(s, "(withheld: ") {
			t.Errorf("not withheld: %q", s)
		}
	}
	if r.Evidence["status"] != "400" || r.Status != model.Fail {
		t.Errorf("the rest of the result must stand: %+v", r)
	}
}

// TestEchoedLogoutTokenIsWithheld: a logout endpoint that echoes the form it was sent (the
// bogus logout token, a JWT) back in its error page does not get the token into the report.
func TestEchoedLogoutTokenIsWithheld(t *testing.T) {
	pki := newPKI(t)
	s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(body)
	}), testHost)
	cfg := pkjwtConfig(urlFor(s, "/cb"), urlFor(s, "/logout"), "")
	r := runOneCheck(t, cfg, pki.testOptions(), IDBCL, "backchannel_logout_uri")
	for k, v := range r.Evidence {
		if strings.Contains(v, "eyJ") {
			t.Errorf("evidence %s holds the token: %.60s", k, v)
		}
	}
	if strings.Contains(r.Message, "eyJ") {
		t.Errorf("message holds the token: %.80s", r.Message)
	}
}
