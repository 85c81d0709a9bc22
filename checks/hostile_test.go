package checks

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/cis2-golive/cis2-golive/keys"
	"github.com/cis2-golive/cis2-golive/model"
)

// The hostile-server matrix: one endpoint of an otherwise healthy relying party
// misbehaves. Each case must end as a clear finding (check id, status, message) within the
// per-check timeout, leave every other target's results exactly as in a healthy run, and put
// no control character into any result. Related single-check tests: TestReachable (redirect
// loop, https→http), TestTLS (expired via the clock, wrong host, TLS 1.1), TestJWKSFetch (over
// 1 MiB, HTML), TestSlowServersFailAtTheTimeout and TestTLSHandshakeThatNeverStartsFails.

// hostileTimeout is the per-check timeout of the matrix: short, so hanging cases cost little,
// but roomy enough for TLS and RSA signing under -race on a busy machine.
const hostileTimeout = 2 * time.Second

// expect is one result a case must produce.
type expect struct {
	id     string
	status model.Severity
	msg    string
}

type hostileCase struct {
	name  string
	field string // the configuration field the hostile server takes
	// start returns the hostile URL (path included).
	start func(t *testing.T, pki *testPKI) string
	want  []expect
}

// goodRP is a relying party that does everything right: redirect URI, logout and JWKS.
func goodRP(t *testing.T, pki *testPKI, jwks []byte) *httptest.Server {
	return pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/logout":
			w.Header().Set("Cache-Control", "no-store")
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusBadRequest)
			}
		case "/jwks":
			w.Header().Set("Content-Type", "application/jwk-set+json")
			w.Write(jwks)
		}
	}), testHost)
}

// serve starts a hostile TLS server with the test CA's certificate for testHost.
func serve(h http.HandlerFunc) func(*testing.T, *testPKI) string {
	return func(t *testing.T, pki *testPKI) string { return urlFor(pki.server(t, h, testHost), "/jwks") }
}

// serveCert starts a server whose TLS config comes from cfg (certificate faults, old TLS).
func serveCert(cfg func(t *testing.T, pki *testPKI) *tls.Config) func(*testing.T, *testPKI) string {
	return func(t *testing.T, pki *testPKI) string {
		ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadRequest) })
		return urlFor(pki.serverTLS(t, ok, cfg(t, pki)), "/logout")
	}
}

func jsonBody(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
}

