package watch

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// gather returns every sample of the watch's own metrics as "name{labels}" → value.
func gather(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if !strings.HasPrefix(f.GetName(), "cis2_golive_") {
			continue
		}
		for _, s := range f.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			out[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = value(s)
		}
	}
	return out
}

func value(s *dto.Metric) float64 {
	switch {
	case s.Gauge != nil:
		return s.Gauge.GetValue()
	case s.Counter != nil:
		return s.Counter.GetValue()
	}
	return -1
}

func TestMetricsReflectTheLastRound(t *testing.T) {
	m := NewMetrics("prod.yaml", "v1.2.3")
	if got := gather(t, m); got["cis2_golive_runs_total{}"] != 0 || got["cis2_golive_watch_info{config=prod.yaml,version=v1.2.3}"] != 1 {
		t.Errorf("before any round: %v", got)
	}
	notAfter := t0.Add(10 * 24 * time.Hour)
	round := Round{Started: t0, Duration: 1500 * time.Millisecond, Results: []checks.Result{
		{ID: "uri.tls", Target: "jwks_uri", Status: model.Fail},
		{ID: "jwks.fetch", Target: "jwks_uri", Status: model.Pass, Evidence: map[string]string{"keys": "3"}},
		{ID: "config.uri", Target: "redirect_uris[0]", Status: model.Warn},
		{ID: "config.uri", Target: "redirect_uris[0]", Status: model.Fail}, // same pair twice: one series, worst status
		{ID: IDExpiryTLS, Target: "jwks_uri", Status: model.Warn, Evidence: map[string]string{"not_after": notAfter.Format(time.RFC3339)}},
		{ID: IDExpiryX5C, Target: "jwks_uri (kid a)", Status: model.Pass, Evidence: map[string]string{"not_after": notAfter.Format(time.RFC3339)}},
	}, Changes: []Change{{Kind: KindRegression}, {Kind: KindAdded}, {Kind: KindAdded}}}
	m.Update(round)
	m.RoundError()
	got := gather(t, m)
	want := map[string]float64{
		"cis2_golive_check_status{id=uri.tls,status=fail,target=jwks_uri}":                          1,
		"cis2_golive_check_status{id=uri.tls,status=pass,target=jwks_uri}":                          0,
		"cis2_golive_check_status{id=config.uri,status=fail,target=redirect_uris[0]}":               1,
		"cis2_golive_check_status{id=config.uri,status=warn,target=redirect_uris[0]}":               0,
		"cis2_golive_certificate_expiry_timestamp_seconds{source=tls,target=jwks_uri}":              float64(notAfter.Unix()),
		"cis2_golive_certificate_expiry_timestamp_seconds{source=jwks-x5c,target=jwks_uri (kid a)}": float64(notAfter.Unix()),
		"cis2_golive_jwks_keys{}":                  3,
		"cis2_golive_regressions{}":                1,
		"cis2_golive_changes{kind=added}":          2,
		"cis2_golive_changes{kind=reused}":         0,
		"cis2_golive_last_run_timestamp_seconds{}": float64(t0.Unix()),
		"cis2_golive_last_run_duration_seconds{}":  1.5,
		"cis2_golive_runs_total{}":                 1,
		"cis2_golive_run_errors_total{}":           1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}

	// The next round replaces the snapshot whole: a check that is gone leaves no series.
	m.Update(Round{Started: t0.Add(time.Hour), Results: []checks.Result{{ID: "uri.tls", Target: "jwks_uri", Status: model.Pass}}})
	got = gather(t, m)
	if _, ok := got["cis2_golive_check_status{id=config.uri,status=fail,target=redirect_uris[0]}"]; ok {
		t.Error("a result no longer reported must leave the metrics")
	}
	if _, ok := got["cis2_golive_jwks_keys{}"]; ok {
		t.Error("no jwks.fetch result: no key count")
	}
	if got["cis2_golive_runs_total{}"] != 2 || got["cis2_golive_check_status{id=uri.tls,status=pass,target=jwks_uri}"] != 1 {
		t.Errorf("second round: %v", got)
	}
}

func TestServeMetrics(t *testing.T) {
	m := NewMetrics("prod.yaml", "v1")
	m.Update(Round{Started: t0, Results: []checks.Result{{ID: "uri.tls", Target: "jwks_uri", Status: model.Pass}}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeMetrics(ctx, ln, m) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `cis2_golive_check_status{id="uri.tls",status="pass",target="jwks_uri"} 1`) ||
		!strings.Contains(string(body), "go_goroutines") {
		t.Errorf("GET /metrics: %d\n%s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeMetrics: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeMetrics did not stop with its context")
	}
}
