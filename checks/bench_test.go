package checks

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// BenchmarkSuiteVsSlowestCheck measures issue 4's promise: with 10 endpoints (8 redirect URIs,
// the logout URI and the JWKS URI) each answering after 500 ms, the whole live suite takes less
// than 1.3× its slowest single check, because the runner runs checks concurrently and shares
// the JWKS fetch. Each check is first run alone, in a fresh plan (the slowest single check);
// then each iteration runs the whole suite. suite/slowest is the ratio to watch.
//
//	go test -run '^$' -bench SuiteVsSlowest -benchtime 3x ./checks/
func BenchmarkSuiteVsSlowestCheck(b *testing.B) {
	const delay = 500 * time.Millisecond
	pki := newPKI(b)
	jwks := jwksOf(b, rsaKey(b, 0))
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		switch r.URL.Path {
		case "/logout":
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusBadRequest)
		case "/jwks":
			w.Header().Set("Content-Type", "application/json")
			w.Write(jwks)
		}
	})
	endpoint := func(path string) string { return urlFor(pki.server(b, slow, testHost), path) }
	cfg := pkjwtConfig(endpoint("/cb"), endpoint("/logout"), endpoint("/jwks"))
	for range 7 {
		cfg.RedirectURIs = append(cfg.RedirectURIs, endpoint("/cb"))
	}
	opts := pki.testOptions()
	opts.Timeout = 10 * time.Second
	opts.KeyPath = writeKey(b, rsaKey(b, 0), 0o600)
	ctx := context.Background()

	var slowest time.Duration
	var slowestID string
	n := len(Plan(cfg, opts))
	for i := range n {
		one := Plan(cfg, opts)[i : i+1]
		start := time.Now()
		r := Run(ctx, one, opts, nil)[0]
		if d := time.Since(start); d > slowest {
			slowest, slowestID = d, r.ID+" "+r.Target
		}
		if r.Status == Fail {
			b.Fatalf("%s %s: %s", r.ID, r.Target, r.Message)
		}
	}
	var suite time.Duration
	for b.Loop() {
		start := time.Now()
		rs := Run(ctx, Plan(cfg, opts), opts, nil)
		suite += time.Since(start)
		if s := Summarise(rs); s.Fail > 0 {
			b.Fatalf("suite failed: %+v", s)
		}
	}
	per := suite / time.Duration(b.N)
	b.ReportMetric(float64(slowest.Milliseconds()), "slowest-ms")
	b.ReportMetric(float64(per.Milliseconds()), "suite-ms")
	b.ReportMetric(per.Seconds()/slowest.Seconds(), "suite/slowest")
	b.Logf("%d checks on 10 endpoints; slowest alone %s (%s); suite %s", n, slowest, slowestID, per)
}
