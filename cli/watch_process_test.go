package cli

import (
	"bufio"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/watch"
)

// processRig is a loopback relying party for watch run as a separate process (the real
// binary, as testscript installs it on PATH): its JWKS changes on every fetch, so every round
// writes a different state, and each fetch is held for hold so a kill can land mid-round.
type processRig struct {
	config, ca, state string
	fetches           atomic.Int32
}

func newProcessRig(t *testing.T, hold time.Duration) *processRig {
	t.Helper()
	rig := &processRig{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/jwks.json":
			n := rig.fetches.Add(1)
			time.Sleep(hold)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"keys": [%s]}`, ecJWK(t, fmt.Sprintf("key-%d", n)))
		case "/logout":
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // killed clients end handshakes rudely
	srv.StartTLS()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	rig.ca = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(rig.ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	rig.config = filepath.Join(dir, "prod.yaml")
	cfg := fmt.Sprintf("environment: integration\nredirect_uris: [%q]\nbackchannel_logout_uri: %q\n"+
		"token_endpoint_auth_method: private_key_jwt\njwks_uri: %q\ntoken_endpoint_auth_signing_alg: RS256\n",
		srv.URL+"/cb", srv.URL+"/logout", srv.URL+"/jwks.json")
	if err := os.WriteFile(rig.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	rig.state = watch.DefaultStatePath(rig.config)
	return rig
}

func (rig *processRig) command(args ...string) *exec.Cmd {
	args = append([]string{"watch", "--config", rig.config, "--ca-cert", rig.ca, "--allow-private", "--timeout", "5s"}, args...)
	cmd := exec.Command("cis2-golive", args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	return cmd
}

// loadState reads the state file and checks it is whole: it parses, has the current format
// and records every result of a round.
func (rig *processRig) loadState(t *testing.T) *watch.State {
	t.Helper()
	s, err := watch.LoadState(rig.state)
	if err != nil {
		data, _ := os.ReadFile(rig.state)
		t.Fatalf("state file is not valid: %v\n%s", err, data)
	}
	if s != nil && (s.Version != watch.StateVersion || len(s.Results) == 0 || s.JWKS == nil) {
		t.Fatalf("state file is not one whole round: %+v", s)
	}
	return s
}

// kill -9 at any moment of a round leaves the state of the round before or of this one,
// never a torn file.
func TestWatchStateSurvivesKill9(t *testing.T) {
	rig := newProcessRig(t, 150*time.Millisecond)
	if out, err := rig.command("--once").CombinedOutput(); err != nil && !strings.Contains(string(out), "passed") {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	prev := rig.loadState(t)
	if prev == nil {
		t.Fatal("the first complete run must leave a state file")
	}
	seen := map[time.Time]bool{prev.RunAt: true}
	kept, replaced := 0, 0
	for i := range 10 {
		cmd := rig.command("--once")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// From before the round starts to after it has saved (start and round take about
		// 300 ms here, most of it the held JWKS fetch).
		time.Sleep(time.Duration(rand.N(700)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		s := rig.loadState(t)
		switch {
		case s.RunAt.Equal(prev.RunAt):
			kept++
		case s.RunAt.After(prev.RunAt):
			replaced++
		default:
			t.Fatalf("kill %d: the state went back in time: %s after %s", i, s.RunAt, prev.RunAt)
		}
		if seen[s.RunAt] && !s.RunAt.Equal(prev.RunAt) {
			t.Fatalf("kill %d: a state from an earlier round came back", i)
		}
		seen[s.RunAt] = true
		prev = s
	}
	t.Logf("10 kills: %d left the previous state, %d the new one", kept, replaced)
	if kept == 0 {
		t.Error("no kill landed mid-round: the test did not test what it says")
	}
}

// SIGTERM stops --every cleanly: exit 0, the state of the last complete round saved.
func TestWatchEveryStopsOnSIGTERM(t *testing.T) {
	rig := newProcessRig(t, 0)
	cmd := rig.command("--every", "1s", "--format", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bufio.NewReader(stdout))
	var rep watchReport
	for range 2 { // two rounds: the second compares with the first
		if err := dec.Decode(&rep); err != nil {
			cmd.Process.Kill()
			t.Fatalf("reading a round: %v (stderr %q)", err, stderr.String())
		}
	}
	if rep.PreviousRun == nil || len(rep.changes(watch.KindAdded)) != 1 {
		t.Errorf("second round: previous %v, changes %+v; want one added key", rep.PreviousRun, rep.Changes)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGTERM: %v, want exit 0 (stderr %q)", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("watch --every did not stop on SIGTERM")
	}
	if !strings.Contains(stderr.String(), "stopped; the state file keeps the round of") {
		t.Errorf("stderr: %q", stderr.String())
	}
	if s := rig.loadState(t); s == nil || s.RunAt.Before(*rep.PreviousRun) {
		t.Errorf("state after SIGTERM: %+v", s)
	}
}
