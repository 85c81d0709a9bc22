package watch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
)

// DefaultMetricsAddr is where --metrics-listen serves when given a port only: loopback, so
// metrics about a production service are not offered to the network unless asked for.
const DefaultMetricsAddr = "127.0.0.1:9464"

// MetricsAddr turns a --metrics-listen value into a listen address. A port alone (":9464" or
// "9464") listens on loopback; any other host, 0.0.0.0 included, must be named.
func MetricsAddr(s string) (string, error) {
	if s == "" {
		return DefaultMetricsAddr, nil
	}
	if _, err := strconv.Atoi(s); err == nil {
		s = ":" + s
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port; write it as 127.0.0.1:9464", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("%q has no valid port; write it as 127.0.0.1:9464", s)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// Metrics exposes the latest round to Prometheus. It is a collector over one snapshot that
// Update replaces whole, so a scrape never sees half of one round and half of the next, and
// checks that disappear (a redirect URI removed) disappear from the metrics too.
type Metrics struct {
	reg *prometheus.Registry

	mu     sync.Mutex
	last   *Round
	runs   int
	errors int
	config string
	tool   string
}

var (
	descStatus = prometheus.NewDesc("cis2_golive_check_status",
		"Status of each check and watch rule in the last round: 1 for the status it has, 0 for the others.",
		[]string{"id", "target", "status"}, nil)
	descExpiry = prometheus.NewDesc("cis2_golive_certificate_expiry_timestamp_seconds",
		"When a certificate expires, in seconds since the Unix epoch (subtract time() for the seconds left): source tls is each URI's server certificate, jwks-x5c the first certificate to expire in a key's x5c chain.",
		[]string{"source", "target"}, nil)
	descKeys = prometheus.NewDesc("cis2_golive_jwks_keys",
		"Number of keys in the JWKS the last round fetched (absent when it could not fetch it).", nil, nil)
	descRegressions = prometheus.NewDesc("cis2_golive_regressions",
		"Checks that passed in the round before the last and failed in the last.", nil, nil)
	descChanges = prometheus.NewDesc("cis2_golive_changes",
		"Changes the last round found since the one before, by kind (added, removed, reused, changed, regression, recovered).",
		[]string{"kind"}, nil)
	descLastRun = prometheus.NewDesc("cis2_golive_last_run_timestamp_seconds",
		"When the last completed round started, in seconds since the Unix epoch.", nil, nil)
	descDuration = prometheus.NewDesc("cis2_golive_last_run_duration_seconds",
		"How long the last completed round took.", nil, nil)
	descRuns = prometheus.NewDesc("cis2_golive_runs_total",
		"Rounds completed since the watch started.", nil, nil)
	descErrors = prometheus.NewDesc("cis2_golive_run_errors_total",
		"Rounds that could not run since the watch started (configuration, --submitted or state file unreadable).", nil, nil)
	descInfo = prometheus.NewDesc("cis2_golive_watch_info",
		"The configuration watched and the cis2-golive version watching it (always 1).", []string{"config", "version"}, nil)
)

var statuses = []model.Severity{model.Pass, model.Warn, model.Fail, model.Skip}

// NewMetrics builds the registry: the watch's own metrics and the Go runtime's and process's.
func NewMetrics(config, toolVersion string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), config: config, tool: toolVersion}
	m.reg.MustRegister(m, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Update replaces the snapshot with a completed round.
func (m *Metrics) Update(r Round) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = &r
	m.runs++
}

// RoundError counts a round that could not run.
func (m *Metrics) RoundError() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errors++
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStatus, descExpiry, descKeys, descRegressions, descChanges, descLastRun, descDuration, descRuns, descErrors, descInfo} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descInfo, prometheus.GaugeValue, 1, m.config, m.tool)
	ch <- prometheus.MustNewConstMetric(descRuns, prometheus.CounterValue, float64(m.runs))
	ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(m.errors))
	r := m.last
	if r == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(descLastRun, prometheus.GaugeValue, float64(r.Started.UnixMilli())/1000)
	ch <- prometheus.MustNewConstMetric(descDuration, prometheus.GaugeValue, r.Duration.Seconds())
	ch <- prometheus.MustNewConstMetric(descRegressions, prometheus.GaugeValue, float64(r.Regressions()))
	kinds := map[string]int{KindAdded: 0, KindRemoved: 0, KindReused: 0, KindChanged: 0, KindRegression: 0, KindRecovered: 0}
	for _, c := range r.Changes {
		kinds[c.Kind]++
	}
	for k, n := range kinds {
		ch <- prometheus.MustNewConstMetric(descChanges, prometheus.GaugeValue, float64(n), k)
	}

	// One series per id and target: a pair reported twice (two findings of one rule on one
	// field) shows its worst status, since a duplicate series would fail the whole scrape.
	worst := map[[2]string]model.Severity{}
	var order [][2]string
	expiries := map[[2]string]time.Time{}
	for _, res := range r.Results {
		key := [2]string{res.ID, res.Target}
		if s, ok := worst[key]; !ok {
			order = append(order, key)
			worst[key] = res.Status
		} else if rank(res.Status) > rank(s) {
			worst[key] = res.Status
		}
		if res.ID == IDExpiryTLS || res.ID == IDExpiryX5C {
			if t, err := time.Parse(time.RFC3339, res.Evidence["not_after"]); err == nil {
				source := "tls"
				if res.ID == IDExpiryX5C {
					source = "jwks-x5c"
				}
				k := [2]string{source, res.Target}
				if old, ok := expiries[k]; !ok || t.Before(old) {
					expiries[k] = t
				}
			}
		}
		if res.ID == checks.IDJWKSFetch {
			if n, err := strconv.Atoi(res.Evidence["keys"]); err == nil {
				ch <- prometheus.MustNewConstMetric(descKeys, prometheus.GaugeValue, float64(n))
			}
		}
	}
	for _, key := range order {
		for _, s := range statuses {
			v := 0.0
			if worst[key] == s {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descStatus, prometheus.GaugeValue, v, key[0], key[1], string(s))
		}
	}
	for k, t := range expiries {
		ch <- prometheus.MustNewConstMetric(descExpiry, prometheus.GaugeValue, float64(t.Unix()), k[0], k[1])
	}
}

// ServeMetrics serves /metrics on ln until ctx is done, then shuts the server down.
func ServeMetrics(ctx context.Context, ln net.Listener, m *Metrics) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}
