package checks

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

func pkjwtConfig(redirect, bcl, jwks string) *model.Config {
	return &model.Config{
		Environment:                 model.Production,
		ClientID:                    "123456789012.apps.supplier",
		RedirectURIs:                []string{redirect},
		BackchannelLogoutURI:        bcl,
		TokenEndpointAuthMethod:     model.PrivateKeyJWT,
		JWKSURI:                     jwks,
		TokenEndpointAuthSigningAlg: "RS512",
	}
}

func wantStatus(t *testing.T, r Result, want model.Severity, msgPart string) {
	t.Helper()
	if r.Status != want || !strings.Contains(r.Message, msgPart) {
		t.Errorf("%s %s: got %s %q (fix %q), want %s containing %q", r.ID, r.Target, r.Status, r.Message, r.Fix, want, msgPart)
	}
}

func TestResolve(t *testing.T) {
	public := []netip.Addr{netip.MustParseAddr("203.0.113.7")} // never dialled: resolve only looks up
	private := []netip.Addr{netip.MustParseAddr("10.1.2.3")}
	cfg := pkjwtConfig("https://app.cis2-golive.test/cb", "https://bcl.cis2-golive.test/logout", "https://keys.cis2-golive.test/jwks")
	tests := []struct {
		name         string
		addrs        []netip.Addr
		allowPrivate bool
		target       string
		want         model.Severity
		msg          string
	}{
		{"public logout", public, false, "backchannel_logout_uri", model.Pass, "resolves to 203.0.113.7"},
		{"private logout", private, false, "backchannel_logout_uri", model.Fail, "CIS2 calls this URI from the internet"},
		{"loopback jwks", loopback, false, "jwks_uri", model.Fail, "127.0.0.1 is private, loopback"},
		{"private redirect", private, false, "redirect_uris[0]", model.Warn, "only from inside your network"},
		{"allowed private logout", loopback, true, "backchannel_logout_uri", model.Pass, "allowed by --allow-private"},
		{"unresolvable logout", nil, false, "backchannel_logout_uri", model.Fail, "does not resolve"},
		{"unresolvable redirect", nil, false, "redirect_uris[0]", model.Warn, "does not resolve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mapResolver{}
			if tt.addrs != nil {
				for _, h := range []string{"app.cis2-golive.test", "bcl.cis2-golive.test", "keys.cis2-golive.test"} {
					m[h] = tt.addrs
				}
			}
			opts := Options{Resolver: m, AllowPrivate: tt.allowPrivate}
			r := runOneCheck(t, cfg, opts, IDResolve, tt.target)
			wantStatus(t, r, tt.want, tt.msg)
		})
	}
}

func TestResolveIPLiteral(t *testing.T) {
	cfg := pkjwtConfig("https://127.0.0.1/cb", "https://[::1]/logout", "")
	r := runOneCheck(t, cfg, Options{Resolver: mapResolver{}}, IDResolve, "backchannel_logout_uri")
	wantStatus(t, r, model.Fail, "::1")
}

func tlsConfigFor(cert tls.Certificate, min, max uint16, suites ...uint16) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: min, MaxVersion: max, CipherSuites: suites}
}

