package watch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

func TestDefaultStatePath(t *testing.T) {
	for in, want := range map[string]string{
		"prod.yaml":              "prod.watch-state.json",
		"/etc/cis2/prod.yaml":    "/etc/cis2/prod.watch-state.json",
		"configs/int.json":       "configs/int.watch-state.json",
		"no-extension":           "no-extension.watch-state.json",
		"dir.with.dots/c.v2.yml": "dir.with.dots/c.v2.watch-state.json",
	} {
		if got := DefaultStatePath(in); got != filepath.FromSlash(want) {
			t.Errorf("DefaultStatePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStateRoundTripAndRefusals(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.json")
	if s, err := LoadState(path); s != nil || err != nil {
		t.Fatalf("missing file: %v, %v; want the first run (nil, nil)", s, err)
	}
	want := &State{Version: StateVersion, Config: "prod.yaml", RunAt: t0, Results: []Outcome{{ID: "uri.tls", Target: "jwks_uri", Status: model.Pass}},
		JWKS: &KeySet{SeenAt: t0, Keys: []Key{{KID: "a\x1b[31m", Thumbprint: "tp"}}}, SigningKID: "a"}
	if err := SaveState(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(path)
	if err != nil || got.JWKS.Keys[0].KID != want.JWKS.Keys[0].KID || got.Results[0] != want.Results[0] || !got.RunAt.Equal(t0) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	data, _ := os.ReadFile(path)
	if strings.ContainsRune(string(data), '\x1b') {
		t.Error("the state file must hold a kid's control characters escaped, not raw")
	}

	for name, body := range map[string]string{
		"not JSON":      "version: 1\n",
		"no version":    `{"results": []}`,
		"newer version": `{"version": 99}`,
		"wrong types":   `{"version": 1, "results": "x"}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		os.WriteFile(p, []byte(body), 0o644)
		_, err := LoadState(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "--state") && name != "wrong types" {
			t.Errorf("%s: err %v, want one naming the file and the fix", name, err)
		}
	}
	if _, err := LoadState(filepath.Join(dir, "newer-version.json")); !strings.Contains(err.Error(), "newer cis2-golive") {
		t.Errorf("newer format: %v", err)
	}
	if err := SaveState(filepath.Join(dir, "missing", "s.json"), want); err == nil || !strings.Contains(err.Error(), "--state") {
		t.Errorf("unwritable directory: %v, want an error naming --state", err)
	}
}

func TestScheduleNeverOverlapsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var running, maxRunning, rounds atomic.Int32
	var jitters atomic.Int32
	s := Schedule{Every: 10 * time.Millisecond, Jitter: func(every time.Duration) time.Duration {
		jitters.Add(1)
		return every / 10
	}}
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(ctx context.Context) {
			n := running.Add(1)
			if n > maxRunning.Load() {
				maxRunning.Store(n)
			}
			// Every other round outlasts the interval: the next must still wait for it.
			if rounds.Add(1)%2 == 0 {
				time.Sleep(25 * time.Millisecond)
			}
			running.Add(-1)
			if rounds.Load() == 6 {
				cancel()
			}
		})
	}()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("schedule did not stop after its context was cancelled")
	}
	if rounds.Load() != 6 || maxRunning.Load() != 1 {
		t.Errorf("rounds %d (want 6), most at once %d (want 1)", rounds.Load(), maxRunning.Load())
	}
	if jitters.Load() < 5 {
		t.Errorf("jitter asked %d times, want once per wait", jitters.Load())
	}
}

func TestDefaultJitter(t *testing.T) {
	for _, every := range []time.Duration{time.Second, time.Hour, 24 * time.Hour} {
		limit := min(every/10, 5*time.Minute)
		for range 100 {
			if j := DefaultJitter(every); j < 0 || j >= limit {
				t.Fatalf("DefaultJitter(%s) = %s, want in [0, %s)", every, j, limit)
			}
		}
	}
	if DefaultJitter(5*time.Nanosecond) != 0 {
		t.Error("an interval too short to jitter gets none")
	}
}

func TestMetricsAddr(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:9464": "127.0.0.1:9464", ":9464": "127.0.0.1:9464", "9464": "127.0.0.1:9464",
		"0.0.0.0:9464": "0.0.0.0:9464", "[::1]:9464": "[::1]:9464", "": DefaultMetricsAddr,
	} {
		if got, err := MetricsAddr(in); err != nil || got != want {
			t.Errorf("MetricsAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"localhost", "127.0.0.1:port", "1.2.3.4:99999"} {
		if _, err := MetricsAddr(in); err == nil || !strings.Contains(err.Error(), "127.0.0.1:9464") {
			t.Errorf("MetricsAddr(%q): %v, want an error showing the form", in, err)
		}
	}
}