var hostileCases = []hostileCase{
	{name: "100 MiB body", field: "jwks_uri", start: serve(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(`{"keys":[],"pad":"` + strings.Repeat("x", 1<<20))
		for range 100 {
			if _, err := w.Write(chunk); err != nil {
				return // the client stopped reading at its cap
			}
		}
	}), want: []expect{{IDJWKSFetch, model.Fail, "larger than the size limit"}}},

	{name: "slow drip", field: "jwks_uri", start: serve(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for _, b := range []byte(`{"keys":[` + strings.Repeat(" ", 1000)) {
			if _, err := w.Write([]byte{b}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	}),
		want: []expect{{IDJWKSFetch, model.Fail, "no answer"}, {IDReachable, model.Fail, "no answer"}}},

	{name: "never answers", field: "jwks_uri", start: serve(hang),
		want: []expect{{IDJWKSFetch, model.Fail, "no answer"}, {IDReachable, model.Fail, "no answer"}}},

	{name: "redirect loop", field: "jwks_uri", start: serve(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}), want: []expect{{IDJWKSFetch, model.Fail, "stopped after 5 redirects"}, {IDReachable, model.Fail, "stopped after 5 redirects"}}},

	{name: "https to http redirect", field: "redirect_uris[0]", start: func(t *testing.T, pki *testPKI) string {
		plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			t.Error("the http server must never be called")
		}))
		t.Cleanup(plain.Close)
		return urlFor(pki.server(t, http.RedirectHandler(plain.URL, http.StatusFound), testHost), "/cb")
	}, want: []expect{{IDReachable, model.Fail, "refused a redirect from https to http"}}},

	{name: "self-signed", field: "backchannel_logout_uri", start: serveCert(func(t *testing.T, _ *testPKI) *tls.Config {
		other := newPKI(t) // a CA nobody trusts stands in for a self-signed certificate
		return tlsConfigFor(other.leaf(t, time.Now().Add(time.Hour), testHost), 0, 0)
	}), want: []expect{{IDTLS, model.Fail, "does not lead to a trusted root"}, {IDBCL, model.Skip, "TLS to rp.cis2-golive.test fails (see uri.tls)"}, {IDReachable, model.Skip, "see uri.tls"}}},

	{name: "expired", field: "backchannel_logout_uri", start: serveCert(func(t *testing.T, pki *testPKI) *tls.Config {
		return tlsConfigFor(pki.leaf(t, time.Now().Add(-24*time.Hour), testHost), 0, 0)
	}), want: []expect{{IDTLS, model.Fail, "expired"}, {IDBCL, model.Skip, "TLS to rp.cis2-golive.test fails (see uri.tls)"}, {IDReachable, model.Skip, "see uri.tls"}}},

	{name: "wrong hostname", field: "backchannel_logout_uri", start: serveCert(func(t *testing.T, pki *testPKI) *tls.Config {
		return tlsConfigFor(pki.leaf(t, time.Now().Add(time.Hour), "other.cis2-golive.test"), 0, 0)
	}), want: []expect{{IDTLS, model.Fail, "does not match the host name"}, {IDBCL, model.Skip, "TLS to rp.cis2-golive.test fails (see uri.tls)"}, {IDReachable, model.Skip, "see uri.tls"}}},

	{name: "TLS 1.0 only", field: "backchannel_logout_uri", start: serveCert(func(t *testing.T, pki *testPKI) *tls.Config {
		return tlsConfigFor(pki.leaf(t, time.Now().Add(time.Hour), testHost), tls.VersionTLS10, tls.VersionTLS10)
	}), want: []expect{{IDTLS, model.Fail, "TLS 1.2 or later"}, {IDBCL, model.Skip, "TLS to rp.cis2-golive.test fails (see uri.tls)"}, {IDReachable, model.Skip, "see uri.tls"}}},

	{name: "non-JSON JWKS", field: "jwks_uri", start: serve(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "<html><body>Please log in</body></html>")
	}), want: []expect{{IDJWKSFetch, model.Fail, "rejected the JWKS: not a JWK Set: invalid JSON at byte 1"}}},

	{name: "JSON bomb (deep nesting)", field: "jwks_uri",
		start: serve(jsonBody(`{"keys":` + strings.Repeat("[", 400_000) + strings.Repeat("]", 400_000) + `}`)),
		want:  []expect{{IDJWKSFetch, model.Fail, "rejected the JWKS: not a JWK Set: invalid JSON: nested too deeply"}}},

	{name: "500", field: "jwks_uri", start: serve(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}), want: []expect{{IDJWKSFetch, model.Fail, "answered HTTP 500"}, {IDReachable, model.Warn, "a server error"}}},

	{name: "connection reset", field: "jwks_uri", start: serve(func(w http.ResponseWriter, _ *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		if tc, ok := c.(*tls.Conn).NetConn().(*net.TCPConn); ok {
			tc.SetLinger(0) // close with RST, not FIN
		}
		c.Close()
	}), want: []expect{{IDJWKSFetch, model.Fail, "closed the connection without an answer"}, {IDReachable, model.Fail, "closed the connection without an answer"}}},

	{name: "JWKS with 10 000 keys", field: "jwks_uri",
		start: serve(jsonBody(`{"keys":[` + strings.Repeat(`{"kty":"EC","kid":"k"},`, 9_999) + `{"kty":"EC","kid":"k"}]}`)),
		want:  []expect{{IDJWKSFetch, model.Fail, "holds 10000 keys; the limit is 100"}}},

	{name: "kid with terminal escapes", field: "jwks_uri", start: func(t *testing.T, pki *testPKI) string {
		jk, err := keys.PublicJWK(&rsaKey(t, 0).PublicKey, "RS512")
		if err != nil {
			t.Fatal(err)
		}
		evil := strings.Replace(string(jk.JSON), `"kid": "`, `"kid": "\u001b]0;pwned\u0007\u001b[2J\u001b]8;;https://evil.test\u0007click\u001b]8;;\u0007`, 1)
		set, err := keys.MarshalSet([]keys.Key{{JSON: []byte(evil)}})
		if err != nil {
			t.Fatal(err)
		}
		return serve(jsonBody(string(set)))(t, pki)
	}, want: []expect{{IDJWKSFetch, model.Pass, "fetched a JWK Set with 1 key(s): click"}, {IDJWKSLint, model.Warn, "holds control or escape characters"},
		{IDAssertion, model.Pass, "verified it against the fetched JWKS"}}},
}