func TestTLS(t *testing.T) {
	pki := newPKI(t)
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	yearLeaf := pki.leaf(t, time.Now().Add(365*24*time.Hour), testHost)
	notAfter := time.Now().Add(365 * 24 * time.Hour).Truncate(time.Second)

	tests := []struct {
		name   string
		cfg    *tls.Config
		opts   func(*Options)
		field  string
		want   model.Severity
		msg    string
		remark string
	}{
		{name: "TLS 1.3", cfg: tlsConfigFor(yearLeaf, 0, 0), want: model.Pass, msg: "TLS 1.3"},
		{name: "TLS 1.2 NHS suite", cfg: tlsConfigFor(yearLeaf, tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
			want: model.Pass, msg: "TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
		{name: "TLS 1.2 other suite", cfg: tlsConfigFor(yearLeaf, tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256),
			want: model.Warn, msg: "outside NHS's recommended ECDHE-AES-GCM suites"},
		{name: "TLS 1.1 only", cfg: tlsConfigFor(yearLeaf, tls.VersionTLS10, tls.VersionTLS11), want: model.Fail, msg: "TLS 1.2 or later"},
		{name: "expires within 30 days", cfg: tlsConfigFor(pki.leaf(t, time.Now().Add(10*24*time.Hour), testHost), 0, 0),
			want: model.Warn, msg: "expires in"},
		{name: "expired", cfg: tlsConfigFor(yearLeaf, 0, 0), opts: func(o *Options) {
			o.Now = func() time.Time { return notAfter.Add(24 * time.Hour) }
		}, want: model.Fail, msg: "expired on"},
		{name: "wrong host name", cfg: tlsConfigFor(pki.leaf(t, notAfter, "other.cis2-golive.test"), 0, 0), want: model.Fail, msg: "does not match the host name"},
		{name: "untrusted root", cfg: tlsConfigFor(yearLeaf, 0, 0), opts: func(o *Options) { o.RootCAs = nil }, want: model.Fail, msg: "trusted root"},
		// --ca-cert must not turn the failure without it into a warning for a URI CIS2 calls:
		// CIS2 verifies against public roots, so it would refuse this endpoint.
		{name: "private CA without allow-private", cfg: tlsConfigFor(yearLeaf, 0, 0), opts: func(o *Options) { o.AllowPrivate = false },
			want: model.Fail, msg: "CIS2 calls this URI and needs a chain to a public root CA"},
		// Only a browser follows a redirect URI, but a chain trusted because of --ca-cert alone
		// is not one every user's machine trusts: a warning, not a pass that says "needs".
		{name: "private CA on a redirect URI", cfg: tlsConfigFor(yearLeaf, 0, 0), opts: func(o *Options) { o.AllowPrivate = false },
			field: "redirect_uris[0]", want: model.Warn, msg: "every user's browser must trust that CA too"},
		{name: "private CA for testing", cfg: tlsConfigFor(yearLeaf, 0, 0), want: model.Pass, msg: "allowed for testing by --allow-private"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pki.serverTLS(t, ok, tt.cfg)
			u := urlFor(s, "/x")
			opts := pki.testOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			field := tt.field
			if field == "" {
				field = "backchannel_logout_uri"
			}
			r := runOneCheck(t, pkjwtConfig(u, u, u), opts, IDTLS, field)
			wantStatus(t, r, tt.want, tt.msg)
		})
	}
}

func TestTLSSkipsPlainHTTP(t *testing.T) {
	cfg := pkjwtConfig("http://127.0.0.1:8080/cb", "https://bcl.cis2-golive.test/", "")
	r := runOneCheck(t, cfg, Options{Resolver: mapResolver{}}, IDTLS, "redirect_uris[0]")
	wantStatus(t, r, model.Skip, "not an https URI")
}

func TestReachable(t *testing.T) {
	pki := newPKI(t)
	status := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
	}
	tests := []struct {
		name  string
		h     http.Handler
		field string
		want  model.Severity
		msg   string
	}{
		{"redirect URI 400", status(400), "redirect_uris[0]", model.Pass, "answered HTTP 400"},
		{"redirect URI 500 is still an answer", status(500), "redirect_uris[0]", model.Pass, "answered HTTP 500"},
		{"logout 405 to GET", status(405), "backchannel_logout_uri", model.Pass, "answered HTTP 405"},
		{"jwks 503", status(503), "jwks_uri", model.Warn, "server error"},
		{"redirect loop", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}), "jwks_uri", model.Fail, "stopped after 5 redirects"},
		{"https to http", http.RedirectHandler("http://127.0.0.1:1/", http.StatusFound), "jwks_uri", model.Fail, "refused a redirect from https to http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pki.server(t, tt.h, testHost)
			u := urlFor(s, "/x")
			r := runOneCheck(t, pkjwtConfig(u, u, u), pki.testOptions(), IDReachable, tt.field)
			wantStatus(t, r, tt.want, tt.msg)
		})
	}
}

func TestReachableReportsFinalURL(t *testing.T) {
	pki := newPKI(t)
	s := pki.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
		}
	}), testHost)
	u := urlFor(s, "/old")
	r := runOneCheck(t, pkjwtConfig(u, u, u), pki.testOptions(), IDReachable, "redirect_uris[0]")
	wantStatus(t, r, model.Pass, "after redirects to")
	if !strings.HasSuffix(r.Evidence["final_url"], "/new") {
		t.Errorf("final_url = %q", r.Evidence["final_url"])
	}
}

// TestOneRootCauseOneFailure: a host that does not resolve fails uri.resolve once; the
// checks that would only repeat it (TLS, reachability, the logout probe, the JWKS fetch)
// skip, naming it, instead of failing three or four times per URI.
func TestOneRootCauseOneFailure(t *testing.T) {
	pki := newPKI(t)
	opts := pki.testOptions()
	cfg := pkjwtConfig("https://nowhere.cis2-golive.test/cb", "https://nowhere.cis2-golive.test/logout", "https://nowhere.cis2-golive.test/jwks")
	fails := 0
	for _, r := range Run(context.Background(), Plan(cfg, opts), opts, nil) {
		switch {
		case r.Status == model.Fail:
			fails++
			if r.ID != IDResolve {
				t.Errorf("%s %s failed: %s", r.ID, r.Target, r.Message)
			}
		case r.ID == IDTLS || r.ID == IDReachable || r.ID == IDBCL || r.ID == IDJWKSFetch:
			wantStatus(t, r, model.Skip, "nowhere.cis2-golive.test does not resolve (see uri.resolve)")
		}
	}
	if fails != 2 { // the logout and JWKS URIs; a redirect URI that does not resolve warns
		t.Errorf("%d failures, want 2", fails)
	}
}
