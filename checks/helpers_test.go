package checks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/cis2-golive/cis2-golive/model"
)

// testPKI is a private CA for test servers, so tests can use fake host names (mapped to
// loopback by mapResolver) and control certificate lifetimes.
type testPKI struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newPKI(t testing.TB) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "cis2-golive test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testPKI{cert: cert, key: key, pool: pool}
}

// leaf issues a certificate for names (DNS names or IPs) valid until notAfter.
func (p *testPKI) leaf(t testing.TB, notAfter time.Time, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// server starts a loopback TLS server with a year-long certificate for names.
func (p *testPKI) server(t testing.TB, h http.Handler, names ...string) *httptest.Server {
	return p.serverTLS(t, h, &tls.Config{Certificates: []tls.Certificate{p.leaf(t, time.Now().Add(365*24*time.Hour), names...)}})
}

// serverTLS starts a loopback TLS server with the given TLS config.
func (p *testPKI) serverTLS(t testing.TB, h http.Handler, cfg *tls.Config) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are what some tests provoke
	s.TLS = cfg
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// testHost is the fake name test servers answer to; .test never resolves on the internet.
const testHost = "rp.cis2-golive.test"

// mapResolver resolves the names it holds and nothing else: tests never touch real DNS.
type mapResolver map[string][]netip.Addr

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := m[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

var loopback = []netip.Addr{netip.MustParseAddr("127.0.0.1")}

// testOptions resolves testHost to 127.0.0.1 and trusts the test CA. Its timeout is the
// product's default: the work a check does under -race on a loaded 2-core machine (TLS
// handshakes, RSA signing with an 8192-bit key, parsing a large JWKS) can take seconds, and
// no server here hangs unless a test says so, which then sets the short timeout it waits out.
func (p *testPKI) testOptions() Options {
	return Options{
		Timeout:      DefaultTimeout,
		RootCAs:      p.pool,
		AllowPrivate: true,
		Resolver:     mapResolver{testHost: loopback},
	}
}

// urlFor is the server's URL with testHost in place of 127.0.0.1.
func urlFor(s *httptest.Server, path string) string {
	u, _ := url.Parse(s.URL)
	return "https://" + net.JoinHostPort(testHost, u.Port()) + path
}

// runOneCheck plans cfg and runs the single check with the id and target.
func runOneCheck(t testing.TB, cfg *model.Config, opts Options, id, target string) Result {
	t.Helper()
	for _, c := range Plan(cfg, opts) {
		if c.ID == id && c.Target == target {
			return Run(context.Background(), []Check{c}, opts, nil)[0]
		}
	}
	t.Fatalf("no check %s %s in plan", id, target)
	return Result{}
}

// resolverFunc adapts a function to Resolver.
type resolverFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

func (f resolverFunc) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return f(ctx, network, host)
}
