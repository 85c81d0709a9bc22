package checks

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

func TestPlanListsEveryLiveCheck(t *testing.T) {
	cfg := pkjwtConfig("https://a.cis2-golive.test/cb", "https://b.cis2-golive.test/logout", "https://c.cis2-golive.test/jwks")
	cfg.RedirectURIs = append(cfg.RedirectURIs, "https://d.cis2-golive.test/cb")
	var got []string
	for _, c := range Plan(cfg, Options{}) {
		got = append(got, c.ID+" "+c.Target)
	}
	for _, want := range []string{
		"uri.resolve redirect_uris[0]", "uri.tls redirect_uris[0]", "uri.reachable redirect_uris[0]",
		"uri.reachable redirect_uris[1]",
		"uri.resolve backchannel_logout_uri", "uri.tls jwks_uri",
		"bcl.rejects-bogus-token backchannel_logout_uri",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("plan lacks %q; plan: %v", want, got)
		}
	}
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Errorf("duplicate check %q", g)
		}
		seen[g] = true
	}
}

func TestPlanClientSecretHasNoJWKSChecks(t *testing.T) {
	cfg := &model.Config{RedirectURIs: []string{"https://a.cis2-golive.test/cb"}, TokenEndpointAuthMethod: model.ClientSecretBasic,
		JWKSURI: "https://c.cis2-golive.test/jwks"}
	for _, c := range Plan(cfg, Options{}) {
		if c.Target == "jwks_uri" {
			t.Errorf("client_secret_basic plan has %s %s", c.ID, c.Target)
		}
	}
}

// contacts are the checks that talk HTTP or TLS to a configured endpoint.
var contacts = map[string]bool{IDTLS: true, IDReachable: true, IDBCL: true, IDJWKSFetch: true}

// hang never answers until the client goes away. It reads the request body first: only then
// does net/http notice a client hanging up and cancel r.Context().
var hang = http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
})

// drip sends headers, then one byte a second.
var drip = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.WriteHeader(400)
	for {
		if _, err := w.Write([]byte("x")); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(time.Second):
		}
	}
})

func TestSlowServersFailAtTheTimeout(t *testing.T) {
	pki := newPKI(t)
	for name, h := range map[string]http.Handler{"never answers": hang, "drips": drip} {
		t.Run(name, func(t *testing.T) {
			s := pki.server(t, h, testHost)
			u := urlFor(s, "/x")
			opts := pki.testOptions()
			opts.Timeout = 300 * time.Millisecond
			rs := Run(context.Background(), Plan(pkjwtConfig(u, u, u), opts), opts, nil)
			for _, r := range rs {
				if contacts[r.ID] && r.ID != IDTLS { // the TLS handshake itself completes
					if r.Status != model.Fail {
						t.Errorf("%s %s: got %s %q, want fail", r.ID, r.Target, r.Status, r.Message)
					}
				}
			}
		})
	}
}

// TestTLSHandshakeThatNeverStartsFails covers a port that accepts TCP but never speaks TLS.
func TestTLSHandshakeThatNeverStartsFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	u := "https://" + testHost + ":" + port + "/x"
	opts := Options{Timeout: 300 * time.Millisecond, SuiteTimeout: time.Minute, AllowPrivate: true, Resolver: mapResolver{testHost: loopback}} // the run's limit is not what it tests
	for _, r := range Run(context.Background(), Plan(pkjwtConfig(u, u, u), opts), opts, nil) {
		if contacts[r.ID] && r.Status != model.Fail {
			t.Errorf("%s %s: got %s %q, want fail", r.ID, r.Target, r.Status, r.Message)
		}
	}
}

func TestCancelEndsTheRun(t *testing.T) {
	pki := newPKI(t)
	s := pki.server(t, hang, testHost)
	u := urlFor(s, "/x")
	opts := pki.testOptions()
	opts.Timeout = time.Hour // only the cancel can end it
	ctx, cancel := context.WithCancel(context.Background())
	list := Plan(pkjwtConfig(u, u, u), opts)
	started := make(chan struct{})
	go func() {
		<-started
		cancel()
	}()
	var once bool
	rs := Run(ctx, list, opts, func(i int, r Result) {
		if !once { // the first finished check (uri.resolve) triggers the cancel
			once = true
			close(started)
		}
	})
	skipped := 0
	for _, r := range rs {
		if r.Status == model.Skip && r.Message == "cancelled" {
			skipped++
		}
	}
	if skipped == 0 {
		t.Errorf("no check was cancelled: %+v", rs)
	}
}
