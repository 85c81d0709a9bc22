package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// realToolsEnv is set by scripts/watch-ci, which installs promtool, prometheus (Debian's
// prometheus package) and xmllint (libxml2-utils) first. Without it the test is skipped; with
// it, a missing tool is a failure.
const realToolsEnv = "CIS2_GOLIVE_WATCH_TOOLS"

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	if os.Getenv(realToolsEnv) == "" {
		t.Skipf("needs %s: scripts/watch-ci installs them and sets %s", strings.Join(tools, ", "), realToolsEnv)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s=1 but %s is not installed: %v", realToolsEnv, tool, err)
		}
	}
}

// The metrics pass `promtool check metrics`, and a real Prometheus on loopback scrapes them.
func TestWatchMetricsWithRealPrometheus(t *testing.T) {
	needTools(t, "promtool", "prometheus")
	rig := newWatchRig(t)
	ios, _, _, errOut := Test()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan net.Addr, 1)
	rounds := make(chan struct{}, 100)
	opts := &WatchOptions{IO: ios, ConfigPath: rig.files.Config, StatePath: rig.state, Format: "json", Every: time.Second,
		MetricsListen: "127.0.0.1:0", Live: &rig.live, Version: "test", metricsReady: func(a net.Addr) { addrs <- a },
		Jitter: func(time.Duration) time.Duration {
			select {
			case rounds <- struct{}{}:
			default:
			}
			return 0
		}}
	done := make(chan error, 1)
	go func() { done <- runWatch(ctx, opts) }()
	defer func() {
		cancel()
		<-done
	}()
	metricsAddr := (<-addrs).String()
	select {
	case <-rounds:
	case err := <-done:
		t.Fatalf("watch ended before its first round: %v\n%s", err, errOut)
	}

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lint := exec.Command("promtool", "check", "metrics")
	lint.Stdin = bytes.NewReader(body)
	if out, err := lint.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}

	// Prometheus with its own config and storage in a temporary directory, on a free loopback port.
	dir := t.TempDir()
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: cis2-golive-watch\n    static_configs:\n      - targets: [%q]\n", metricsAddr)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	web := freeLoopbackAddr(t)
	var log bytes.Buffer
	prom := exec.Command("prometheus", "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+web)
	prom.Stdout, prom.Stderr = &log, &log
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		prom.Process.Kill()
		prom.Wait()
	}()

	// Ask Prometheus's HTTP API until the scraped series is there (bounded: 60 s).
	for _, q := range []string{`cis2_golive_jwks_keys{job="cis2-golive-watch"}`, `cis2_golive_certificate_expiry_timestamp_seconds{source="tls",target="jwks_uri"}`,
		`cis2_golive_check_status{id="jwks.fetch",status="pass"}`} {
		v, err := promQuery(web, q, 60*time.Second)
		if err != nil {
			t.Fatalf("%v\nprometheus log:\n%s", err, log.String())
		}
		if v == "0" {
			t.Errorf("%s = %s, want a non-zero value", q, v)
		}
		t.Logf("prometheus has %s = %s", q, v)
	}
}

// promQuery polls /api/v1/query until q returns a sample, and returns its value.
func promQuery(addr, q string, within time.Duration) (string, error) {
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(q))
		if err == nil {
			var r struct {
				Status string `json:"status"`
				Data   struct {
					Result []struct {
						Value [2]any `json:"value"`
					} `json:"result"`
				} `json:"data"`
			}
			err = json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if err == nil && r.Status == "success" && len(r.Data.Result) > 0 {
				return fmt.Sprint(r.Data.Result[0].Value[1]), nil
			}
			last = fmt.Sprintf("status %q, %d results", r.Status, len(r.Data.Result))
		} else {
			last = err.Error()
		}
		time.Sleep(500 * time.Millisecond)
	}
	return "", fmt.Errorf("prometheus never returned %s within %s (last: %s)", q, within, last)
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// watch and check JUnit output validates against scripts/testdata/junit.xsd with xmllint, and
// the schema is not a rubber stamp: a report without testcase names fails it.
func TestJUnitValidatesAgainstSchema(t *testing.T) {
	needTools(t, "xmllint")
	schema, err := filepath.Abs("../scripts/testdata/junit.xsd")
	if err != nil {
		t.Fatal(err)
	}
	rig := newWatchRig(t)
	rig.serve(ecJWK(t, "spare"))
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var files []string
	for i := range 2 { // a first run (baseline skips) and a second with changes
		if i == 1 {
			rig.serve(ecJWK(t, "spare"), ecJWK(t, "added"))
		}
		ios, _, out, _ := Test()
		_ = runWatch(context.Background(), &WatchOptions{IO: ios, ConfigPath: rig.files.Config, StatePath: rig.state,
			Format: "junit", Live: &rig.live, Version: "test"})
		files = append(files, write(fmt.Sprintf("watch-%d.xml", i), out.Bytes()))
	}
	code, out, _ := execReport(t, "check", "--offline", "--config", "../examples/production.yaml", "--format", "junit")
	if code != ExitOK {
		t.Fatalf("check --format junit: exit %d", code)
	}
	files = append(files, write("check.xml", []byte(out)))
	for _, f := range files {
		if out, err := exec.Command("xmllint", "--noout", "--schema", schema, f).CombinedOutput(); err != nil {
			data, _ := os.ReadFile(f)
			t.Errorf("%s does not validate: %v\n%s\n%s", filepath.Base(f), err, out, data)
		}
	}
	broken := write("broken.xml", []byte(strings.Replace(out, `<testcase name="jwks_uri"`, `<testcase`, 1)))
	if out, err := exec.Command("xmllint", "--noout", "--schema", schema, broken).CombinedOutput(); err == nil {
		t.Errorf("a testcase without a name must fail the schema:\n%s", out)
	}
}
