package checks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// TestManyStuckRedirectURIsNeverStarveCIS2sEndpoints: 200 redirect URIs that never answer
// (on the relying party's own host, over HTTP/1.1 and HTTP/2, or on a host that stalls the
// TLS handshake) beside a healthy logout endpoint and JWKS leave every check of what CIS2
// calls with its real verdict, and the run ends by twice the timeout. The redirect URIs fail
// as the endpoint's own "no answer", never as cut by the run.
//
// The time bound is asserted generously (the promise, not a benchmark): a runner that waited
// for the 200 in waves, or only stopped at a later deadline, would still be caught. The
// timeout is long because every check must get its turn within it while the variants share a
// loaded CPU under -race (at 6 s, checks that started late were cut by the run); the stuck
// URIs wait it out once per variant, and the variants run in parallel.
func TestManyStuckRedirectURIsNeverStarveCIS2sEndpoints(t *testing.T) {
	const n = 200
	const timeout = 15 * time.Second
	for _, tc := range []struct {
		name string
		// start returns the base URL of the redirect URIs, given the healthy relying party's.
		start func(t *testing.T, rp string) string
		http2 bool
	}{
		{"hanging, same HTTP/1.1 host", func(_ *testing.T, rp string) string { return rp }, false},
		{"hanging, same HTTP/2 host", func(_ *testing.T, rp string) string { return rp }, true},
		{"TLS handshake stalls, other host", func(t *testing.T, _ string) string {
			return "https://" + net.JoinHostPort("stall.cis2-golive.test", stallingListener(t))
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pki := newPKI(t)
			key := rsaKey(t, 0)
			jwks := jwksOf(t, key)
			rp := rpServer(t, pki, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/logout":
					w.Header().Set("Cache-Control", "no-store")
					w.WriteHeader(http.StatusBadRequest)
				case r.URL.Path == "/jwks":
					w.Header().Set("Content-Type", "application/jwk-set+json")
					w.Write(jwks)
				case strings.HasPrefix(r.URL.Path, "/cb/"):
					hang(w, r)
				}
			}), tc.http2)
			base := tc.start(t, urlFor(rp, ""))
			cfg := pkjwtConfig(base+"/cb/0", urlFor(rp, "/logout"), urlFor(rp, "/jwks"))
			for i := 1; i < n; i++ {
				cfg.RedirectURIs = append(cfg.RedirectURIs, fmt.Sprintf("%s/cb/%d", base, i))
			}
			opts := pki.testOptions()
			opts.Timeout = timeout
			opts.Resolver = mapResolver{testHost: loopback, "cis2.cis2-golive.test": loopback, "stall.cis2-golive.test": loopback}
			opts.KeyPath = writeKey(t, key, 0o600)
			opts.Discovery = fakeCIS2(t, pki, &key.PublicKey, []string{"RS512"})
			opts.ProbeTokenEndpoint = true

			// What each process does once, and under the race detector on a loaded machine can
			// take seconds, is done before the clock starts: it is not the runner's to bound.
			if _, err := x509.SystemCertPool(); err != nil {
				t.Logf("no system roots: %v", err)
			}
			if _, err := throwawayKey(); err != nil {
				t.Fatal(err)
			}
			list := Plan(cfg, opts)
			start := time.Now()
			rs := Run(context.Background(), list, opts, nil)
			elapsed := time.Since(start)

			critical := 0
			for i, r := range rs {
				if r.OutOfTime() {
					t.Errorf("%s %s was cut by the run, not judged: %s", r.ID, r.Target, r.Message)
				}
				switch r.Target {
				case "backchannel_logout_uri", "jwks_uri", targetDiscovery, "token_endpoint":
				default:
					continue
				}
				if list[i].Priority != Critical {
					t.Errorf("%s %s is planned as ordinary; CIS2 calls it", r.ID, r.Target)
				}
				critical++
				if r.Status != model.Pass {
					t.Errorf("%s %s: %s %q, want pass", r.ID, r.Target, r.Status, r.Message)
				}
			}
			if critical < 13 { // resolve, tls and reachable for two URIs, bcl, 5 jwks.*/assertion, cis2.algs, token.probe
				t.Errorf("only %d checks of CIS2's endpoints ran", critical)
			}
			reachable := rs[2] // redirect_uris[0]'s uri.reachable
			if reachable.ID != IDReachable || reachable.Status != model.Fail || !strings.Contains(reachable.Message, "no answer") {
				t.Errorf("stuck redirect URI: %+v, want a failure saying it did not answer", reachable)
			}
			// The run's limit is 2 × --timeout; a quarter more lets a loaded machine wind it down.
			if bound := 2*timeout + timeout/4; elapsed > bound {
				t.Errorf("run took %s; it must end by 2 × --timeout (%s, plus slack)", elapsed.Round(time.Millisecond), 2*timeout)
			}
		})
	}
}

// stallingListener accepts connections and never says a word, so a TLS handshake with it
// waits until the client gives up. It returns the port.
func stallingListener(t *testing.T) string {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// rpServer starts a loopback TLS server for testHost, speaking HTTP/2 when asked; connCtx,
// when given, is its http.Server.ConnContext.
func rpServer(t *testing.T, pki *testPKI, h http.Handler, http2 bool, connCtx ...func(context.Context, net.Conn) context.Context) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	for _, f := range connCtx {
		s.Config.ConnContext = f
	}
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.EnableHTTP2 = http2
	s.TLS = &tls.Config{Certificates: []tls.Certificate{pki.leaf(t, time.Now().Add(365*24*time.Hour), testHost)}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}