func TestHostileServers(t *testing.T) {
	pki := newPKI(t)
	key := writeKey(t, rsaKey(t, 0), 0o600)
	good := goodRP(t, pki, jwksOf(t, rsaKey(t, 0)))
	opts := pki.testOptions()
	opts.Timeout = hostileTimeout
	opts.KeyPath = key
	healthy := map[string]string{
		"redirect_uris[0]": urlFor(good, "/cb"), "backchannel_logout_uri": urlFor(good, "/logout"), "jwks_uri": urlFor(good, "/jwks"),
	}
	run := func(urls map[string]string) []Result {
		cfg := pkjwtConfig(urls["redirect_uris[0]"], urls["backchannel_logout_uri"], urls["jwks_uri"])
		return Run(context.Background(), Plan(cfg, opts), opts, nil)
	}
	baseline := map[string]model.Severity{}
	for _, r := range run(healthy) {
		if r.Status == model.Fail {
			t.Fatalf("healthy relying party: %s %s failed: %s", r.ID, r.Target, r.Message)
		}
		baseline[r.ID+" "+r.Target] = r.Status
	}

	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			urls := map[string]string{}
			for f, u := range healthy {
				urls[f] = u
			}
			urls[tc.field] = tc.start(t, pki)
			got := map[string]Result{}
			for _, r := range run(urls) {
				got[r.ID+" "+r.Target] = r
				assertPrintable(t, r)
				if strings.HasPrefix(r.Message, "internal error") {
					t.Errorf("%s %s panicked: %s", r.ID, r.Target, r.Message)
				}
			}
			for _, w := range tc.want {
				r := got[w.id+" "+tc.field]
				t.Logf("%s: %s %q", w.id, r.Status, r.Message)
				wantStatus(t, r, w.status, w.msg)
			}
			for k, r := range got {
				switch {
				case r.Target != tc.field && r.ID != IDTokenProbe && baseline[k] != r.Status:
					t.Errorf("%s: %s on a healthy endpoint, was %s: %s", k, r.Status, baseline[k], r.Message)
				case r.Target == "jwks_uri" && got[IDJWKSFetch+" jwks_uri"].Status == model.Fail && r.ID != IDJWKSFetch && !contacts[r.ID] && r.ID != IDResolve:
					wantStatus(t, r, model.Skip, msgNoJWKS) // the fetch failure is counted once
				}
			}
		})
	}
}

// assertPrintable fails when any field of r holds a control or escape character.
func assertPrintable(t *testing.T, r Result) {
	t.Helper()
	fields := []string{r.ID, r.Target, r.Message, r.Fix}
	for k, v := range r.Evidence {
		fields = append(fields, k, v)
	}
	for _, f := range fields {
		if i := strings.IndexFunc(f, unicode.IsControl); i >= 0 {
			t.Errorf("%s %s: control character %q in %q", r.ID, r.Target, f[i], f)
		}
	}
}
