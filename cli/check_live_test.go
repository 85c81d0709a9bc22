package cli

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// liveRP is a loopback relying party: logout answers 400 with no-store, anything else 200.
func liveRP(t *testing.T) *httptest.Server {
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/logout" && r.Method == http.MethodPost {
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func liveConfig(t *testing.T, base string) string {
	return writeFile(t, "live.yaml", fmt.Sprintf("environment: integration\nredirect_uris: [%q]\nbackchannel_logout_uri: %q\ntoken_endpoint_auth_method: client_secret_basic\n",
		base+"/cb", base+"/logout"))
}

func runCheckOpts(t *testing.T, ctx context.Context, opts *CheckOptions) (stdout, stderr string, err error) {
	t.Helper()
	ios, _, out, errOut := Test()
	opts.IO = ios
	if opts.Format == "" {
		opts.Format = "json"
	}
	err = runCheck(ctx, opts)
	return out.String(), errOut.String(), err
}

func TestCheckLiveReportsOfflineThenLive(t *testing.T) {
	s := liveRP(t)
	live := checks.Options{Timeout: 5 * time.Second, AllowPrivate: true, RootCAs: poolOf(s)}
	stdout, stderr, err := runCheckOpts(t, context.Background(), &CheckOptions{ConfigPath: liveConfig(t, s.URL), Live: &live})
	var rep struct {
		Results []checks.Result
	}
	if jerr := json.Unmarshal([]byte(stdout), &rep); jerr != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", jerr, stdout)
	}
	if stderr != "" {
		t.Errorf("no TTY: stderr should be empty, got %q", stderr)
	}
	firstLive := -1
	for i, r := range rep.Results {
		live := !strings.HasPrefix(r.ID, "config.")
		if live && firstLive < 0 {
			firstLive = i
		}
		if !live && firstLive >= 0 {
			t.Errorf("offline result %s after live results", r.ID)
		}
	}
	if firstLive < 0 {
		t.Fatal("no live results")
	}
	got := map[string]model.Severity{}
	for _, r := range rep.Results[firstLive:] {
		got[r.ID+" "+r.Target] = r.Status
	}
	for _, id := range []string{"uri.tls backchannel_logout_uri", "uri.reachable redirect_uris[0]", "bcl.rejects-bogus-token backchannel_logout_uri"} {
		if got[id] != model.Pass {
			t.Errorf("%s: %s, want pass (all: %v)", id, got[id], got)
		}
	}
	if err != nil {
		t.Errorf("an integration config on a healthy loopback RP should not fail: %v", err)
	}
}

func TestCheckLiveProgressOnTTY(t *testing.T) {
	s := liveRP(t)
	live := checks.Options{Timeout: 5 * time.Second, AllowPrivate: true, RootCAs: poolOf(s)}
	ios, _, out, errOut := Test()
	ios.SetTTY(false, true)
	_ = runCheck(context.Background(), &CheckOptions{IO: ios, ConfigPath: liveConfig(t, s.URL), Format: "json", Live: &live})
	if !strings.Contains(errOut.String(), "pass  bcl.rejects-bogus-token  backchannel_logout_uri") || !strings.Contains(errOut.String(), "[10/10]") {
		t.Errorf("no progress lines on stderr: %q", errOut.String())
	}
	if !json.Valid(out.Bytes()) {
		t.Errorf("stdout is not clean JSON with progress on: %q", out.String())
	}
}

func TestCheckLiveCancelExits130(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { // accept, never speak TLS, and cancel once the checks are waiting on us
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			cancel()
		}
	}()
	cfg := liveConfig(t, "https://"+ln.Addr().String())
	ios, _, out, _ := Test()
	code := Run(ctx, []string{"check", "--config", cfg, "--allow-private", "--timeout", "1h", "--format", "json"}, ios, BuildInfo{})
	if code != ExitCancelled {
		t.Fatalf("exit %d, want %d", code, ExitCancelled)
	}
	// What finished is kept; what did not is reported as cancelled, not lost.
	var rep struct {
		Results []struct{ ID, Status, Message string }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("a cancelled run must still print its report: %v\n%s", err, out.String())
	}
	var offline, cancelled int
	for _, r := range rep.Results {
		switch {
		case strings.HasPrefix(r.ID, "config.") && r.Status == "pass":
			offline++
		case r.Status == "skip" && r.Message == "cancelled":
			cancelled++
		}
	}
	if offline == 0 || cancelled == 0 {
		t.Errorf("want the offline passes kept and unfinished checks cancelled: %+v", rep.Results)
	}
}

func TestCheckLiveFlagErrors(t *testing.T) {
	cfg := liveConfig(t, "https://127.0.0.1:1")
	notPEM := writeFile(t, "ca.pem", "not a certificate")
	for name, args := range map[string][]string{
		"bad ca cert":  {"check", "--config", cfg, "--ca-cert", notPEM},
		"zero timeout": {"check", "--config", cfg, "--timeout", "0s"},
	} {
		t.Run(name, func(t *testing.T) {
			if code, _, _ := runCLI(t, args...); code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
		})
	}
}

func poolOf(s *httptest.Server) *x509.CertPool {
	return s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
}
