package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/checks"
	"github.com/cis2-golive/cis2-golive/model"
	"github.com/cis2-golive/cis2-golive/sandbox"
)

// BenchmarkSuiteVsSlowest measures the runner's speed promise: with 10 endpoints each answering
// after 500 ms, the whole live suite takes at most 1.3× its slowest single check, because the
// runner checks everything concurrently. Each check is first run alone, one after the other
// (that gives the slowest single check and the sequential total); then each iteration runs the
// whole suite. Reported: suite/slowest (target <= 1.3) and suite/sequential.
//
//	go test -run '^$' -bench SuiteVsSlowest -benchtime 3x ./sandbox/
func BenchmarkSuiteVsSlowest(b *testing.B) {
	const delay = 500 * time.Millisecond
	// 8 redirect URIs + the back-channel logout URI + the JWKS URI = 10 endpoints.
	sb, err := sandbox.Start(sandbox.Options{RedirectURIs: 8, Faults: sandbox.Faults{Delay: delay}})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	files, err := sb.WriteFiles(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cfg := sb.Config()
	opts := checks.Options{
		Resolver: sb.Resolver(), RootCAs: sb.RootCAs(), AllowPrivate: true,
		KeyPath: files.Key, Discovery: sb.DiscoveryURL(), ProbeTokenEndpoint: true,
	}
	ctx := context.Background()

	var slowest, sequential time.Duration
	var slowestID string
	for i := range checks.Plan(&cfg, opts) {
		// A fresh plan each time, so no check profits from another's cached fetch.
		one := checks.Plan(&cfg, opts)[i : i+1]
		start := time.Now()
		r := checks.Run(ctx, one, opts, nil)[0]
		d := time.Since(start)
		if r.Status != model.Pass {
			b.Fatalf("%s %s: %s %s", r.ID, r.Target, r.Status, r.Message)
		}
		sequential += d
		if d > slowest {
			slowest, slowestID = d, r.ID+" "+r.Target
		}
	}
	if slowest < delay {
		b.Fatalf("slowest single check took %s, less than the %s delay: the delay is not applied", slowest, delay)
	}

	var suite time.Duration
	for b.Loop() {
		list := checks.Plan(&cfg, opts)
		start := time.Now()
		rs := checks.Run(ctx, list, opts, nil)
		suite += time.Since(start)
		if s := checks.Summarise(rs); s.Fail > 0 || s.Pass != len(list) {
			b.Fatalf("suite did not all pass: %+v", s)
		}
	}
	perSuite := suite / time.Duration(b.N)
	b.ReportMetric(float64(slowest.Milliseconds()), "slowest-ms")
	b.ReportMetric(float64(perSuite.Milliseconds()), "suite-ms")
	b.ReportMetric(perSuite.Seconds()/slowest.Seconds(), "suite/slowest")
	b.ReportMetric(perSuite.Seconds()/sequential.Seconds(), "suite/sequential")
	b.Logf("%d checks; slowest alone: %s (%s); sequential total %s; suite %s",
		len(checks.Plan(&cfg, opts)), slowest, slowestID, sequential, perSuite)
}
