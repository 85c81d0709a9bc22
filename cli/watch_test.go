package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cis2-golive/cis2-golive/checks"
	cmodel "github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sandbox"
	"github.com/cis2-golive/cis2-golive/watch"
)

// watchRig is a sandbox whose JWKS the test rewrites between runs: the relying party's own
// key (which --key signs with) unless dropped, then the extra keys.
type watchRig struct {
	sb     *sandbox.Sandbox
	files  sandbox.Files
	live   checks.Options
	state  string
	extra  atomic.Pointer[[]json.RawMessage]
	dropRP atomic.Bool
	down   atomic.Bool            // the JWKS answers 503
	onJWKS atomic.Pointer[func()] // called on each JWKS request, when set
}

func newWatchRig(t *testing.T) *watchRig {
	t.Helper()
	rig := &watchRig{}
	rig.extra.Store(&[]json.RawMessage{})
	sb, err := sandbox.Start(sandbox.Options{Wrap: func(e sandbox.Endpoint, h http.Handler) http.Handler {
		if e != sandbox.JWKS {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if f := rig.onJWKS.Load(); f != nil {
				(*f)()
			}
			if rig.down.Load() {
				http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			var doc struct {
				Keys []json.RawMessage `json:"keys"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				http.Error(w, "bad sandbox JWKS", http.StatusInternalServerError)
				return
			}
			if rig.dropRP.Load() {
				doc.Keys = nil
			}
			doc.Keys = append(doc.Keys, *rig.extra.Load()...)
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(doc)
		})
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	dir := t.TempDir()
	if rig.files, err = sb.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	rig.sb = sb
	rig.state = filepath.Join(dir, "state.json")
	rig.live = DemoCheckOptions(sb, rig.files, 5*time.Second) // what `demo` checks with
	return rig
}

// serve sets the extra keys the JWKS publishes.
func (rig *watchRig) serve(keys ...json.RawMessage) { rig.extra.Store(&keys) }

// watchReport is the part of `watch --format json` the tests read.
type watchReport struct {
	Config      string          `json:"config"`
	Results     []checks.Result `json:"results"`
	Summary     checks.Summary  `json:"summary"`
	RunAt       time.Time       `json:"run_at"`
	PreviousRun *time.Time      `json:"previous_run"`
	Regressions int             `json:"regressions"`
	Changes     []watch.Change  `json:"changes"`
}

func (r watchReport) result(id, target string) checks.Result {
	for _, res := range r.Results {
		if res.ID == id && res.Target == target {
			return res
		}
	}
	return checks.Result{Status: "absent"}
}

// runAt is when the round ran, as the watch's messages print it.
func (r watchReport) runAt() string { return r.RunAt.UTC().Format(time.RFC3339) }

func (r watchReport) changes(kind string) []watch.Change {
	var out []watch.Change
	for _, c := range r.Changes {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// once runs `watch --once --format json` in-process and decodes the report.
func (rig *watchRig) once(t *testing.T, edit func(*WatchOptions)) (watchReport, error) {
	t.Helper()
	ios, _, out, errOut := Test()
	opts := &WatchOptions{IO: ios, ConfigPath: rig.files.Config, StatePath: rig.state, Format: "json", Live: &rig.live, Version: "test"}
	if edit != nil {
		edit(opts)
	}
	err := runWatch(context.Background(), opts)
	var rep watchReport
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
		t.Fatalf("stdout is not one JSON report: %v\nstdout: %s\nstderr: %s", jerr, out, errOut)
	}
	return rep, err
}

func ecJWK(t *testing.T, kid string) json.RawMessage {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	data, err := jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Two --once runs against a loopback TLS server whose JWKS changes between them.
func TestWatchReportsJWKSChangesBetweenRuns(t *testing.T) {
	rig := newWatchRig(t)
	b := ecJWK(t, "key-b")
	rig.serve(b, ecJWK(t, "key-c"))

	first, err := rig.once(t, nil)
	if err != nil {
		t.Fatalf("first run: %v (results %+v)", err, first.Results)
	}
	if first.PreviousRun != nil || len(first.Changes) != 0 {
		t.Errorf("first run: previous %v, changes %+v; want none", first.PreviousRun, first.Changes)
	}
	if r := first.result(watch.IDKids, "jwks_uri"); r.Status != cmodel.Skip || !strings.Contains(r.Message, "baseline") {
		t.Errorf("first run drift.jwks.kids: %s %q", r.Status, r.Message)
	}
	if r := first.result(checks.IDAssertion, "jwks_uri"); r.Status != cmodel.Pass {
		t.Fatalf("the sandbox assertion must pass to record the signing kid: %s %q", r.Status, r.Message)
	}

	// key-b now names another key; key-c is gone; key-d is new.
	rig.serve(ecJWK(t, "key-b"), ecJWK(t, "key-d"))
	second, err := rig.once(t, nil)
	if !errors.Is(err, failedError) {
		t.Fatalf("second run: err %v, want exit 1 (a reused kid fails)", err)
	}
	if second.PreviousRun == nil {
		t.Error("second run must say which run it compared with")
	}
	if cs := second.changes(watch.KindAdded); len(cs) != 1 || cs[0].New != "kid key-d" {
		t.Errorf("added: %+v, want key-d", cs)
	}
	if cs := second.changes(watch.KindRemoved); len(cs) != 1 || cs[0].Old != "kid key-c" || cs[0].Status != cmodel.Warn {
		t.Errorf("removed: %+v, want key-c (warn)", cs)
	}
	if cs := second.changes(watch.KindReused); len(cs) != 1 || cs[0].Status != cmodel.Fail || !strings.Contains(cs[0].Message, "key-b") {
		t.Errorf("reused: %+v, want key-b (fail)", cs)
	}
	if r := second.result(watch.IDKidReused, "jwks_uri"); r.Status != cmodel.Fail || r.Fix == "" {
		t.Errorf("drift.jwks.kid-reused: %s %q fix %q, want a failure with a fix", r.Status, r.Message, r.Fix)
	}
	if r := second.result(watch.IDKids, "jwks_uri"); r.Status != cmodel.Warn {
		t.Errorf("drift.jwks.kids: %s %q, want warn (a key nobody signs with was removed)", r.Status, r.Message)
	}
	if second.Summary.Fail == 0 {
		t.Error("the summary must count the reuse failure")
	}
	if state, err := watch.LoadState(rig.state); err != nil || state.JWKS == nil || len(state.JWKS.Keys) != 3 {
		t.Errorf("state after the second run: %+v, %v; want its 3 keys", state, err)
	}
}

func TestWatchSigningKeyRemovedFailsAndRegresses(t *testing.T) {
	rig := newWatchRig(t)
	rig.serve(ecJWK(t, "spare"))
	if _, err := rig.once(t, nil); err != nil {
		t.Fatalf("first run: %v", err)
	}
	rig.dropRP.Store(true) // the key client assertions are signed with leaves the JWKS
	rep, err := rig.once(t, nil)
	if !errors.Is(err, failedError) {
		t.Fatalf("err %v, want exit 1", err)
	}
	if r := rep.result(watch.IDKids, "jwks_uri"); r.Status != cmodel.Fail || !strings.Contains(r.Message, "last seen signed with") {
		t.Errorf("drift.jwks.kids: %s %q, want the signing kid's removal to fail", r.Status, r.Message)
	}
	regs := rep.changes(watch.KindRegression)
	if rep.Regressions == 0 || len(regs) != rep.Regressions || !containsChange(regs, checks.IDAssertion) {
		t.Errorf("regressions %d, changes %+v; want assertion.sign-verify among them", rep.Regressions, regs)
	}
	if r := rep.result(checks.IDAssertion, "jwks_uri"); !strings.Contains(r.Evidence["regression"], "was pass") {
		t.Errorf("the regressed result must be marked: evidence %v", r.Evidence)
	}
	// Put it back: the regression recovers.
	rig.dropRP.Store(false)
	rep, _ = rig.once(t, nil)
	if !containsChange(rep.changes(watch.KindRecovered), checks.IDAssertion) {
		t.Errorf("recovered: %+v, want assertion.sign-verify", rep.changes(watch.KindRecovered))
	}
}

// A check that passed, could not run for a round (the JWKS was down, so the checks that read
// it skipped) and then fails is a regression: the round in between saw nothing to compare.
func TestWatchRegressionAcrossARoundThatCouldNotSee(t *testing.T) {
	rig := newWatchRig(t)
	first, err := rig.once(t, nil)
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	if r := first.result(checks.IDJWKSPublic, "jwks_uri"); r.Status != cmodel.Pass {
		t.Fatalf("jwks.public-only must pass first: %s %q", r.Status, r.Message)
	}
	rig.down.Store(true)
	blind, _ := rig.once(t, nil)
	if r := blind.result(checks.IDJWKSPublic, "jwks_uri"); r.Status != cmodel.Skip {
		t.Fatalf("with the JWKS down, jwks.public-only should skip: %s %q", r.Status, r.Message)
	}
	rig.down.Store(false)
	rig.serve(json.RawMessage(`{"kty": "oct", "kid": "shared", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ"}`))
	rep, err := rig.once(t, nil)
	if !errors.Is(err, failedError) {
		t.Fatalf("err %v, want exit 1", err)
	}
	if r := rep.result(checks.IDJWKSPublic, "jwks_uri"); r.Status != cmodel.Fail || !strings.Contains(r.Evidence["regression"], "was pass on "+first.runAt()) {
		t.Errorf("jwks.public-only: %s, evidence %v; want a failure marked as a regression from the first run", r.Status, r.Evidence)
	}
	if !containsChange(rep.changes(watch.KindRegression), checks.IDJWKSPublic) {
		t.Errorf("regressions: %+v, want jwks.public-only", rep.changes(watch.KindRegression))
	}
}

func containsChange(cs []watch.Change, id string) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

// A certificate expiring in 10 days warns, in 3 days fails: the clock is injected.
func TestWatchCertificateExpiryWithInjectedClock(t *testing.T) {
	rig := newWatchRig(t)
	rep, err := rig.once(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	notAfter, err := time.Parse(time.RFC3339, rep.result(watch.IDExpiryTLS, "jwks_uri").Evidence["not_after"])
	if err != nil {
		t.Fatalf("expiry.tls evidence: %v (%+v)", err, rep.result(watch.IDExpiryTLS, "jwks_uri"))
	}
	for _, tt := range []struct {
		left time.Duration
		want cmodel.Severity
	}{{10 * 24 * time.Hour, cmodel.Warn}, {3 * 24 * time.Hour, cmodel.Fail}} {
		now := notAfter.Add(-tt.left)
		rep, _ := rig.once(t, func(o *WatchOptions) { o.Now = func() time.Time { return now } })
		for _, target := range []string{"redirect_uris[0]", "backchannel_logout_uri", "jwks_uri"} {
			r := rep.result(watch.IDExpiryTLS, target)
			if r.Status != tt.want || !strings.Contains(r.Message, "expires in") {
				t.Errorf("%s left, %s: %s %q, want %s", tt.left, target, r.Status, r.Message, tt.want)
			}
		}
	}
}

func TestWatchConfigAndDiscoveryDrift(t *testing.T) {
	rig := newWatchRig(t)
	submitted := writeFile(t, "submitted.yaml", "") // replaced below with the sandbox's own config
	cfg, _, err := cmodel.Load(rig.files.Config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.JWKSURI += "?v=1" // NHS holds another jwks_uri than the one served
	if err := cmodel.Save(submitted, cfg); err != nil {
		t.Fatal(err)
	}
	rep, err := rig.once(t, func(o *WatchOptions) { o.SubmittedPath = submitted })
	if !errors.Is(err, failedError) {
		t.Fatalf("err %v, want exit 1", err)
	}
	r := rep.result(watch.IDConfigDrift, submitted)
	if r.Status != cmodel.Fail || !strings.Contains(r.Message, "NHS must receive an update for jwks_uri") {
		t.Errorf("drift.config: %s %q", r.Status, r.Message)
	}
	if r := rep.result(watch.IDDiscovery, "discovery"); r.Status != cmodel.Skip || !strings.Contains(r.Message, "baseline") {
		t.Errorf("drift.discovery, first read: %s %q", r.Status, r.Message)
	}
	rep, _ = rig.once(t, func(o *WatchOptions) { o.SubmittedPath = submitted })
	if r := rep.result(watch.IDDiscovery, "discovery"); r.Status != cmodel.Pass {
		t.Errorf("drift.discovery, same document: %s %q", r.Status, r.Message)
	}
}

// A state file another configuration wrote (a --state copied from another product's cron
// line) is refused: compared with it, every round would start a new JWKS baseline (another
// jwks_uri) and never report this one's key drift, and call the other product's results
// regressions.
func TestWatchRefusesAnotherConfigurationsState(t *testing.T) {
	rig := newWatchRig(t)
	cfg, _, err := cmodel.Load(rig.files.Config)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientID == "" {
		t.Fatal("the sandbox configuration should have a client_id")
	}
	if _, err := rig.once(t, nil); err != nil {
		t.Fatalf("first run: %v", err)
	}
	before, _ := os.ReadFile(rig.state)
	other := *cfg
	other.ClientID = "987654321098.apps.supplier"
	other.Product = "Another product"
	otherPath := filepath.Join(t.TempDir(), "other.yaml")
	if err := cmodel.Save(otherPath, &other); err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := Test()
	err = runWatch(context.Background(), &WatchOptions{IO: ios, ConfigPath: otherPath, StatePath: rig.state, Format: "json", Live: &rig.live, Version: "test"})
	if exitCode(err) != ExitUsage || !strings.Contains(err.Error(), rig.state) || !strings.Contains(err.Error(), cfg.ClientID) || !strings.Contains(err.Error(), "--state") {
		t.Errorf("another configuration's state: %v (exit %d), want exit 2 naming the file, its client_id and --state", err, exitCode(err))
	}
	if after, _ := os.ReadFile(rig.state); string(after) != string(before) {
		t.Error("the refused run must leave the other configuration's state alone")
	}
	// The configuration's own state is fine, even under another path to the same file.
	if _, err := rig.once(t, nil); err != nil {
		t.Errorf("the same configuration again: %v", err)
	}
}

func TestWatchUnreadableFilesExit2(t *testing.T) {
	rig := newWatchRig(t)
	bad := writeFile(t, "state.json", "{not json")
	ios, _, _, _ := Test()
	err := runWatch(context.Background(), &WatchOptions{IO: ios, ConfigPath: rig.files.Config, StatePath: bad, Format: "json", Live: &rig.live})
	if exitCode(err) != ExitUsage || !strings.Contains(err.Error(), bad) {
		t.Errorf("corrupt state: %v (exit %d), want exit 2 naming the file", err, exitCode(err))
	}
	err = runWatch(context.Background(), &WatchOptions{IO: ios, ConfigPath: rig.files.Config, StatePath: rig.state,
		SubmittedPath: filepath.Join(t.TempDir(), "nope.json"), Format: "json", Live: &rig.live})
	if exitCode(err) != ExitUsage || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("missing --submitted: %v (exit %d), want exit 2 naming the file", err, exitCode(err))
	}
}

// --every 1s for a bounded time runs several rounds, and neither goroutines nor the heap grow
// from one round to the next.
func TestWatchEveryRunsRoundsWithoutGrowth(t *testing.T) {
	rig := newWatchRig(t)
	rig.serve(ecJWK(t, "spare"))
	runtime.GC()
	before := runtime.NumGoroutine()

	var mu sync.Mutex
	var goroutines []int
	var heap []uint64
	ios, _, out, errOut := Test()
	ctx, cancel := context.WithTimeout(context.Background(), 4500*time.Millisecond)
	defer cancel()
	opts := &WatchOptions{IO: ios, ConfigPath: rig.files.Config, StatePath: rig.state, Format: "json", Every: time.Second,
		Live: &rig.live, Version: "test",
		// Called after each round, before the wait: the place to measure.
		Jitter: func(time.Duration) time.Duration {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mu.Lock()
			goroutines = append(goroutines, runtime.NumGoroutine())
			heap = append(heap, ms.HeapAlloc)
			mu.Unlock()
			return 0
		}}
	if err := runWatch(ctx, opts); err != nil {
		t.Fatalf("a stopped --every ends with exit 0, got %v\n%s", err, errOut)
	}
	dec := json.NewDecoder(out)
	rounds := 0
	for {
		var rep watchReport
		if err := dec.Decode(&rep); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("round %d: %v", rounds+1, err)
		}
		rounds++
	}
	if rounds < 3 || len(goroutines) < 3 {
		t.Fatalf("%d rounds reported, %d measured in 4.5 s of --every 1s; want at least 3", rounds, len(goroutines))
	}
	if !strings.Contains(errOut.String(), "stopped; the state file keeps the round of") {
		t.Errorf("stderr should say the watch stopped and what the state holds: %q", errOut)
	}
	t.Logf("%d rounds; goroutines after each: %v; heap after each (KiB): %v", rounds, goroutines, kib(heap))
	// From the second round on (the first warms caches and pools), nothing accumulates.
	const slack = 5
	for i := 2; i < len(goroutines); i++ {
		if goroutines[i] > goroutines[1]+slack {
			t.Errorf("goroutines after each round: %v; they grow", goroutines)
			break
		}
	}
	if heap[len(heap)-1] > heap[1]+4<<20 {
		t.Errorf("heap after each round: %v; it grows by more than 4 MiB", heap)
	}
	// Fake CIS2 fetches the relying party's JWKS for token.probe with the sandbox's own client,
	// whose kept-alive connection is the sandbox's, not the watch's.
	rig.sb.HTTPClient().CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+slack && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before+slack {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before the watch, %d after it stopped\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func kib(bs []uint64) []uint64 {
	out := make([]uint64, len(bs))
	for i, b := range bs {
		out[i] = b >> 10
	}
	return out
}

func TestWatchServesMetrics(t *testing.T) {
	rig := newWatchRig(t)
	ios, _, _, errOut := Test()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := make(chan net.Addr, 1)
	rounds := make(chan struct{}, 10)
	opts := &WatchOptions{IO: ios, ConfigPath: rig.files.Config, StatePath: rig.state, Format: "json", Every: time.Hour,
		MetricsListen: "127.0.0.1:0", Live: &rig.live, Version: "test",
		metricsReady: func(a net.Addr) { addr <- a },
		Jitter:       func(time.Duration) time.Duration { rounds <- struct{}{}; return 0 }}
	done := make(chan error, 1)
	go func() { done <- runWatch(ctx, opts) }()
	a := <-addr
	select {
	case <-rounds:
	case err := <-done:
		t.Fatalf("watch ended before its first round: %v\n%s", err, errOut)
	}
	resp, err := http.Get("http://" + a.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("metrics are not in the Prometheus text format: %v", err)
	}
	for _, name := range []string{"cis2_golive_check_status", "cis2_golive_certificate_expiry_timestamp_seconds", "cis2_golive_jwks_keys",
		"cis2_golive_last_run_timestamp_seconds", "cis2_golive_last_run_duration_seconds", "cis2_golive_runs_total"} {
		if fams[name] == nil || len(fams[name].GetMetric()) == 0 {
			t.Errorf("metric %s missing", name)
		}
	}
	if got := fams["cis2_golive_jwks_keys"].GetMetric()[0].GetGauge().GetValue(); got != 1 {
		t.Errorf("cis2_golive_jwks_keys = %v, want 1", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("stopped watch: %v", err)
	}
	if !strings.Contains(errOut.String(), "serving Prometheus metrics at http://127.0.0.1:") {
		t.Errorf("stderr: %q", errOut)
	}
}

// A configuration that breaks mid-watch is reported and retried; the watch goes on, and the
// round after the fix compares with the last good one.
func TestWatchEveryKeepsGoingWhenAFileBreaks(t *testing.T) {
	rig := newWatchRig(t)
	good, err := os.ReadFile(rig.files.Config)
	if err != nil {
		t.Fatal(err)
	}
	ios, _, out, errOut := Test()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	round := 0
	opts := &WatchOptions{IO: ios, ConfigPath: rig.files.Config, StatePath: rig.state, Format: "json", Every: time.Second,
		Live: &rig.live, Version: "test",
		Jitter: func(time.Duration) time.Duration {
			round++
			switch round {
			case 1: // break the file for the second round
				os.WriteFile(rig.files.Config, []byte("redirect_uris: [\n"), 0o644)
			case 2: // mend it for the third
				os.WriteFile(rig.files.Config, good, 0o644)
			case 3:
				cancel()
			}
			return 0
		}}
	if err := runWatch(ctx, opts); err != nil {
		t.Fatalf("watch: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut.String(), "not run: ") || !strings.Contains(errOut.String(), "invalid YAML") {
		t.Errorf("the broken round must be reported on stderr: %q", errOut)
	}
	dec := json.NewDecoder(out)
	var reps []watchReport
	for {
		var rep watchReport
		if err := dec.Decode(&rep); err != nil {
			break
		}
		reps = append(reps, rep)
	}
	if len(reps) != 2 || reps[1].PreviousRun == nil {
		t.Fatalf("want the first and the third round reported, the third compared with the first: %d reports", len(reps))
	}
}

// Ctrl+C during --once: what finished is shown, the exit is 130, and the state is untouched.
func TestWatchOnceInterruptedKeepsState(t *testing.T) {
	rig := newWatchRig(t)
	if _, err := rig.once(t, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(rig.state)
	ctx, cancel := context.WithCancel(context.Background())
	ios, _, out, _ := Test()
	opts := &WatchOptions{IO: ios, ConfigPath: rig.files.Config, StatePath: rig.state, Format: "json", Live: &rig.live, Version: "test"}
	interrupt := func() { cancel() } // as Ctrl+C would, once the checks are under way
	rig.onJWKS.Store(&interrupt)
	start := time.Now()
	err := runWatch(ctx, opts)
	t.Logf("interrupted run returned after %s", time.Since(start))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled (exit 130)", err)
	}
	if !strings.Contains(out.String(), `"results"`) {
		t.Errorf("an interrupted run still prints what finished:\n%s", out)
	}
	after, _ := os.ReadFile(rig.state)
	if string(before) != string(after) {
		t.Error("an interrupted round must not replace the state")
	}
}
